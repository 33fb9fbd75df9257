"""The program process: ``python run_program.py <pulumi-language-python-exec> <its arguments>``.

Runs Pulumi's exec script unchanged, with one difference: an interrupt ends the program quietly. The engine
interrupts the host's whole process group (the program is in it) when it shuts its plugins down, also while a
failed update's program is still winding down, and the host then stops the program with its own interrupt
(processes.stop_process). Python's default turns each into a KeyboardInterrupt traceback printed under the
engine's one-line error; here the first interrupt exits with EXIT_INTERRUPTED, later ones are ignored.
PROCUREMENT_DEBUG=1 keeps Python's default (the traceback shows where the program was).

Standard library only: it runs in the program's Python, not the host's.
"""
import os
import runpy
import signal
import sys

# 128 + SIGINT, as a shell reports a process ended by an interrupt; the host maps it (servicer.Run).
EXIT_INTERRUPTED = 130
DEBUG_ENV = "PROCUREMENT_DEBUG"


def _interrupted(signum, frame):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the host's interrupt follows the engine's: one is enough
    raise SystemExit(EXIT_INTERRUPTED)  # no traceback, even raised while an error is being handled


def main() -> None:
    executor = os.path.abspath(sys.argv[1])
    if os.environ.get(DEBUG_ENV, "") in ("", "0"):
        signal.signal(signal.SIGINT, _interrupted)
    # As if the exec script had been started itself: its argv, and its directory (not this package's, whose
    # module names would shadow the program's imports) first on sys.path.
    sys.argv = [executor] + sys.argv[2:]
    sys.path[0] = os.path.dirname(executor)
    runpy.run_path(executor, run_name="__main__")


if __name__ == "__main__":
    main()
