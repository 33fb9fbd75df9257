"""``SqlRole`` and ``Extension`` against the sandbox's real Postgres (through ``database/query``).

The role created by SqlRole logs in with its password and has exactly the declared grants; removing
a grant in the program revokes it; grants added by hand are found by refresh and revoked by up."""
from __future__ import annotations

import threading
import time
from dataclasses import replace

import psycopg
import pytest

from dynamic_providers.core.provider import AdoptionRequiredError
from dynamic_providers.core.transport import Transport
from dynamic_providers.supabase.api import SupabaseApi
from dynamic_providers.supabase.extension import ExtensionProvider
from dynamic_providers.supabase.project import ProjectProvider
from dynamic_providers.supabase.sql import expand_grants
from dynamic_providers.supabase.sql_role import SqlRoleProvider
from supabase_engine import FAST_HTTP, FAST_WAIT

PASSWORD = "orders-api-password-1"
GRANTS = [
    {"on": "database", "privileges": ["CONNECT"]},
    {"on": "schema", "schema": "public", "privileges": ["USAGE"]},
    {"on": "table", "schema": "public", "objects": ["orders"], "privileges": ["SELECT", "INSERT"]},
    {"on": "table", "schema": "public", "objects": ["invoices"], "privileges": ["SELECT"]},
    {"on": "sequence", "schema": "public", "objects": ["orders_id_seq"], "privileges": ["USAGE"]},
]


@pytest.fixture
def project(supabase_env, engine):
    sb = supabase_env
    state = engine.create(ProjectProvider(http=FAST_HTTP), {
        "organization_slug": sb.supabase.organization_slug, "name": "procurement-sql", "region": "eu-central-1",
        "db_password": "project-db-password", **FAST_WAIT})
    api = SupabaseApi(Transport(sb.supabase.base_url, sb.supabase.token, api_name="Supabase"))
    api.run_query(state.id, "CREATE TABLE public.orders (id serial PRIMARY KEY, item text);"
                            "CREATE TABLE public.invoices (id int PRIMARY KEY);"
                            "INSERT INTO public.invoices VALUES (1)")
    return state.id


def role_program(ref, **over):
    return {"project_ref": ref, "name": "orders_api", "password": PASSWORD, "grants": GRANTS, **FAST_WAIT, **over}


def connect_as(sb, ref, user, password):
    db = sb.supabase.databases[ref]
    return psycopg.connect(host=db.host, port=db.port, dbname=db.dbname, user=user, password=password,
                           connect_timeout=5, autocommit=True)


def can(conn, statement) -> bool:
    try:
        conn.execute(statement)
        return True
    except psycopg.errors.InsufficientPrivilege:
        return False


def actual_grants(sb, ref):
    with sb.supabase.databases[ref].admin_connect(autocommit=True) as conn:
        rows = conn.execute("""SELECT n.nspname, c.relname, a.privilege_type FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL aclexplode(c.relacl) a
            WHERE a.grantee = 'orders_api'::regrole ORDER BY 1, 2, 3""").fetchall()
    return {(r[0], r[1], r[2]) for r in rows}


