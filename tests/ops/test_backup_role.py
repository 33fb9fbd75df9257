"""The backup job's database role against a real Postgres (the sandbox's Supabase image): created exactly as the
SqlRole provider creates it from components/database.py's `backup_grants`, it can run the nightly backup
(pg_dump in an exported snapshot, sequences included) and can change nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import quote

import psycopg
import psycopg.rows
import pytest
from pyrage import x25519

from components.config.build_backup import BACKUP_ROLE
from components.database import backup_grants
from dynamic_providers.supabase import sql
from tests.mock_harness import PROJECT_ROOT

PASSWORD = "backupReaderPassword0123456789ab"


@pytest.fixture
def database(sandbox_postgres):
    instance = sandbox_postgres.create_instance("backup-role", "postgresPassword0123")
    with psycopg.connect(host=instance.host, port=instance.port, dbname="postgres", user="postgres",
                         password="postgresPassword0123", autocommit=True) as db:
        db.execute("CREATE TABLE public.orders (id bigserial PRIMARY KEY, supplier text NOT NULL)")
        db.execute("CREATE TABLE public.lines (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                   "order_id bigint REFERENCES public.orders(id))")
        db.execute("INSERT INTO public.orders (supplier) SELECT 's' || i FROM generate_series(1, 50) i")
        db.execute("INSERT INTO public.lines (order_id) SELECT i FROM generate_series(1, 20) i")
        grants = sql.expand_grants(backup_grants(("public",)))
        db.execute(sql.create_role_sql(BACKUP_ROLE, login=True, password=PASSWORD, connection_limit=-1))
        for statement in sql.grant_sql(grants, BACKUP_ROLE):
            db.execute(statement)
        # A table created after the role (a later migration): the default privileges cover it.
        db.execute("CREATE TABLE public.suppliers (id bigserial PRIMARY KEY, name text)")
        db.execute("INSERT INTO public.suppliers (name) VALUES ('acme')")
    yield instance
    instance.destroy()


def url(instance) -> str:
    return f"postgresql://{BACKUP_ROLE}:{quote(PASSWORD)}@{instance.host}:{instance.port}/postgres"


def test_the_backup_role_dumps_every_table_and_sequence(database, tmp_path):
    identity = x25519.Identity.generate()
    env = {**os.environ, "BACKUP_TARGET": f"file://{tmp_path / 'b'}", "BACKUP_SCHEMAS": "public",
           "BACKUP_DATABASE_URL": url(database), "BACKUP_AGE_RECIPIENTS": f"{identity.to_public()} test"}
    done = subprocess.run([sys.executable, "-m", "ops.backup", "run"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    manifest = json.loads(next((tmp_path / "b").glob("*.json")).read_text())
    assert manifest["tables"] == {"public.lines": 20, "public.orders": 50, "public.suppliers": 1}


def test_the_backup_role_can_change_nothing(database):
    with psycopg.connect(url(database), autocommit=True) as db:
        for statement in ("INSERT INTO public.orders (supplier) VALUES ('x')", "DELETE FROM public.orders",
                          "UPDATE public.orders SET supplier = 'y'", "TRUNCATE public.orders",
                          "SELECT setval('public.orders_id_seq', 1)", "SELECT nextval('public.orders_id_seq')",
                          "CREATE TABLE public.intruder (id int)", "DROP TABLE public.lines"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(statement)
        attributes = db.execute("SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
                                "FROM pg_roles WHERE rolname = current_user").fetchone()
        assert attributes == (False, False, False, False, False)


def test_the_role_reads_back_exactly_as_declared(database):
    # What a refresh of the SqlRole finds (the provider's own query): no drift after the create, a later table
    # included (the default privileges cover it).
    with psycopg.connect(host=database.host, port=database.port, dbname="postgres", user="postgres",
                         password="postgresPassword0123", autocommit=True) as db:
        cursor = db.cursor(row_factory=psycopg.rows.dict_row)
        state = sql.decode_role_rows(cursor.execute(sql.read_role_sql(BACKUP_ROLE)).fetchall())
    assert state.exists and state.can_login
    assert set(state.grants) == sql.expand_grants(backup_grants(("public",)))
