"""The program process: ``python run_program.py <pulumi-language-python-exec> <its arguments>``.

Runs Pulumi's exec script unchanged, but for a run the engine is already ending (it reports why, in one line):
the first interrupt, and a call the engine abandoned (Go's "context canceled"), exit at once and quietly with
EXIT_INTERRUPTED instead of a traceback. Why and when the engine does that: tools/engine/README.md, "Run" and
"Shutdown signals". PROCUREMENT_DEBUG=1 keeps Python's and the SDK's defaults.

Standard library only, but for the SDK the exec script itself imports: it runs in the program's Python.
"""
import os
import runpy
import signal
import sys

# 128 + SIGINT, as a shell reports a process ended by an interrupt; the host maps it (servicer.Run).
EXIT_INTERRUPTED = 130
DEBUG_ENV = "PROCUREMENT_DEBUG"
# How Go's context.Canceled reads at the end of the engine's error for a call it abandoned.
ENGINE_CANCELED = "context canceled"


def _interrupted(signum, frame):
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def canceled_by_engine(error: BaseException) -> bool:
    """Whether the error, or one it was raised from or during, is a call the engine abandoned."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if str(error).rstrip().endswith(ENGINE_CANCELED):
            return True
        error = error.__cause__ or error.__context__
    return False


def _quiet_when_canceled(run_in_stack):
    async def run(func):
        try:
            await run_in_stack(func)
        except Exception as error:
            if canceled_by_engine(error):
                raise SystemExit(EXIT_INTERRUPTED) from None
            raise
    return run


def _patch_sdk() -> None:
    try:
        import pulumi.runtime
    except ImportError:
        return  # the exec script reports a missing SDK itself
    pulumi.runtime.run_in_stack = _quiet_when_canceled(pulumi.runtime.run_in_stack)


def main() -> None:
    executor = os.path.abspath(sys.argv[1])
    # As if the exec script had been started itself: its argv, and its directory (not this package's, whose
    # module names would shadow the program's imports) first on sys.path.
    sys.argv = [executor] + sys.argv[2:]
    sys.path[0] = os.path.dirname(executor)
    if os.environ.get(DEBUG_ENV, "") in ("", "0"):
        signal.signal(signal.SIGINT, _interrupted)
        _patch_sdk()
    runpy.run_path(executor, run_name="__main__")


if __name__ == "__main__":
    main()
