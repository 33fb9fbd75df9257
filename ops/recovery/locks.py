"""Is the stack locked by an update that is gone? (file backends; Pulumi Cloud answers `pulumi cancel`)

A file backend (`file://...`, what `local` uses, or an object store) keeps one lock file per
running update, `.pulumi/locks/<org>/<project>/<stack>/<id>.json`, holding the pid and host of the
`pulumi` process that took it. A killed CLI leaves it behind, and every later update fails with
"the stack is currently locked". When that host is this one and that pid no longer runs `pulumi`,
the update is provably gone and the lock may be released (`pulumi cancel`). Anything else (another
host, a cloud backend) is for the operator to judge: docs/how-to/recover-an-interrupted-update.md says how.
"""
from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

from .file_backend import backend_dir


@dataclass(frozen=True)
class LockStatus:
    state: str  # "none", "dead" (safe to release), "alive" (an update runs), "unknown" (cannot tell here)
    detail: str = ""


def lock_files(backend_url: str, project: str, stack: str) -> Optional[list[Path]]:
    """The stack's lock files in a file backend; None when the backend is not a local directory."""
    root = backend_dir(backend_url, "locks")
    if root is None:
        return None
    short = stack.rsplit("/", 1)[-1]
    return sorted([*root.glob(f"*/{project}/{short}/*.json"), *root.glob(f"{short}/*.json")])


def pid_runs_pulumi(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return True  # alive, cannot see what it is: assume the worst
    return os.path.basename(cmdline.decode(errors="replace")) == "pulumi"


def lock_status(backend_url: str, project: str, stack: str, hostname: Optional[str] = None) -> LockStatus:
    files = lock_files(backend_url, project, stack)
    if files is None:
        return LockStatus("unknown", f"{urlparse(backend_url).scheme or backend_url} backend")
    if not files:
        return LockStatus("none")
    here = hostname or socket.gethostname()
    details = []
    verdict = "dead"
    for path in files:
        try:
            lock = json.loads(path.read_text())
        except (OSError, ValueError):
            return LockStatus("unknown", f"unreadable lock file {path}")
        pid, host = lock.get("pid"), lock.get("hostname")
        details.append(f"pid {pid} on {host} since {lock.get('timestamp')}")
        if host != here or not isinstance(pid, int):
            verdict = "unknown"
        elif pid_runs_pulumi(pid):
            return LockStatus("alive", details[-1])
    return LockStatus(verdict, "; ".join(details))