def test_role_logs_in_with_exactly_the_declared_grants(supabase_env, engine, project):
    sb = supabase_env
    p = SqlRoleProvider(http=FAST_HTTP)
    state = engine.create(p, role_program(project))
    assert state.id == f"{project}/orders_api"
    assert {(g["on"], g.get("schema", ""), g.get("object", ""), g["privilege"]) for g in state.outputs["granted"]} == \
        {(g.kind, g.schema, g.object, g.privilege) for g in expand_grants(GRANTS)}

    with connect_as(sb, project, "orders_api", PASSWORD) as conn:
        assert can(conn, "SELECT * FROM public.orders")
        assert can(conn, "INSERT INTO public.orders (item) VALUES ('pens')")  # needs the sequence grant too
        assert can(conn, "SELECT * FROM public.invoices")
        assert not can(conn, "DELETE FROM public.orders")
        assert not can(conn, "INSERT INTO public.invoices VALUES (2)")
        assert not can(conn, "CREATE TABLE public.nope (id int)")
        attrs = conn.execute("SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
                             "WHERE rolname = current_user").fetchone()
        assert attrs == (False, False, False, False)
    assert actual_grants(sb, project) == {("public", "orders", "INSERT"), ("public", "orders", "SELECT"),
                                          ("public", "invoices", "SELECT"), ("public", "orders_id_seq", "USAGE")}
    with pytest.raises(psycopg.OperationalError):
        connect_as(sb, project, "orders_api", "not-the-password").close()

    # No-op preview and refresh: nothing changes.
    assert not engine.preview(p, state, role_program(project))[0].changes
    refreshed = engine.refresh(p, state)
    assert refreshed.inputs["grants"] == GRANTS  # the user's own grouping is kept
    assert not engine.preview(p, refreshed, role_program(project))[0].changes

    # Removing a grant in the program revokes it.
    fewer = [g for g in GRANTS if g.get("objects") != ["invoices"]]
    state = engine.up(p, refreshed, role_program(project, grants=fewer))
    assert ("public", "invoices", "SELECT") not in actual_grants(sb, project)
    with connect_as(sb, project, "orders_api", PASSWORD) as conn:
        assert not can(conn, "SELECT * FROM public.invoices")
        assert can(conn, "SELECT * FROM public.orders")

    # A grant added by hand is drift: refresh shows it, up revokes it.
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        conn.execute("GRANT DELETE ON public.orders TO orders_api")
    drifted = engine.refresh(p, state)
    assert engine.preview(p, drifted, role_program(project, grants=fewer))[0].changes
    state = engine.up(p, drifted, role_program(project, grants=fewer))
    assert ("public", "orders", "DELETE") not in actual_grants(sb, project)

    # Password rotation in place.
    state = engine.up(p, state, role_program(project, grants=fewer, password="rotated-password-22"))
    connect_as(sb, project, "orders_api", "rotated-password-22").close()
    with pytest.raises(psycopg.OperationalError):
        connect_as(sb, project, "orders_api", PASSWORD).close()

    # Delete revokes everything and drops the role.
    engine.destroy(p, state)
    assert engine.refresh(p, state) is None
    with pytest.raises(psycopg.OperationalError):
        connect_as(sb, project, "orders_api", "rotated-password-22").close()
    engine.destroy(p, state)  # already gone: fine
    assert not sb.request_violations()


def test_existing_role_needs_adopt(supabase_env, engine, project):
    sb = supabase_env
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        conn.execute("CREATE ROLE orders_api LOGIN PASSWORD 'old-password-123'")
        conn.execute("GRANT UPDATE ON public.invoices TO orders_api")
    p = SqlRoleProvider(http=FAST_HTTP)
    with pytest.raises(AdoptionRequiredError, match="adopt=True"):
        engine.create(p, role_program(project))
    state = engine.create(p, role_program(project, adopt=True))
    # Adopting converges: declared password and exactly the declared grants.
    connect_as(sb, project, "orders_api", PASSWORD).close()
    assert ("public", "invoices", "UPDATE") not in actual_grants(sb, project)
    assert ("public", "invoices", "SELECT") in actual_grants(sb, project)
    engine.destroy(p, state)


def test_lost_create_response_converges_without_error(supabase_env, engine, project):
    sb = supabase_env
    # The first query of a create is the existence check; hold it (slow) and, while it is held,
    # arm a dropped response for the next query: the CREATE ROLE itself.
    slow = sb.supabase.add_fault("slow", method="POST", path="/v1/projects/{ref}/database/query", delay=1.0)

    def arm_drop():
        for _ in range(500):
            if slow not in sb.supabase.faults.list():
                sb.supabase.add_fault("drop_response", method="POST", path="/v1/projects/{ref}/database/query")
                return
            time.sleep(0.005)

    threading.Thread(target=arm_drop, daemon=True).start()
    state = engine.create(SqlRoleProvider(http=FAST_HTTP), role_program(project))
    assert not sb.supabase.faults.list()  # both faults were hit
    connect_as(sb, project, "orders_api", PASSWORD).close()
    assert ("public", "orders", "INSERT") in actual_grants(sb, project)
    assert state.id == f"{project}/orders_api"


