"""How every ops tool's ``main`` ends a failure: ONE line on stderr (what failed, why, the next command) and
exit 1, never a Python traceback unless asked for (``-v``/``--debug``, or PROCUREMENT_DEBUG=1 in the
environment of a job that cannot pass flags).

Expected failures are the ones a person or the machine causes (an unreachable or failing API, a wrong token,
a file that is missing or not writable, a backup that failed a check); anything else is a bug and keeps its
traceback. Ctrl-C is one line too (exit 130).
"""
from __future__ import annotations

import os
import sys
import traceback
from typing import Callable, Optional, Sequence

from .backup.crypto import HeaderError
from .backup.run import BackupFailed
from .libpq import BadConnection

DEBUG_FLAGS = ("-v", "--debug")
DEBUG_ENV = "PROCUREMENT_DEBUG"
EXPECTED = (BackupFailed, BadConnection, HeaderError, OSError)


def api_failures() -> tuple:
    """The Management APIs' failure families, for the tools that call them (the backup job's image holds
    ops/ alone, so they are not imported by the ones that do not)."""
    from dynamic_providers.core.errors import ApiError
    from dynamic_providers.core.polling import PollTimeoutError
    from dynamic_providers.core.api_settings import MissingCredentialsError
    from dynamic_providers.supabase.health import ProjectFailedError

    return ApiError, MissingCredentialsError, PollTimeoutError, ProjectFailedError


def add_debug_flag(parser) -> None:
    parser.add_argument(*DEBUG_FLAGS, dest="debug", action="store_true",
                        help=f"show the Python traceback of a failure (or {DEBUG_ENV}=1)")


def debugging(argv: Optional[Sequence[str]]) -> bool:
    args = sys.argv[1:] if argv is None else argv
    return any(a in DEBUG_FLAGS for a in args) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


# What the pulumi CLI says after the error that matters: its summary, the program's host shutting down.
_ECHOES = ("update failed", "preview failed", "Resource monitor has terminated, shutting down")


def why(error: BaseException) -> str:
    """The failure in one line: an OSError's reason and file (not ``[Errno 13] ...``); a failed CLI's first
    specific `error:` line (not its echoes), else its last line; else the message."""
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.strerror or type(error).__name__}: {error.filename}"
    output = getattr(error, "output", None)  # a failed CLI's whole output (ops.stack.CommandFailed)
    if not output:
        return " ".join(str(error).split()) or type(error).__name__
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line and not line.endswith(_ECHOES)]
    return (errors[:1] or lines[-1:])[0]


def next_step(error: BaseException, again: str) -> str:
    """What to do about an error of this family; ``again`` is the command that retries."""
    api = getattr(error, "api", None)  # an ApiError (dynamic_providers/core/errors.py)
    if api and getattr(error, "status", 0) is None:
        return f"check that the {api} API is reachable (its *_API_URL, the network), then {again}"
    if api and error.status in (401, 403) or type(error).__name__ == "MissingCredentialsError":
        return f"check the API token in the environment, then {again}"
    if api and 500 <= (error.status or 0) <= 599:
        return f"the {api} API failed on its side; wait a minute, then {again}"
    if isinstance(error, PermissionError):
        return f"make it writable by this user (or choose another target), then {again}"
    if isinstance(error, FileNotFoundError):
        return f"check the path (a backup's manifest is <stamp>.json), then {again}"
    return again


def run(tool: str, main: Callable[[Optional[Sequence[str]]], int], argv: Optional[Sequence[str]] = None, *,
        again: str = "fix it and run the same command again", note: Callable[[BaseException], str] = lambda e: "",
        expected: tuple = EXPECTED) -> int:
    """``main(argv)``, its expected failures turned into one line naming ``tool``; ``note`` adds what the tool
    knows about the state it leaves (e.g. a project it created)."""
    try:
        return main(argv)
    except KeyboardInterrupt:
        if debugging(argv):
            raise
        print(f"{tool}: interrupted{note_of(note, None)}", file=sys.stderr)
        return 130
    except expected as error:
        if debugging(argv):
            traceback.print_exc()
        print(f"{tool} failed: {why(error)}{note_of(note, error)}; next: {next_step(error, again)}"
              + ("" if debugging(argv) else " (-v shows the traceback)"), file=sys.stderr)
        return 1


def note_of(note: Callable, error: Optional[BaseException]) -> str:
    text = note(error)
    return f" ({text})" if text else ""
