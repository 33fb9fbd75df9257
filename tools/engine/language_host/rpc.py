"""gRPC plumbing shared by the servicer and the watchdog: message limits and error mapping."""

import grpc

from .errors import HostError

# gRPC messages can hold large states and schemas; the engine allows 400 MiB as well.
GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", 400 * 1024 * 1024),
    ("grpc.max_send_message_length", 400 * 1024 * 1024),
]


def rpc(method):
    """Turn HostError/unexpected exceptions into a gRPC error carrying the message.

    grpc would otherwise log a traceback to stderr, which the engine shows as program output.
    """

    def wrapper(self, request, context):
        try:
            return method(self, request, context)
        except HostError as e:
            context.abort(grpc.StatusCode.UNKNOWN, str(e))
        except Exception as e:  # noqa: BLE001 - every failure must reach the engine as an RPC error
            context.abort(grpc.StatusCode.UNKNOWN, f"{type(e).__name__}: {e}")

    wrapper.__name__ = method.__name__
    return wrapper


def rpc_stream(method):
    def wrapper(self, request, context):
        try:
            yield from method(self, request, context)
        except HostError as e:
            context.abort(grpc.StatusCode.UNKNOWN, str(e))
        except Exception as e:  # noqa: BLE001
            context.abort(grpc.StatusCode.UNKNOWN, f"{type(e).__name__}: {e}")

    wrapper.__name__ = method.__name__
    return wrapper


def unimplemented(name: str):
    def method(self, request, context):
        context.abort(grpc.StatusCode.UNIMPLEMENTED, f"{name} is not implemented by this Python language host")

    method.__name__ = name
    return method