@pytest.mark.parametrize("fault", [{"kind": "rate_limit", "retry_after": 1}, {"kind": "error", "status": 503, "count": 2},
                                   {"kind": "reset"}], ids=["429", "5xx", "reset"])
def test_refresh_and_update_survive_faults(supabase_env, engine, project, fault):
    sb = supabase_env
    p = SqlRoleProvider(http=FAST_HTTP)
    state = engine.create(p, role_program(project))
    sb.supabase.add_fault(method="POST", path="/v1/projects/{ref}/database/query", **fault)
    assert engine.refresh(p, state).inputs["grants"] == GRANTS
    sb.supabase.add_fault(method="POST", path="/v1/projects/{ref}/database/query", **fault)
    fewer = [g for g in GRANTS if g.get("objects") != ["invoices"]]
    engine.up(p, state, role_program(project, grants=fewer))
    assert ("public", "invoices", "SELECT") not in actual_grants(sb, project)
    assert not sb.supabase.faults.list()


def test_bad_grant_target_fails_with_postgres_message_and_creates_nothing(supabase_env, engine, project):
    sb = supabase_env
    bad = [{"on": "table", "schema": "public", "objects": ["no_such_table"], "privileges": ["SELECT"]}]
    with pytest.raises(Exception, match=r"POST /v1/projects/\w+/database/query.*400.*no_such_table"):
        engine.create(SqlRoleProvider(http=FAST_HTTP), role_program(project, grants=bad))
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'orders_api'").fetchone()[0] == 0


def test_extension_lifecycle(supabase_env, engine, project):
    sb = supabase_env
    p = ExtensionProvider(http=FAST_HTTP)
    state = engine.create(p, {"project_ref": project, "name": "hstore", "version": "1.7", **FAST_WAIT})
    assert state.outputs["installed_version"] == "1.7" and state.outputs["pre_existing"] is False
    assert state.outputs["schema"] == "extensions"
    assert not engine.preview(p, state, {"project_ref": project, "name": "hstore", "version": "1.7", **FAST_WAIT})[0].changes
    refreshed = engine.refresh(p, state)
    assert refreshed.inputs["version"] == "1.7" and refreshed.outputs["pre_existing"] is False

    upgraded = engine.up(p, refreshed, {"project_ref": project, "name": "hstore", "version": "1.8", **FAST_WAIT})
    assert upgraded.outputs["installed_version"] == "1.8" and upgraded.outputs["pre_existing"] is False
    moved_program = {"project_ref": project, "name": "hstore", "version": "1.8", "schema": "public", **FAST_WAIT}
    assert engine.preview(p, upgraded, moved_program)[0].replaces == ["schema"]
    moved = engine.up(p, upgraded, moved_program)  # drop, then create in the new schema
    assert moved.outputs["schema"] == "public" and moved.outputs["installed_version"] == "1.8"
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        assert conn.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                            "WHERE extname = 'hstore'").fetchone()[0] == "public"

    engine.destroy(p, moved)
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'hstore'").fetchone()[0] == 0
    assert engine.refresh(p, moved) is None


def test_pre_existing_extension_is_not_dropped(supabase_env, engine, project):
    sb = supabase_env
    p = ExtensionProvider(http=FAST_HTTP)
    state = engine.create(p, {"project_ref": project, "name": "plpgsql", "schema": "pg_catalog", **FAST_WAIT})
    assert state.outputs["pre_existing"] is True
    engine.destroy(p, state)
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'plpgsql'").fetchone()[0] == 1


# --- schema-wide table privileges (existing tables and tables created later) ------------------

SCHEMA_WIDE = [
    {"on": "database", "privileges": ["CONNECT"]},
    {"on": "schema", "schema": "public", "privileges": ["USAGE"]},
    {"on": "all_tables", "schema": "public", "privileges": ["SELECT", "INSERT"]},
]


