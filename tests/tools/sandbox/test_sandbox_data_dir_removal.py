"""A deleted project's data directory goes completely, even when the sandbox stops during the removal, when a
process still writes into it, or when its server outlived the object that started it; and what a crash left is
collected at the next start. Real Postgres."""

import shutil
from pathlib import Path

from tools.sandbox import data_dirs, postgres
from tests.tools.sandbox.test_sandbox_data_dirs import create_project, private_state, start  # noqa: F401 - fixture


def postmaster_running(data_dir: Path) -> bool:
    return (data_dir / "postmaster.pid").exists()


def servers_of(data_dir: Path) -> list[int]:
    """The pids of the processes whose command line names ``data_dir`` (its postmaster: ``postgres -D dir``)."""
    needle = str(data_dir).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and needle in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def test_destroy_stops_a_server_it_did_not_mark_started_and_removes_everything(sandbox_postgres):
    instance = sandbox_postgres.create_instance("removal-unmarked", "pw-12345")
    instance.process_started = False  # as after a failed or lost stop: the server still runs
    assert postmaster_running(instance.data_dir)
    instance.destroy()
    assert not instance.data_dir.exists()
    assert servers_of(instance.data_dir) == [], "its postmaster outlived the removal of its data directory"


def test_removal_retries_while_a_late_writer_recreates_files(tmp_path, monkeypatch):
    """A process that is still exiting (a PgBouncer writing its log) leaves a file behind the first pass."""
    data_dir = tmp_path / "abcdefghijabcdefghij"
    (data_dir / "pgbouncer").mkdir(parents=True)
    (data_dir / "PG_VERSION").write_text("15\n")
    passes = []
    real_rmtree = shutil.rmtree

    def rmtree_with_a_late_writer(path, ignore_errors=False):
        real_rmtree(path, ignore_errors=ignore_errors)
        passes.append(path)
        if len(passes) < 3:  # the writer's last lines land after the pass, twice
            (Path(path) / "pgbouncer").mkdir(parents=True, exist_ok=True)
            (Path(path) / "pgbouncer" / "pgbouncer.log").write_text("closing\n")

    monkeypatch.setattr(postgres.shutil, "rmtree", rmtree_with_a_late_writer)
    assert postgres.remove_data_dir(data_dir, pause=0)
    assert not data_dir.exists() and len(passes) == 3


def test_a_stop_right_after_a_delete_leaves_no_data_directory(private_state, sandbox_postgres):  # noqa: F811
    sb = start(private_state, sandbox_postgres)
    try:
        ref = create_project(sb)
        data_dir = Path(sb.supabase.store["projects"][ref]["_db"]["data_dir"])
        sb.supabase.pooler.bouncer_port(ref)  # its PgBouncer runs and writes into the data directory
        assert sb.supabase.client().delete(f"/v1/projects/{ref}").status_code == 200
    finally:
        sb.stop()  # at once: the removal runs in the background and must finish before the sandbox is gone
    assert not data_dir.exists()


def test_a_restart_collects_data_directories_no_project_owns(private_state, sandbox_postgres):  # noqa: F811
    sb = start(private_state, sandbox_postgres)
    try:
        kept = create_project(sb)
        root = Path(sb.supabase.store["projects"][kept]["_db"]["data_dir"]).parent
    finally:
        sb.stop()
    # Half a data directory, as a crash during a removal leaves it, and one with its server still running.
    orphan = root / "zzzzzzzzzzzzzzzzzzzz"
    (orphan / "base").mkdir(parents=True)
    (orphan / "base" / "1234").write_text("x")
    running = sandbox_postgres.create_instance("yyyyyyyyyyyyyyyyyyyy", "pw-12345", root / "yyyyyyyyyyyyyyyyyyyy")
    other = root / "not-a-project-dir"  # anything not named like a project is not ours to remove
    other.mkdir()
    second = start(private_state, sandbox_postgres)
    try:
        assert not orphan.exists() and not running.data_dir.exists()
        assert (root / kept / "PG_VERSION").exists() and other.exists()
        assert kept in second.supabase.databases
    finally:
        second.stop()
        shutil.rmtree(other, ignore_errors=True)
    assert data_dirs.collect_orphan_data_dirs(root, {kept}) == []
