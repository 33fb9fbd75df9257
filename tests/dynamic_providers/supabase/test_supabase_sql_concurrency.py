"""Roles and extensions created concurrently (parallel provider calls, as the engine makes them for
resources without a dependency between them) against the sandbox's real Postgres.

Concurrent GRANTs on one database/schema update the same catalog row ("tuple concurrently updated",
SQLSTATE XX000) and concurrent CREATE SCHEMA IF NOT EXISTS race on pg_namespace's unique index
(23505): the providers retry exactly those, so every call succeeds and the result is exact."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg

from dynamic_providers.supabase.extension import ExtensionProvider
from dynamic_providers.supabase.sql_role import SqlRoleProvider
from supabase_engine import FAST_HTTP, FAST_WAIT
from test_supabase_sql_lifecycle import project  # noqa: F401  (fixture)

ROLES = [f"svc_{i}" for i in range(6)]
# Trusted extensions a Supabase project does not pre-install (pgcrypto and uuid-ossp are, in `extensions`).
EXTENSIONS = ["hstore", "pg_trgm", "citext", "ltree", "cube", "btree_gist"]
PASSWORD = "concurrent-password-1"


def in_parallel(calls):
    """Runs the calls at the same moment (a barrier releases them together); returns results or raises."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(run, c) for c in calls]]


def role_grants(schema="public"):
    return [{"on": "database", "privileges": ["CONNECT"]},
            {"on": "schema", "schema": schema, "privileges": ["USAGE"]},
            {"on": "all_tables", "schema": schema, "privileges": ["SELECT", "INSERT"]}]


def test_roles_and_extensions_created_concurrently_all_succeed_exactly(supabase_env, engine, project):  # noqa: F811
    sb = supabase_env
    db = sb.supabase.databases[project]
    for round_ in range(3):  # a race is a matter of timing: several rounds make it near-certain
        role_provider, ext_provider = SqlRoleProvider(http=FAST_HTTP), ExtensionProvider(http=FAST_HTTP)
        schema = f"extensions_{round_}"  # missing: every CREATE EXTENSION first creates it
        calls = [lambda name=name: engine.create(role_provider, {
                     "project_ref": project, "name": f"{name}_{round_}", "password": PASSWORD,
                     "grants": role_grants(), **FAST_WAIT}) for name in ROLES]
        calls += [lambda ext=ext: engine.create(ext_provider, {
                      "project_ref": project, "name": ext, "schema": schema, **FAST_WAIT}) for ext in EXTENSIONS]
        states = in_parallel(calls)
        role_states, ext_states = states[:len(ROLES)], states[len(ROLES):]

        with db.admin_connect(autocommit=True) as conn:
            installed = dict(conn.execute("SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n "
                                          "ON n.oid = e.extnamespace").fetchall())
        assert {ext: installed.get(ext) for ext in EXTENSIONS} == {ext: schema for ext in EXTENSIONS}
        for state in role_states:
            granted = {(g["on"], g.get("schema"), g["privilege"]) for g in state.outputs["granted"]}
            assert granted == {("database", None, "CONNECT"), ("schema", "public", "USAGE"),
                               ("all_tables", "public", "SELECT"), ("all_tables", "public", "INSERT"),
                               ("all_sequences", "public", "USAGE")}
            name = state.id.split("/", 1)[1]
            with psycopg.connect(host=db.host, port=db.port, dbname=db.dbname, user=name, password=PASSWORD,
                                 connect_timeout=5, autocommit=True) as conn:
                assert conn.execute("SELECT count(*) FROM public.invoices").fetchone() == (1,)

        # Tearing down concurrently races on the same rows (REVOKE, DROP): also retried.
        in_parallel([lambda s=s: engine.destroy(role_provider, s) for s in role_states]
                    + [lambda s=s: engine.destroy(ext_provider, s) for s in ext_states])
        with db.admin_connect(autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'svc\\_%'").fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = ANY(%s)",
                                (EXTENSIONS,)).fetchone() == (0,)
    # The races really happened (answered 400 and retried): without the retry this test fails.
    raced = [e for e in sb.supabase.journal.entries() if e.status == 400 and "database/query" in e.path]
    assert raced, "no concurrent transaction collided: the test did not exercise the race"
    assert not sb.request_violations()
