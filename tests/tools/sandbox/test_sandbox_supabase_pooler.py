"""The pooler (tools/sandbox/supabase/pooler.py): one Supavisor-shaped endpoint for every project, `<role>.<ref>` user
names, PgBouncer behind it in the project's pool mode, its port kept across restarts."""

import shutil
import socket
import tempfile
from pathlib import Path

import psycopg
import pytest

from tools.sandbox import data_dirs
from tools.sandbox.runner import Sandbox
from tools.sandbox.supabase import pooler
from tests.tools.sandbox.supabase_projects import new_project


def create(sandbox, name="pooled", password="pooled-password"):
    return new_project(sandbox, name, password)


def endpoint(api, ref):
    (entry,) = api.get(f"/v1/projects/{ref}/config/database/pooler").json()
    return entry


def connect(entry, user, password, **kw):
    return psycopg.connect(host=entry["db_host"], port=entry["db_port"], dbname=entry["db_name"], user=user,
                           password=password, connect_timeout=5, autocommit=True, **kw)


def test_role_dot_ref_logs_in_as_the_role_of_that_project_only(sandbox):
    api, ref = create(sandbox)
    _api, other = create(sandbox, name="other", password="other-password")
    api.post(f"/v1/projects/{ref}/database/query",
             json={"query": "CREATE ROLE orders_api LOGIN PASSWORD 'orders-api-password'"})
    entry = endpoint(api, ref)
    assert entry["db_port"] == endpoint(api, other)["db_port"]  # one endpoint; the ref picks the project
    with connect(entry, f"orders_api.{ref}", "orders-api-password") as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("orders_api",)
    with connect(entry, f"postgres.{other}", "other-password") as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
    for user in ("orders_api", "postgres", f"orders_api.{'x' * 20}", f"orders_api.{ref}x"):
        with pytest.raises(psycopg.OperationalError, match="Tenant or user not found"):
            connect(entry, user, "orders-api-password")
    for user, password in ((f"orders_api.{other}", "orders-api-password"), (f"orders_api.{ref}", "wrong-password")):
        with pytest.raises(psycopg.OperationalError, match="no such user|authentication failed"):
            connect(entry, user, password)


def test_transaction_mode_shares_server_connections_and_session_mode_resets_them(sandbox):
    api, ref = create(sandbox)
    api.patch(f"/v1/projects/{ref}/config/database/pooler", json={"default_pool_size": 1})
    entry = endpoint(api, ref)
    user, password = f"postgres.{ref}", "pooled-password"

    def leaked_after_another_client_set_it():
        with connect(entry, user, password) as first:
            first.execute("SET statement_timeout = '4242'")  # session state, on whichever server it ran
            pid = first.execute("SELECT pg_backend_pid()").fetchone()
        with connect(entry, user, password) as second:
            return second.execute("SHOW statement_timeout").fetchone() == ("4242ms",), \
                second.execute("SELECT pg_backend_pid()").fetchone() == pid

    assert leaked_after_another_client_set_it() == (True, True)  # transaction mode: no reset between clients
    # Protocol-level prepared statements do not survive: two clients preparing on the one server connection.
    with connect(entry, user, password) as a, connect(entry, user, password) as b:
        a.execute("SELECT 1", prepare=True)
        with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
            b.execute("SELECT 1", prepare=True)
    api.patch(f"/v1/projects/{ref}/config/database/pooler", json={"pool_mode": "session"})
    assert leaked_after_another_client_set_it() == (False, True)  # session mode: DISCARD ALL in between


def test_a_new_database_password_works_through_the_pooler_at_once(sandbox):
    api, ref = create(sandbox)
    entry = endpoint(api, ref)
    connect(entry, f"postgres.{ref}", "pooled-password").close()
    api.patch(f"/v1/projects/{ref}/database/password", json={"password": "rotated-password"})
    connect(entry, f"postgres.{ref}", "rotated-password").close()
    with pytest.raises(psycopg.OperationalError):
        connect(entry, f"postgres.{ref}", "pooled-password")


def test_a_deleted_project_has_no_pooler_any_more(sandbox):
    api, ref = create(sandbox)
    entry = endpoint(api, ref)
    connect(entry, f"postgres.{ref}", "pooled-password").close()
    assert ref in sandbox.supabase.pooler.bouncers
    api.delete(f"/v1/projects/{ref}")
    assert ref not in sandbox.supabase.pooler.bouncers
    with pytest.raises(psycopg.OperationalError, match="Tenant or user not found"):
        connect(entry, f"postgres.{ref}", "pooled-password")


@pytest.fixture
def shared_tmp():
    # The project databases live beside the state file, and as root Postgres runs as `postgres`: a directory it can
    # enter (pytest's tmp_path is private to root).
    path = Path(tempfile.mkdtemp(prefix="sandbox-pooler-"))
    path.chmod(0o755)
    yield path
    # As root the databases live under ~postgres, linked from beside the state file: remove them too.
    link = data_dirs.link_of(path / "state.json")
    if link.is_symlink():
        shutil.rmtree(link.resolve(), ignore_errors=True)
    shutil.rmtree(path, ignore_errors=True)


def test_the_pooler_keeps_its_port_across_a_restart(shared_tmp, sandbox_postgres):
    state = shared_tmp / "state.json"
    with Sandbox(state_file=state, postgres=sandbox_postgres, project_ready_delay=0.2) as first:
        api, ref = create(first)
        entry = endpoint(api, ref)
        connect(entry, f"postgres.{ref}", "pooled-password").close()
    with Sandbox(state_file=state, postgres=sandbox_postgres, project_ready_delay=0.2) as again:
        assert again.supabase.pooler.port == entry["db_port"]
        assert endpoint(again.supabase.client(), ref) == entry
        with connect(entry, f"postgres.{ref}", "pooled-password") as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    # Someone else took the port meanwhile: the start fails and says so, rather than moving the pooler.
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", entry["db_port"]))
        squatter.listen()
        sandbox = Sandbox(state_file=state, postgres=sandbox_postgres)
        with pytest.raises(pooler.PoolerUnavailable, match=f"127.0.0.1:{entry['db_port']}.*recorded that port"):
            sandbox.start()
        sandbox.stop()


def test_user_names_and_startup_packets():
    assert pooler.split_user("postgres.abcdefghijklmnopqrst") == ("postgres", "abcdefghijklmnopqrst")
    assert pooler.split_user("my.role.abcdefghijklmnopqrst") == ("my.role", "abcdefghijklmnopqrst")
    for bad in ("postgres", ".abcdefghijklmnopqrst", "postgres.ABCDEFGHIJKLMNOPQRST", "postgres.short"):
        assert pooler.split_user(bad) is None
    packet = pooler.build_startup({"user": "orders_api", "database": "postgres"})
    assert pooler.parse_startup(packet[8:]) == {"user": "orders_api", "database": "postgres"}


def test_without_pgbouncer_and_root_the_error_says_what_to_run(monkeypatch):
    monkeypatch.setattr(pooler.shutil, "which", lambda _name: None)
    monkeypatch.setattr(pooler.os.path, "exists", lambda _path: False)
    monkeypatch.setattr(pooler.os, "geteuid", lambda: 1000)
    with pytest.raises(pooler.PoolerUnavailable, match="sudo apt-get install -y pgbouncer"):
        pooler.ensure_pgbouncer()
