"""The backup job's database role against a real Postgres (the sandbox's Supabase image): created exactly as the
SqlRole provider creates it from components/database.py's `backup_grants` (and BYPASSRLS), it can run the nightly
backup (pg_dump in an exported snapshot, sequences included, every row of a table whose row-level security policy
hides them from it) and can change nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import psycopg.rows
import pytest
import pyrage
from pyrage import x25519

from components.config.build_backup import BACKUP_ROLE
from components.database import backup_grants
from dynamic_providers.supabase import sql
from tests.mock_harness import PROJECT_ROOT

PASSWORD = "backupReaderPassword0123456789ab"
# The same grants without BYPASSRLS: what the backup role was before, and what pg_dump refuses.
RLS_BOUND_ROLE = "rls_bound_reader"


def create_reader(db, admin, name: str, *, bypass_rls: bool) -> None:
    """As the SqlRole provider does: CREATE ROLE, then the grants as `postgres`. The CREATE ROLE runs as the sandbox's
    superuser, standing in for supautils (absent from the sandbox), which on Supabase's PG15 runs `postgres`' CREATE
    ROLE as superuser so it may give BYPASSRLS (PG16+ lets `postgres` do so itself)."""
    admin.execute(sql.create_role_sql(name, login=True, password=PASSWORD, connection_limit=-1, bypass_rls=bypass_rls))
    for statement in sql.grant_sql(sql.expand_grants(backup_grants(("public",))), name):
        db.execute(statement)


@pytest.fixture
def database(sandbox_postgres):
    instance = sandbox_postgres.create_instance("backup-role", "postgresPassword0123")
    with psycopg.connect(host=instance.host, port=instance.port, dbname="postgres", user="postgres",
                         password="postgresPassword0123", autocommit=True) as db, \
            instance.admin_connect(autocommit=True) as admin:
        db.execute("CREATE TABLE public.orders (id bigserial PRIMARY KEY, supplier text NOT NULL)")
        db.execute("CREATE TABLE public.lines (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                   "order_id bigint REFERENCES public.orders(id))")
        db.execute("INSERT INTO public.orders (supplier) SELECT 's' || i FROM generate_series(1, 50) i")
        db.execute("INSERT INTO public.lines (order_id) SELECT i FROM generate_series(1, 20) i")
        # As Supabase tables usually are: row-level security on, a policy that shows a user its own rows only
        # (none are the backup role's).
        db.execute("CREATE TABLE public.notes (id int PRIMARY KEY, author text NOT NULL)")
        db.execute("ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY")
        db.execute("CREATE POLICY own_notes ON public.notes FOR SELECT USING (author = current_user)")
        db.execute("INSERT INTO public.notes SELECT i, 'user' || i FROM generate_series(1, 7) i")
        create_reader(db, admin, BACKUP_ROLE, bypass_rls=True)  # as components/database.py declares it
        create_reader(db, admin, RLS_BOUND_ROLE, bypass_rls=False)
        # A table created after the role (a later migration): the default privileges cover it.
        db.execute("CREATE TABLE public.suppliers (id bigserial PRIMARY KEY, name text)")
        db.execute("INSERT INTO public.suppliers (name) VALUES ('acme')")
    yield instance
    instance.destroy()


def url(instance, role: str = BACKUP_ROLE) -> str:
    return f"postgresql://{role}:{quote(PASSWORD)}@{instance.host}:{instance.port}/postgres"


def run_backup(instance, role: str, target, identity) -> subprocess.CompletedProcess:
    env = {**os.environ, "BACKUP_TARGET": f"file://{target}", "BACKUP_SCHEMAS": "public",
           "BACKUP_DATABASE_URL": url(instance, role), "BACKUP_AGE_RECIPIENTS": f"{identity.to_public()} test"}
    return subprocess.run([sys.executable, "-m", "ops.backup", "run"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def dumped_rows(dump: Path, table: str) -> list[str]:
    """The rows of ``table`` in a plain (decrypted) custom-format dump, as pg_restore writes them (COPY lines)."""
    script = subprocess.run(["pg_restore", "--data-only", f"--table={table}", "--file=-", str(dump)],
                            capture_output=True, text=True, check=True, timeout=60).stdout
    copy = script[script.index("COPY public." + table):]
    return copy.split("\n")[1:copy.split("\n").index("\\.")]


def test_the_backup_role_dumps_every_table_and_sequence(database, tmp_path):
    identity = x25519.Identity.generate()
    done = run_backup(database, BACKUP_ROLE, tmp_path / "b", identity)
    assert done.returncode == 0, done.stderr
    manifest = json.loads(next((tmp_path / "b").glob("*.json")).read_text())
    assert manifest["tables"] == {"public.lines": 20, "public.notes": 7, "public.orders": 50, "public.suppliers": 1}
    sealed = next(p for p in (tmp_path / "b").iterdir() if p.suffix != ".json")
    plain = tmp_path / "dump"
    plain.write_bytes(pyrage.decrypt(sealed.read_bytes(), [identity]))
    # Every row, although the policy shows the backup role none of them.
    assert sorted(dumped_rows(plain, "notes")) == sorted(f"{i}\tuser{i}" for i in range(1, 8))


def test_without_bypassrls_row_level_security_fails_the_backup(database, tmp_path):
    # The reason the backup role has BYPASSRLS: pg_dump (row_security off) refuses the table instead of dumping
    # the rows the policy shows, so the run fails (and alerts) rather than writing an incomplete backup.
    done = run_backup(database, RLS_BOUND_ROLE, tmp_path / "b", x25519.Identity.generate())
    assert done.returncode != 0
    assert "row-level security" in done.stderr and "notes" in done.stderr
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())


def test_the_backup_role_can_change_nothing(database):
    with psycopg.connect(url(database), autocommit=True) as db:
        for statement in ("INSERT INTO public.orders (supplier) VALUES ('x')", "DELETE FROM public.orders",
                          "UPDATE public.orders SET supplier = 'y'", "TRUNCATE public.orders",
                          "SELECT setval('public.orders_id_seq', 1)", "SELECT nextval('public.orders_id_seq')",
                          "INSERT INTO public.notes VALUES (99, 'backup_reader')", "DELETE FROM public.notes",
                          "CREATE TABLE public.intruder (id int)", "DROP TABLE public.lines"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(statement)
        attributes = db.execute("SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
                                "FROM pg_roles WHERE rolname = current_user").fetchone()
        # BYPASSRLS only (pg_dump must see every row); it still may only read.
        assert attributes == (False, False, False, False, True)
        assert db.execute("SELECT count(*) FROM public.notes").fetchone()[0] == 7


def test_the_role_reads_back_exactly_as_declared(database):
    # What a refresh of the SqlRole finds (the provider's own query): no drift after the create, a later table
    # included (the default privileges cover it).
    with psycopg.connect(host=database.host, port=database.port, dbname="postgres", user="postgres",
                         password="postgresPassword0123", autocommit=True) as db:
        cursor = db.cursor(row_factory=psycopg.rows.dict_row)
        state = sql.decode_role_rows(cursor.execute(sql.read_role_sql(BACKUP_ROLE)).fetchall())
    assert state.exists and state.can_login and state.bypass_rls is True
    assert set(state.grants) == sql.expand_grants(backup_grants(("public",)))
