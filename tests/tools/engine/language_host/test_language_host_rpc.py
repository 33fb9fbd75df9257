"""tools/engine/language_host/rpc.py: failures reach the engine as RPC errors carrying the message, never tracebacks."""

import grpc
import pytest

from tools.engine.language_host.errors import HostError
from tools.engine.language_host.rpc import rpc, rpc_stream, unimplemented


class Aborted(Exception):
    pass


class Context:
    def abort(self, code, details):
        self.code, self.details = code, details
        raise Aborted()


class Service:
    @rpc
    def Fails(self, request, context):
        raise HostError(f"bad {request}")

    @rpc
    def Breaks(self, request, context):
        raise KeyError("x")

    @rpc
    def Works(self, request, context):
        return request * 2

    @rpc_stream
    def Streams(self, request, context):
        yield 1
        raise HostError("half way")

    Later = unimplemented("Later")


@pytest.mark.parametrize("method, code, details", [
    ("Fails", grpc.StatusCode.UNKNOWN, "bad 3"),
    ("Breaks", grpc.StatusCode.UNKNOWN, "KeyError: 'x'"),
    ("Later", grpc.StatusCode.UNIMPLEMENTED, "Later is not implemented by this Python language host"),
])
def test_errors_become_aborts(method, code, details):
    context = Context()
    with pytest.raises(Aborted):
        getattr(Service(), method)(3, context)
    assert (context.code, context.details) == (code, details)


def test_results_and_streams_pass_through():
    assert Service().Works(3, Context()) == 6
    context = Context()
    stream = Service().Streams(None, context)
    assert next(stream) == 1
    with pytest.raises(Aborted):
        next(stream)
    assert context.details == "half way"
    assert Service.Works.__name__ == "Works"
