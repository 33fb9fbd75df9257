"""The control API's token: made at sandbox start, kept in a mode-0600 file beside the sandbox's state, sent in
one header. Why a token on a loopback server: a web page open in the developer's browser can reach 127.0.0.1
(a cross-site request, or DNS rebinding past the Host check), but it cannot read a file, and it cannot add this
header to a cross-origin request without a CORS preflight, which the sandbox never grants.

Stdlib only: ``tools.sandbox.client`` (imported by tests that run the sandbox in another process) uses it too.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from tools import REPO_ROOT

HEADER = "X-Sandbox-Control-Token"
ENV = "SANDBOX_CONTROL_TOKEN"  # the token itself, for tests; set for the sandbox and its clients alike
FILE_NAME = "control-token"


class ControlTokenMissing(RuntimeError):
    """No token given and none in the token file; the message names the file and what to do."""


def generate() -> str:
    return secrets.token_urlsafe(32)


def file_beside(state_file: str | Path) -> Path:
    """Where a sandbox persisting to ``state_file`` keeps its token (``$SANDBOX_DIR/control-token``)."""
    return Path(os.path.abspath(state_file)).parent / FILE_NAME


def default_file() -> Path:
    """The token file of the checkout's sandbox (``make sandbox``): ``$SANDBOX_DIR/control-token``, the same
    default directory as tools/scripts/local-paths.sh (make exports an unset SANDBOX_DIR empty: the default too)."""
    directory = os.environ.get("SANDBOX_DIR", "").strip() or str(REPO_ROOT / ".sandbox-state")
    return Path(os.path.abspath(directory)) / FILE_NAME


def write(path: Path, token: str) -> None:
    """Replace ``path`` with the token, readable by this user only (0600 from the first byte: never widened by
    the umask, never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(token + "\n")
    os.replace(temporary, path)


def read(path: Path) -> str:
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        token = ""
    if not token:
        raise ControlTokenMissing(f"no sandbox control token in {path}: is the sandbox of that directory running "
                                  f"(make sandbox)? Otherwise pass --control-token-file or set {ENV}")
    return token


def refusal(presented: str | None, expected: str, where: str) -> str | None:
    """Why a control request with header value ``presented`` is refused (None: it is not). ``where``: where
    the caller finds the token, for the message."""
    if not presented:
        return f"the sandbox control API needs the {HEADER} header; the token is in {where}"
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        return f"wrong {HEADER}; the sandbox's current token is in {where} (a restart makes a new one)"
    return None