def default_privileges(sb, ref):
    """(owner, schema, privilege) of orders_api's default table privileges."""
    with sb.supabase.databases[ref].admin_connect(autocommit=True) as conn:
        rows = conn.execute("""SELECT o.rolname, n.nspname, a.privilege_type FROM pg_default_acl d
            JOIN pg_namespace n ON n.oid = d.defaclnamespace JOIN pg_roles o ON o.oid = d.defaclrole
            CROSS JOIN LATERAL aclexplode(d.defaclacl) a
            WHERE a.grantee = 'orders_api'::regrole AND d.defaclobjtype = 'r'""").fetchall()
    return {tuple(r) for r in rows}


def as_postgres(sb, ref, statement):
    """Runs SQL the way migrations would (through database/query, as `postgres`, which owns the tables)."""
    SupabaseApi(Transport(sb.supabase.base_url, sb.supabase.token, api_name="Supabase")).run_query(ref, statement)


def test_schema_wide_privileges_cover_later_tables_and_converge(supabase_env, engine, project):
    sb = supabase_env
    p = SqlRoleProvider(http=FAST_HTTP)
    state = engine.create(p, role_program(project, grants=SCHEMA_WIDE))
    assert {(g["on"], g.get("schema"), g.get("owner"), g["privilege"]) for g in state.outputs["granted"]
            if g["on"] == "all_tables"} == {("all_tables", "public", "postgres", "SELECT"),
                                           ("all_tables", "public", "postgres", "INSERT")}
    assert default_privileges(sb, project) == {("postgres", "public", "SELECT"), ("postgres", "public", "INSERT")}
    # A table the backend's migrations create after the role exists.
    as_postgres(sb, project, "CREATE TABLE public.suppliers (id int PRIMARY KEY, name text);"
                             "INSERT INTO public.suppliers VALUES (1, 'acme')")
    with connect_as(sb, project, "orders_api", PASSWORD) as conn:
        assert can(conn, "SELECT * FROM public.invoices")  # existed before
        assert conn.execute("SELECT name FROM public.suppliers").fetchall() == [("acme",)]  # created after
        assert can(conn, "INSERT INTO public.suppliers VALUES (2, 'globex')")
        assert not can(conn, "DELETE FROM public.suppliers")
    # The later table is covered, so refresh and preview see no change.
    refreshed = engine.refresh(p, state)
    assert refreshed.inputs["grants"] == SCHEMA_WIDE
    assert not engine.preview(p, refreshed, role_program(project, grants=SCHEMA_WIDE))[0].changes

    # Removing INSERT in the program revokes it on existing tables and for future ones.
    select_only = [*SCHEMA_WIDE[:2], {"on": "all_tables", "schema": "public", "privileges": ["SELECT"]}]
    assert engine.preview(p, refreshed, role_program(project, grants=select_only))[0].changes
    state = engine.up(p, refreshed, role_program(project, grants=select_only))
    assert default_privileges(sb, project) == {("postgres", "public", "SELECT")}
    assert {priv for (_s, _t, priv) in actual_grants(sb, project)} == {"SELECT"}
    as_postgres(sb, project, "CREATE TABLE public.later (id int)")
    with connect_as(sb, project, "orders_api", PASSWORD) as conn:
        assert can(conn, "SELECT * FROM public.later")
        assert not can(conn, "INSERT INTO public.later VALUES (1)")
        assert not can(conn, "INSERT INTO public.suppliers VALUES (3, 'initech')")

    # Privileges added by hand (on a table and in the default privileges) are drift: refresh shows
    # them, up revokes them.
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        conn.execute("GRANT DELETE ON public.orders TO orders_api")
        conn.execute("ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT UPDATE ON TABLES TO orders_api")
    drifted = engine.refresh(p, state)
    assert drifted.inputs["grants"] != select_only
    assert engine.preview(p, drifted, role_program(project, grants=select_only))[0].changes
    state = engine.up(p, drifted, role_program(project, grants=select_only))
    assert ("public", "orders", "DELETE") not in actual_grants(sb, project)
    assert default_privileges(sb, project) == {("postgres", "public", "SELECT")}

    # A privilege revoked by hand from one table (or a table its owner's defaults do not cover) is
    # drift too: up grants it again.
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        conn.execute("REVOKE SELECT ON public.invoices FROM orders_api")
    drifted = engine.refresh(p, state)
    assert any(g["on"] == "table_defaults" for g in drifted.inputs["grants"])
    state = engine.up(p, drifted, role_program(project, grants=select_only))
    assert ("public", "invoices", "SELECT") in actual_grants(sb, project)
    assert not engine.preview(p, engine.refresh(p, state), role_program(project, grants=select_only))[0].changes

    # Delete clears the default privileges too (DROP ROLE refuses while they exist).
    engine.destroy(p, state)
    assert engine.refresh(p, state) is None
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'orders_api'").fetchone()[0] == 0
    assert not sb.request_violations()


