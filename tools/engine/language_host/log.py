"""Diagnostics, only on request (``-logtostderr -v=N``): stderr is shown to the user as program output."""

import sys

VERBOSITY = 0
LOG_TO_STDERR = False


def configure(verbosity: int, to_stderr: bool) -> None:
    global VERBOSITY, LOG_TO_STDERR
    VERBOSITY, LOG_TO_STDERR = verbosity, to_stderr


def debug(level: int, message: str) -> None:
    if LOG_TO_STDERR and VERBOSITY >= level:
        print(f"pulumi-language-python: {message}", file=sys.stderr, flush=True)
