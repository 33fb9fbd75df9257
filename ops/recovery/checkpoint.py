"""A file backend's checkpoint that a killed CLI left unreadable, repaired.

A CLI killed between writing the checkpoint and its `.attrs` metadata leaves an empty `.attrs`, and every later
command fails with `failed to load checkpoint: EOF` although the state is whole: the `.attrs` is removed (it only
describes the blob); an unreadable checkpoint is replaced by its `.bak`. Why that loses nothing:
docs/how-to/recover-an-interrupted-update.md, step 1.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Optional

from .file_backend import backend_dir


def checkpoint_files(backend_url: str, project: str, stack: str) -> Optional[list[Path]]:
    """The stack's checkpoint(s) in a file backend; None when the backend is not a local directory."""
    root = backend_dir(backend_url, "stacks")
    if root is None:
        return None
    short = stack.rsplit("/", 1)[-1]
    return sorted({*root.glob(f"*/{project}/{short}.json"), *root.glob(f"{project}/{short}.json"),
                   *root.glob(f"{short}.json")})


def _readable_json(path: Path) -> bool:
    try:
        json.loads(path.read_text())
        return True
    except (OSError, ValueError):
        return False


def repair(backend_url: str, project: str, stack: str) -> list[str]:
    """Repairs what a killed CLI left unreadable; returns what was done (nothing: all is well)."""
    done: list[str] = []
    for checkpoint in checkpoint_files(backend_url, project, stack) or []:
        for attrs in (Path(f"{checkpoint}.attrs"), Path(f"{checkpoint}.bak.attrs")):
            if attrs.exists() and not _readable_json(attrs):
                attrs.unlink()
                done.append(f"removed the unreadable blob metadata {attrs} (the state itself is intact)")
        if not _readable_json(checkpoint):
            backup = Path(f"{checkpoint}.bak")
            if not _readable_json(backup):
                raise RuntimeError(f"{checkpoint} is unreadable and so is its backup {backup}: restore the "
                                   f"stack from `pulumi stack history` or a copy of the backend")
            aside = Path(f"{checkpoint}.broken-{int(time.time())}")
            shutil.move(checkpoint, aside)
            shutil.copyfile(backup, checkpoint)
            done.append(f"{checkpoint} was cut short: restored the previous checkpoint ({backup}); "
                        f"the broken one is kept as {aside}")
    return done


def interrupted(backend_url: str, project: str, stack: str) -> Optional[str]:
    """Why the stack's last update did not finish, read from a file backend's checkpoint (None: it finished,
    or the backend is not a local directory): what an up must not start on, recover.sh's business."""
    for checkpoint in checkpoint_files(backend_url, project, stack) or []:
        try:
            latest = json.loads(checkpoint.read_text())["checkpoint"].get("latest") or {}
        except (OSError, ValueError, KeyError, TypeError):
            return f"its checkpoint {checkpoint} is unreadable"
        pending = latest.get("pending_operations") or []
        if pending:
            return f"{len(pending)} operation{'s' if len(pending) > 1 else ''} of an interrupted update are pending"
    return None
