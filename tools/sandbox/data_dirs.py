"""Where a persisted sandbox keeps its project databases, so that the Postgres servers can reach them.

Not root: ``DIR/state.json.pgdata/`` beside the state. Root: Postgres runs as the ``postgres`` user, which cannot
enter a private directory, so the root is ``~postgres/procurement-sandbox/<random id>/`` with ``DIR/state.json.pgdata``
a symlink to it and an ``owner`` file naming that link (how a copy is told from a move, and how
``collect_orphans`` finds a root whose checkout is gone). Details: tools/sandbox/README.md, "Real Postgres".
"""

from __future__ import annotations

import logging
import os
import pwd
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path

from .postgres import PostgresUnavailable, find_bin_dir, reachable_by

log = logging.getLogger("tools.sandbox.data_dirs")

OWNER_FILE = "owner"
SHARED_BASE_NAME = "procurement-sandbox"
# A root without its owner file yet is being created by another sandbox right now; leave it alone.
ORPHAN_GRACE_SECONDS = 3600
PROJECT_REF = re.compile(r"[a-z]{20}")  # a project's data directory is named after its ref (sandbox.ids)


def link_of(state_file: Path) -> Path:
    """``DIR/state.json.pgdata``: the project databases' root, or the symlink to it."""
    return state_file.with_name(state_file.name + ".pgdata")


def shared_base(user: str) -> Path:
    """The directory under ``user``'s home holding the roots of every checkout's sandbox on this machine."""
    home = Path(pwd.getpwnam(user).pw_dir)
    if not home.is_dir():
        raise PostgresUnavailable(
            f"Postgres runs as {user!r}, whose home directory {home} does not exist, so the sandbox has no place "
            f"that user can reach for the project databases; create it (owned by {user}) and start again")
    return home / SHARED_BASE_NAME


def project_data_root(state_file: Path, user: str | None) -> Path:
    """The absolute, resolved directory under which the projects' data directories live (created if needed)."""
    state_file = Path(os.path.abspath(state_file))
    link = link_of(state_file)
    if link.is_dir() and not link.is_symlink():
        root = link
    elif user is None:
        if link.is_symlink():
            # Created by an earlier start as root; as ourselves we may only use it if we can write there.
            root = link.resolve()
            if not os.access(root, os.W_OK | os.X_OK):
                raise PostgresUnavailable(
                    f"{link} points at {root}, made when the sandbox ran as root; run it as root again, or start "
                    f"over as this user (remove {state_file.parent})")
        else:
            link.mkdir(parents=True, exist_ok=True)
            root = link
    else:
        root = _shared_root(link, user)
    if not reachable_by(root, user):
        raise PostgresUnavailable(
            f"Postgres runs as the {user!r} user, which cannot enter {root} (it needs search permission on every "
            f"directory above it); point --state at a directory that user can reach")
    return root


def _shared_root(link: Path, user: str) -> Path:
    base = shared_base(user)
    collect_orphans(base)  # at every start as root: the machine's sandboxes clean up after deleted checkouts
    if link.is_symlink():
        target = Path(os.readlink(link))
        if target.is_dir() and _owner_of(target) in (None, str(link)):
            _write_owner(target, link)
            return target
        if target.is_dir() and _links_here(Path(_owner_of(target) or ""), target):
            # The state directory was copied (cp -a) from a checkout whose sandbox still uses these databases:
            # never share them; this copy starts without databases of its own.
            log.warning("%s is a copy of %s's sandbox state; its project databases stay with the original",
                        link, _owner_of(target))
        elif target.is_dir():
            _write_owner(target, link)  # the checkout was moved: the databases move with it
            return target
        link.unlink()
    base.mkdir(parents=True, exist_ok=True)
    _chown(base, user)
    root = base / secrets.token_hex(8)
    # The link first: from the moment the owner file exists, the root has a live owner (see collect_orphans).
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(root)
    root.mkdir(mode=0o755)
    _write_owner(root, link)
    _chown(root, user)
    return root


def collect_orphans(base: Path) -> None:
    """Remove the roots whose owner link is gone or points elsewhere (their checkout was deleted or reset),
    stopping any server still running there first."""
    for root in sorted(base.iterdir()) if base.is_dir() else []:
        if not root.is_dir():
            continue
        owner = _owner_of(root)
        if owner is None:
            if time.time() - root.stat().st_mtime < ORPHAN_GRACE_SECONDS:
                continue
        elif _links_here(Path(owner), root):
            continue
        for pid_file in root.glob("*/postmaster.pid"):
            _stop_server(pid_file.parent)
        for pid_file in root.glob("*/pgbouncer/pgbouncer.pid"):
            _stop_bouncer(pid_file.parent.parent)
        log.info("removing %s: the sandbox state that used it (%s) is gone", root, owner)
        shutil.rmtree(root, ignore_errors=True)


def collect_orphan_data_dirs(root: Path, refs: set[str]) -> list[Path]:
    """Remove the project data directories under ``root`` that no stored project owns: what a stop or a crash of
    the sandbox left while it removed a deleted project's database. Returns them."""
    from .postgres import remove_data_dir

    removed = []
    for data_dir in sorted(root.iterdir()) if root.is_dir() else []:
        if data_dir.name in refs or not PROJECT_REF.fullmatch(data_dir.name) or not data_dir.is_dir() \
                or data_dir.is_symlink():
            continue
        if (data_dir / "postmaster.pid").exists():
            _stop_server(data_dir)
        _stop_bouncer(data_dir)
        log.info("removing %s: left behind by the removal of its project", data_dir)
        remove_data_dir(data_dir)
        removed.append(data_dir)
    return removed


def stop_leftover_servers(state_file: Path) -> list[Path]:
    """Stop the project servers a killed sandbox of ``state_file`` left running; returns their data dirs."""
    import json

    state_file = Path(os.path.abspath(state_file))
    try:
        projects = json.loads(state_file.read_text()).get("supabase", {}).get("projects", {})
    except (OSError, ValueError):
        return []
    link = link_of(state_file)
    stopped = []
    for ref, project in projects.items():
        places = {link / ref, Path(project.get("_db", {}).get("data_dir") or link / ref)}
        for data_dir in places:
            bouncer = _stop_bouncer(data_dir)
            if ((data_dir / "postmaster.pid").exists() and _stop_server(data_dir)) or bouncer:
                stopped.append(data_dir)
    return stopped


def _stop_bouncer(data_dir: Path) -> bool:
    from .supabase.pooler import stop_leftover_bouncer  # the pooler's own files, its own knowledge

    return stop_leftover_bouncer(data_dir)


def _links_here(link: Path, root: Path) -> bool:
    return link.is_symlink() and Path(os.readlink(link)) == root


def _owner_of(root: Path) -> str | None:
    try:
        return (root / OWNER_FILE).read_text().strip() or None
    except OSError:
        return None


def _write_owner(root: Path, link: Path) -> None:
    temporary = root / (OWNER_FILE + ".tmp")
    temporary.write_text(str(link) + "\n")
    os.replace(temporary, root / OWNER_FILE)


def _chown(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _stop_server(data_dir: Path) -> bool:
    """``pg_ctl stop`` (as the directory's owner); True when a server was running and stopped."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return False
    owner = pwd.getpwuid(data_dir.stat().st_uid).pw_name
    done = subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop"],
                          capture_output=True, user=owner if os.geteuid() == 0 else None, cwd="/", check=False)
    return done.returncode == 0
