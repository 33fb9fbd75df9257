"""Start-up: the engine's command line (Go ``flag`` syntax), the gRPC server, the port on stdout, shutdown."""

import os
import signal
import sys
import threading
from concurrent import futures

import grpc
from pulumi.runtime.proto import language_pb2_grpc

from . import log
from .processes import Children
from .rpc import GRPC_OPTIONS
from .servicer import PythonLanguageHost
from .watchdog import EngineWatchdog

# Pulumi's exec script, which runs the program; installed next to the host's executable.
EXEC_SCRIPT = "pulumi-language-python-exec"

STRING_FLAGS = {"tracing", "virtualenv", "root", "typechecker", "toolchain", "use-executor", "v"}
BOOL_FLAGS = {"logtostderr", "alsologtostderr", "logflow"}


def parse_command_line(argv: list[str]) -> tuple[dict, list[str]]:
    flags: dict = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        name, has_value, value = arg.lstrip("-").partition("=")
        if name in BOOL_FLAGS:
            flags[name] = value.lower() not in ("false", "0") if has_value else True
        elif name in STRING_FLAGS:
            if not has_value:
                i += 1
                if i >= len(argv):
                    raise SystemExit(f"pulumi-language-python: flag needs an argument: -{name}")
                value = argv[i]
            flags[name] = value
        else:
            raise SystemExit(f"pulumi-language-python: flag provided but not defined: -{name}")
        i += 1
    return flags, argv[i:]


def sdk_version() -> str:
    from importlib.metadata import version

    return version("pulumi")


def main(argv: list[str], executable_dir: str) -> int:
    """Serve until the engine goes away or signals us; ``executable_dir`` holds the exec script."""
    flags, args = parse_command_line(argv)
    log.configure(int(flags.get("v", "0") or 0), bool(flags.get("logtostderr") or flags.get("alsologtostderr")))
    # -virtualenv, -root, -typechecker and -toolchain are obsolete in the Go host too: the
    # options now arrive with every request (ProgramInfo.options).
    executor = flags.get("use-executor") or os.path.join(executable_dir, EXEC_SCRIPT)
    if not os.path.isfile(executor):
        print(f"pulumi-language-python: missing executor {executor}", file=sys.stderr)
        return 1
    engine_address = args[0] if args else ""

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    watchdog = EngineWatchdog(stop)
    watchdog.watch_engine(engine_address)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=GRPC_OPTIONS)
    host = PythonLanguageHost(executor, engine_address, flags.get("tracing", ""), sdk_version(), watchdog)
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    if port == 0:
        print("pulumi-language-python: could not start language host RPC server", file=sys.stderr)
        return 1
    server.start()
    # The engine reads this first line to learn where to connect.
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    while not stop.wait(1.0):
        pass
    # Stop what we started, then leave without waiting for RPC threads still blocked on them.
    server.stop(grace=2)
    Children.stop_all()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
