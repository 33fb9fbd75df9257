"""A persisted sandbox in a private directory (mode 700, as a clone under /root or `mktemp -d` is): its project
databases live where the Postgres user can reach them (tools/sandbox/data_dirs.py), keep their ports across restarts and
crashes, a taken database port is a clear error with nothing left running, and a root whose checkout is gone is
collected."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tools.sandbox import data_dirs
from tools.sandbox.postgres import PostgresUnavailable, run_as_user
from tools.sandbox.runner import Sandbox
from tools.sandbox.supabase.pooler import process_running
from tools.sandbox.testing import wait_for

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def private_state(tmp_path):
    """A state file two directories deep inside a mode-700 directory; its databases' root removed afterwards."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    state = private / "clone" / ".sandbox-state" / "state.json"
    yield state
    link = data_dirs.link_of(state)
    if link.is_symlink():
        shutil.rmtree(os.readlink(link), ignore_errors=True)


def start(state, harness, **kw):
    return Sandbox(state_file=state, postgres=harness, project_ready_delay=0.1, deploy_delay=0.1, **kw).start()


def create_project(sb, name="kept"):
    supabase = sb.supabase.client()
    ref = supabase.post("/v1/projects", json={"name": name, "db_pass": "pw-12345",
                                              "organization_slug": sb.supabase.organization_slug}).json()["ref"]
    wait_for(lambda: supabase.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY", timeout=30)
    return ref


def db_port(sb, ref):
    """The project's own Postgres port (the pooler entry names the shared pooler in front of it)."""
    instance = sb.supabase.databases.get(ref)
    return instance.port if instance is not None else None


def connect(port):
    return psycopg.connect(host="127.0.0.1", port=port, dbname="postgres", user="postgres", password="pw-12345",
                           connect_timeout=5)


def kill_in_process_parts(sb):
    """What a SIGKILL of the sandbox ends: its threads (HTTP servers, the pooler's listener), not the project
    servers and PgBouncers, which are processes of their own."""
    for ref in list(sb.supabase.store["projects"]):  # start each project's PgBouncer, as a pooled client would
        sb.supabase.pooler.bouncer_port(ref)
    for server in sb.servers:
        server._httpd.shutdown()
        server._httpd.server_close()
    pooler = sb.supabase.pooler
    pooler.bouncers.clear()  # forgotten, not stopped: the processes outlive the sandbox
    pooler.stop()
    sb.supabase.databases.clear()


def leftover_bouncer(state_file, ref):
    """The pid of the PgBouncer of project ``ref`` recorded in its pid file, or None."""
    pid_file = data_dirs.link_of(state_file) / ref / "pgbouncer" / "pgbouncer.pid"
    try:
        return int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def listening(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_private_state_dir_databases_are_reachable_and_keep_their_port(private_state, sandbox_postgres):
    first = start(private_state, sandbox_postgres)
    try:
        ref = create_project(first)
        port = db_port(first, ref)
        with connect(port) as conn:
            conn.execute("create table kept (v text); insert into kept values ('still here')")
    finally:
        first.stop()
    assert not listening(port), "stopping the sandbox stops its databases"

    link = data_dirs.link_of(private_state)
    if run_as_user() == "postgres":
        # Root: Postgres runs as `postgres`, which cannot enter the private tree; the databases live under its home.
        assert link.is_symlink()
        root = Path(os.readlink(link))
        assert root.parent == data_dirs.shared_base("postgres")
        assert (root / "owner").read_text().strip() == str(link)
        assert (root / ref / "PG_VERSION").is_file()
    else:
        assert (link / ref / "PG_VERSION").is_file()

    second = start(private_state, sandbox_postgres)
    try:
        assert db_port(second, ref) == port
        with connect(port) as conn:
            assert conn.execute("select v from kept").fetchone() == ("still here",)
        # Deleting the project removes its data directory.
        data_dir = Path(second.supabase.store["projects"][ref]["_db"]["data_dir"])
        assert second.supabase.client().delete(f"/v1/projects/{ref}").status_code == 200
        wait_for(lambda: not data_dir.exists(), timeout=30)
    finally:
        second.stop()


def test_a_relative_state_path_is_made_absolute_once(private_state, sandbox_postgres, monkeypatch):
    private_state.parent.mkdir(parents=True)
    monkeypatch.chdir(private_state.parent.parent)
    sb = Sandbox(state_file=".sandbox-state/state.json", postgres=sandbox_postgres, project_ready_delay=0.1)
    assert sb.state_file == private_state
    sb.start()
    try:
        monkeypatch.chdir("/")  # Postgres and helpers run from elsewhere: nothing may depend on the cwd
        ref = create_project(sb)
        assert Path(sb.supabase.store["projects"][ref]["_db"]["data_dir"]).is_absolute()
    finally:
        sb.stop()


def test_a_taken_database_port_fails_the_restart_clearly_and_leaves_nothing_running(private_state,
                                                                                     sandbox_postgres):
    first = start(private_state, sandbox_postgres)
    try:
        kept, blocked = create_project(first, "kept"), create_project(first, "blocked")
        kept_port, blocked_port = db_port(first, kept), db_port(first, blocked)
    finally:
        first.stop()

    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", blocked_port))
    squatter.listen()
    try:
        second = Sandbox(state_file=private_state, postgres=sandbox_postgres)
        with pytest.raises(PostgresUnavailable) as failure:
            second.start()
        message = str(failure.value)
        assert f"project {blocked}" in message and f"port {blocked_port}" in message
        assert "database_url" in message
        assert not listening(kept_port), "a failed start leaves no database running"
    finally:
        squatter.close()

    third = start(private_state, sandbox_postgres)
    try:
        assert (db_port(third, kept), db_port(third, blocked)) == (kept_port, blocked_port)
    finally:
        third.stop()


def killed_with_a_project(private_state, sandbox_postgres):
    """A sandbox that made one project, then killed as SIGKILL leaves it: the HTTP servers and the pooler's listener
    (threads of the sandbox) are gone, the project's Postgres and PgBouncer (processes of their own) still run.
    The project's ref and its database's port, checked to be still listening."""
    first = start(private_state, sandbox_postgres)
    ref = create_project(first)
    port = db_port(first, ref)
    kill_in_process_parts(first)
    assert listening(port)
    return ref, port


def test_databases_left_running_by_a_killed_sandbox_come_back_on_their_port(private_state, sandbox_postgres):
    ref, port = killed_with_a_project(private_state, sandbox_postgres)
    bouncer = leftover_bouncer(private_state, ref)
    assert bouncer is not None and process_running(bouncer), "the killed sandbox's PgBouncer should still run"

    second = start(private_state, sandbox_postgres)
    try:
        assert db_port(second, ref) == port
        assert not process_running(bouncer), "the restart leaves the killed sandbox's PgBouncer running"
        with connect(port) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        second.stop()
    assert not listening(port)


def test_stop_databases_command_stops_what_a_killed_sandbox_left(private_state, sandbox_postgres):
    ref, port = killed_with_a_project(private_state, sandbox_postgres)
    done = subprocess.run([sys.executable, "-m", "tools.sandbox", "stop-databases", "--state", str(private_state)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert ref in done.stdout
    assert not listening(port)


@pytest.mark.skipif(run_as_user() != "postgres", reason="the shared root under ~postgres is used when run as root")
def test_a_copied_state_dir_never_shares_the_databases(private_state, sandbox_postgres, tmp_path):
    first = start(private_state, sandbox_postgres)
    first.stop()
    copy = tmp_path / "private" / "copy" / ".sandbox-state"
    shutil.copytree(private_state.parent, copy, symlinks=True)  # `cp -a`: the link is copied as a link
    copied_link = data_dirs.link_of(copy / "state.json")
    try:
        root = data_dirs.project_data_root(copy / "state.json", "postgres")
        assert root != Path(os.readlink(data_dirs.link_of(private_state)))
        assert Path(os.readlink(copied_link)) == root
    finally:
        shutil.rmtree(os.readlink(copied_link), ignore_errors=True)


def test_roots_whose_checkout_is_gone_are_collected(tmp_path):
    base = tmp_path / "base"
    live_link = tmp_path / "live.pgdata"
    live, gone, fresh, stale = (base / name for name in ("live", "gone", "fresh", "stale"))
    for root in (live, gone, fresh, stale):
        root.mkdir(parents=True)
    live_link.symlink_to(live)
    (live / "owner").write_text(f"{live_link}\n")
    (gone / "owner").write_text(f"{tmp_path / 'deleted-clone' / 'state.json.pgdata'}\n")
    old = time.time() - 2 * data_dirs.ORPHAN_GRACE_SECONDS
    os.utime(stale, (old, old))  # no owner file for long: a start that died half-way

    data_dirs.collect_orphans(base)

    assert sorted(p.name for p in base.iterdir()) == ["fresh", "live"]