# --- sequences follow INSERT (nextval on serial columns) ---------------------------------------

def sequence_privileges(sb, ref):
    """(sequence, privilege) on orders_api's existing sequences, and (owner, schema, privilege) of its
    default sequence privileges."""
    with sb.supabase.databases[ref].admin_connect(autocommit=True) as conn:
        acl = conn.execute("""SELECT c.relname, a.privilege_type FROM pg_class c
            CROSS JOIN LATERAL aclexplode(c.relacl) a
            WHERE c.relkind = 'S' AND a.grantee = 'orders_api'::regrole""").fetchall()
        defaults = conn.execute("""SELECT o.rolname, n.nspname, a.privilege_type FROM pg_default_acl d
            JOIN pg_namespace n ON n.oid = d.defaclnamespace JOIN pg_roles o ON o.oid = d.defaclrole
            CROSS JOIN LATERAL aclexplode(d.defaclacl) a
            WHERE a.grantee = 'orders_api'::regrole AND d.defaclobjtype = 'S'""").fetchall()
    return {tuple(r) for r in acl}, {tuple(r) for r in defaults}


def test_insert_on_all_tables_brings_sequence_usage_and_converges(supabase_env, engine, project):
    sb = supabase_env
    p = SqlRoleProvider(http=FAST_HTTP)
    state = engine.create(p, role_program(project, grants=SCHEMA_WIDE))
    assert ("all_sequences", "public", "postgres", "USAGE") in {
        (g["on"], g.get("schema"), g.get("owner"), g["privilege"]) for g in state.outputs["granted"]}
    assert sequence_privileges(sb, project) == ({("orders_id_seq", "USAGE")}, {("postgres", "public", "USAGE")})
    # A serial table the migrations create after the role exists.
    as_postgres(sb, project, "CREATE TABLE public.receipts (id bigserial PRIMARY KEY, note text)")
    with connect_as(sb, project, "orders_api", PASSWORD) as conn:
        assert can(conn, "INSERT INTO public.orders (item) VALUES ('desk')")  # serial table that existed
        assert can(conn, "INSERT INTO public.receipts (note) VALUES ('paid')")  # bigserial table created after
        assert not can(conn, "SELECT setval('public.orders_id_seq', 100)")  # USAGE only: no UPDATE
    refreshed = engine.refresh(p, state)
    assert refreshed.inputs["grants"] == SCHEMA_WIDE  # the derived usage folds back into INSERT
    assert not engine.preview(p, refreshed, role_program(project, grants=SCHEMA_WIDE))[0].changes

    # Usage revoked by hand from one sequence: refresh shows it, up restores it.
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        conn.execute("REVOKE USAGE ON SEQUENCE public.receipts_id_seq FROM orders_api")
    drifted = engine.refresh(p, refreshed)
    assert drifted.inputs["grants"] != SCHEMA_WIDE
    assert any(g["on"] == "sequence_defaults" for g in drifted.inputs["grants"])
    assert engine.preview(p, drifted, role_program(project, grants=SCHEMA_WIDE))[0].changes
    state = engine.up(p, drifted, role_program(project, grants=SCHEMA_WIDE))
    assert ("receipts_id_seq", "USAGE") in sequence_privileges(sb, project)[0]
    with connect_as(sb, project, "orders_api", PASSWORD) as conn:
        assert can(conn, "INSERT INTO public.receipts (note) VALUES ('again')")
    # Sequence usage (existing and default) revoked entirely: reads back as "sequences": false.
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        conn.execute("REVOKE USAGE ON ALL SEQUENCES IN SCHEMA public FROM orders_api")
        conn.execute("ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public REVOKE USAGE ON SEQUENCES "
                     "FROM orders_api")
    drifted = engine.refresh(p, state)
    assert {**SCHEMA_WIDE[2], "privileges": ["INSERT", "SELECT"], "sequences": False} in drifted.inputs["grants"]
    state = engine.up(p, drifted, role_program(project, grants=SCHEMA_WIDE))
    assert sequence_privileges(sb, project) == ({("orders_id_seq", "USAGE"), ("receipts_id_seq", "USAGE")},
                                                {("postgres", "public", "USAGE")})
    assert not engine.preview(p, engine.refresh(p, state), role_program(project, grants=SCHEMA_WIDE))[0].changes

    # Removing INSERT revokes the sequence usage, existing and default.
    select_only = [*SCHEMA_WIDE[:2], {"on": "all_tables", "schema": "public", "privileges": ["SELECT"]}]
    state = engine.up(p, engine.refresh(p, state), role_program(project, grants=select_only))
    assert sequence_privileges(sb, project) == (set(), set())
    assert not any(g["on"] == "all_sequences" for g in state.outputs["granted"])
    as_postgres(sb, project, "CREATE TABLE public.later_serial (id serial PRIMARY KEY)")
    with connect_as(sb, project, "orders_api", PASSWORD) as conn:
        assert not can(conn, "SELECT nextval('public.orders_id_seq')")
        assert not can(conn, "SELECT nextval('public.later_serial_id_seq')")
    assert sequence_privileges(sb, project) == (set(), set())

    # Delete clears the default sequence privileges (DROP ROLE refuses while they exist).
    state = engine.up(p, engine.refresh(p, state), role_program(project, grants=SCHEMA_WIDE))
    assert sequence_privileges(sb, project)[1] == {("postgres", "public", "USAGE")}

    # A stack deployed before INSERT implied sequence usage: its state's `granted` lacks it (and so
    # does the database). `up` without refresh still grants it.
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        conn.execute("REVOKE USAGE ON ALL SEQUENCES IN SCHEMA public FROM orders_api")
        conn.execute("ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public REVOKE USAGE ON SEQUENCES "
                     "FROM orders_api")
    old_state = replace(state, outputs={**state.outputs, "granted": [
        g for g in state.outputs["granted"] if g["on"] != "all_sequences"]})
    assert engine.preview(p, old_state, role_program(project, grants=SCHEMA_WIDE))[0].changes
    state = engine.up(p, old_state, role_program(project, grants=SCHEMA_WIDE))
    assert sequence_privileges(sb, project)[1] == {("postgres", "public", "USAGE")}
    with connect_as(sb, project, "orders_api", PASSWORD) as conn:
        assert can(conn, "INSERT INTO public.later_serial DEFAULT VALUES")
    assert not engine.preview(p, state, role_program(project, grants=SCHEMA_WIDE))[0].changes
    engine.destroy(p, state)
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'orders_api'").fetchone()[0] == 0
        # None of the role's default privileges is left (the image's own, for anon & co., stay).
        assert conn.execute("SELECT count(*) FROM pg_default_acl d CROSS JOIN LATERAL aclexplode(d.defaclacl) a "
                            "WHERE a.grantee NOT IN (SELECT oid FROM pg_roles)").fetchone()[0] == 0
    assert not sb.request_violations()
