"""``SqlRole`` and ``Extension`` on a database shaped like Supabase's (tools/sandbox/supabase/image.sql): ``postgres`` is
no superuser, objects belong to supabase_admin / supabase_auth_admin, the API roles (anon, authenticated,
service_role) get every new public table through default privileges, and extensions live in ``extensions``,
some of them pre-installed by the platform."""
from __future__ import annotations

import psycopg
import pytest

from dynamic_providers.core.errors import ApiError
from dynamic_providers.supabase.extension import ExtensionProvider
from dynamic_providers.supabase.sql_role import SqlRoleProvider
from supabase_engine import FAST_HTTP, FAST_WAIT
from supautils_stand_in import needs_supautils, supautils_role_elevation
from test_supabase_sql_lifecycle import PASSWORD, as_postgres, can, connect_as, project, role_program  # noqa: F401

BASE = [{"on": "database", "privileges": ["CONNECT"]}]


def acl_of(sb, ref, relation, grantee):
    with sb.supabase.databases[ref].admin_connect(autocommit=True) as conn:
        return {r[0] for r in conn.execute(
            "SELECT a.privilege_type FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a "
            "WHERE c.oid = %s::regclass AND a.grantee = %s::regrole", (relation, grantee)).fetchall()}


def role_exists(sb, ref, name="orders_api"):
    with sb.supabase.databases[ref].admin_connect(autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (name,)).fetchone()[0] == 1


def test_grants_on_objects_supabase_admin_owns(supabase_env, engine, project):  # noqa: F811
    """pg_stat_statements belongs to supabase_admin; postgres holds it WITH GRANT OPTION, so it can pass it on."""
    sb = supabase_env
    grants = [*BASE, {"on": "schema", "schema": "extensions", "privileges": ["USAGE"]},
              {"on": "table", "schema": "extensions", "objects": ["pg_stat_statements"], "privileges": ["SELECT"]}]
    p = SqlRoleProvider(http=FAST_HTTP)
    state = engine.create(p, role_program(project, grants=grants))
    with connect_as(sb, project, "orders_api", PASSWORD) as conn:
        assert can(conn, "SELECT count(*) FROM extensions.pg_stat_statements")
        assert not can(conn, "SELECT extensions.pg_stat_statements_reset()")  # a function it was not given
    assert not engine.preview(p, engine.refresh(p, state), role_program(project, grants=grants))[0].changes
    engine.destroy(p, state)
    assert acl_of(sb, project, "extensions.pg_stat_statements", "postgres")  # postgres' own grant untouched
    assert not role_exists(sb, project)


def test_the_api_roles_keep_their_default_grants_whatever_the_role_does(supabase_env, engine, project):  # noqa: F811
    sb = supabase_env
    schema_wide = [*BASE, {"on": "schema", "schema": "public", "privileges": ["USAGE"]},
                   {"on": "all_tables", "schema": "public", "privileges": ["SELECT", "INSERT"]}]
    everything = {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}
    assert acl_of(sb, project, "public.orders", "anon") == everything  # the image's default privileges
    p = SqlRoleProvider(http=FAST_HTTP)
    state = engine.create(p, role_program(project, grants=schema_wide))
    as_postgres(sb, project, "CREATE TABLE public.suppliers (id serial PRIMARY KEY)")
    assert acl_of(sb, project, "public.suppliers", "orders_api") == {"SELECT", "INSERT"}
    assert acl_of(sb, project, "public.suppliers", "anon") == everything
    # Read back exactly the role's own grants: anon's do not leak into it, and nothing is "extra".
    refreshed = engine.refresh(p, state)
    assert refreshed.inputs["grants"] == schema_wide
    state = engine.up(p, refreshed, role_program(project, grants=[*schema_wide[:2], {
        "on": "all_tables", "schema": "public", "privileges": ["SELECT"]}]))
    engine.destroy(p, state)
    for table in ("public.orders", "public.suppliers"):
        assert acl_of(sb, project, table, "anon") == everything
        assert acl_of(sb, project, table, "authenticated") == everything


def test_a_grant_postgres_cannot_pass_on_fails_before_anything_is_created(supabase_env, engine, project):  # noqa: F811
    """auth.users belongs to supabase_auth_admin: postgres may SELECT it (and grant that on), but INSERT only for
    itself. Postgres would answer that GRANT with a warning and grant nothing; the role would converge to less
    than declared, forever. The provider refuses it up front, in the same transaction, so no role is left."""
    sb = supabase_env
    grants = [*BASE, {"on": "schema", "schema": "auth", "privileges": ["USAGE"]},
              {"on": "table", "schema": "auth", "objects": ["users"], "privileges": ["SELECT", "INSERT"]}]
    p = SqlRoleProvider(http=FAST_HTTP)
    with pytest.raises(Exception, match=r"42501.*cannot grant USAGE on schema auth, INSERT on table auth\.users"):
        engine.create(p, role_program(project, grants=grants))
    assert not role_exists(sb, project)
    # What postgres holds with the grant option is fine: SELECT on auth.users (auth's USAGE it cannot pass on).
    readable = [*BASE, {"on": "table", "schema": "auth", "objects": ["users"], "privileges": ["SELECT"]}]
    state = engine.create(p, role_program(project, grants=readable))
    assert acl_of(sb, project, "auth.users", "orders_api") == {"SELECT"}
    # Widening it later is refused the same way, and changes nothing.
    with pytest.raises(Exception, match=r"cannot grant .*INSERT on table auth\.users"):
        engine.up(p, state, role_program(project, grants=grants))
    assert acl_of(sb, project, "auth.users", "orders_api") == {"SELECT"}
    engine.destroy(p, state)


def test_default_privileges_of_a_role_postgres_is_not_member_of_are_refused(supabase_env, engine, project):  # noqa: F811
    sb = supabase_env
    grants = [*BASE, {"on": "all_tables", "schema": "public", "privileges": ["SELECT"], "owner": "supabase_admin"}]
    with pytest.raises(Exception, match=r"42501"):
        engine.create(SqlRoleProvider(http=FAST_HTTP), role_program(project, grants=grants))
    assert not role_exists(sb, project)


def test_a_privilege_granted_by_another_role_is_reported_not_silently_kept(supabase_env, engine, project):  # noqa: F811
    """REVOKE by postgres removes only what postgres granted: drift someone granted as supabase_auth_admin
    cannot be undone by the provider, and `up` says so instead of reporting success."""
    sb = supabase_env
    readable = [*BASE, {"on": "table", "schema": "auth", "objects": ["users"], "privileges": ["SELECT"]}]
    p = SqlRoleProvider(http=FAST_HTTP)
    state = engine.create(p, role_program(project, grants=readable))
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        conn.execute("SET ROLE supabase_auth_admin")
        conn.execute("GRANT UPDATE ON auth.users TO orders_api")
    drifted = engine.refresh(p, state)
    assert drifted.inputs["grants"] != readable
    with pytest.raises(Exception, match=r"still holds UPDATE on table auth\.users.*revoke the rest as the role"):
        engine.up(p, drifted, role_program(project, grants=readable))
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        conn.execute("SET ROLE supabase_auth_admin")
        conn.execute("REVOKE UPDATE ON auth.users FROM orders_api")
    assert not engine.preview(p, engine.refresh(p, state), role_program(project, grants=readable))[0].changes
    engine.destroy(p, state)


@pytest.mark.parametrize("name", ["pgcrypto", "pg_stat_statements", "uuid-ossp"])
def test_an_extension_the_platform_installed_is_adopted_not_recreated(supabase_env, engine, name, project):  # noqa: F811
    sb = supabase_env

    def installed():
        with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
            return conn.execute("SELECT oid, extowner::regrole::text, extversion FROM pg_extension "
                                "WHERE extname = %s", (name,)).fetchone()

    before = installed()
    p = ExtensionProvider(http=FAST_HTTP)
    state = engine.create(p, {"project_ref": project, "name": name, **FAST_WAIT})
    assert state.outputs["pre_existing"] is True and state.outputs["schema"] == "extensions"
    assert state.outputs["installed_version"] == before[2]
    assert not engine.preview(p, engine.refresh(p, state), {"project_ref": project, "name": name, **FAST_WAIT})[0].changes
    engine.destroy(p, state)
    assert installed() == before  # the same object, still supabase_admin's: neither recreated nor dropped


def test_extensions_are_created_in_extensions_and_usable_by_a_role(supabase_env, engine, project):  # noqa: F811
    sb = supabase_env
    ext = engine.create(ExtensionProvider(http=FAST_HTTP), {"project_ref": project, "name": "pg_trgm", **FAST_WAIT})
    assert ext.outputs["pre_existing"] is False and ext.outputs["schema"] == "extensions"
    grants = [*BASE, {"on": "schema", "schema": "extensions", "privileges": ["USAGE"]}]
    role = engine.create(SqlRoleProvider(http=FAST_HTTP), role_program(project, grants=grants))
    with connect_as(sb, project, "orders_api", PASSWORD) as conn:
        assert conn.execute("SELECT extensions.similarity('desk', 'desks') > 0.5").fetchone() == (True,)
        assert conn.execute("SELECT extensions.crypt('x', extensions.gen_salt('bf')) IS NOT NULL").fetchone() == (True,)
    engine.destroy(SqlRoleProvider(http=FAST_HTTP), role)
    engine.destroy(ExtensionProvider(http=FAST_HTTP), ext)
    with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'").fetchone() == (0,)


def test_an_extension_only_a_superuser_may_create_fails_clearly(supabase_env, engine, project):  # noqa: F811
    with pytest.raises(Exception, match=r"HTTP 400.*42501.*file_fdw"):
        engine.create(ExtensionProvider(http=FAST_HTTP), {"project_ref": project, "name": "file_fdw", **FAST_WAIT})
    with supabase_env.supabase.databases[project].admin_connect(autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'file_fdw'").fetchone() == (0,)


def test_postgres_url_of_the_project_cannot_reach_supabase_admin_objects_it_was_not_given(supabase_env, project):  # noqa: F811
    sb = supabase_env
    db = sb.supabase.databases[project]
    with psycopg.connect(host=db.host, port=db.port, dbname="postgres", user="postgres",
                         password="project-db-password", autocommit=True) as conn:
        assert not can(conn, "CREATE TABLE auth.nope (id int)")
        assert not can(conn, "ALTER EXTENSION pgcrypto SET SCHEMA public")


def bypasses_rls(sb, ref, name="orders_api") -> bool:
    with sb.supabase.databases[ref].admin_connect(autocommit=True) as conn:
        return conn.execute("SELECT rolbypassrls FROM pg_roles WHERE rolname = %s", (name,)).fetchone()[0]


def rls_protected_orders(sb, ref) -> list[dict]:
    """public.orders with row-level security on and a policy that shows nobody a row; the grants to read it."""
    as_postgres(sb, ref, "INSERT INTO public.orders (item) VALUES ('pens'), ('desks');"
                         "ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;"
                         "CREATE POLICY nobody ON public.orders FOR SELECT USING (false)")
    return [*BASE, {"on": "schema", "schema": "public", "privileges": ["USAGE"]},
            {"on": "table", "schema": "public", "objects": ["orders"], "privileges": ["SELECT"]}]


def rows_seen(sb, ref) -> int:
    with connect_as(sb, ref, "orders_api", PASSWORD) as conn:
        return conn.execute("SELECT count(*) FROM public.orders").fetchone()[0]


def test_bypass_rls_is_created_read_back_and_changed_in_place(supabase_env, engine, project):  # noqa: F811
    sb = supabase_env
    grants = rls_protected_orders(sb, project)
    p = SqlRoleProvider(http=FAST_HTTP)
    with supautils_role_elevation(sb, project):
        state = engine.create(p, role_program(project, grants=grants, bypass_rls=True))
        assert bypasses_rls(sb, project) and rows_seen(sb, project) == 2  # the policy hides nothing from it
        refreshed = engine.refresh(p, state)
        assert refreshed.inputs["bypass_rls"] is True
        assert not engine.preview(p, refreshed, role_program(project, grants=grants, bypass_rls=True))[0].changes

        # Cleared by hand: refresh reads it, up restores it.
        with sb.supabase.databases[project].admin_connect(autocommit=True) as conn:
            conn.execute("ALTER ROLE orders_api WITH NOBYPASSRLS")
        drifted = engine.refresh(p, state)
        assert drifted.inputs["bypass_rls"] is False
        state = engine.up(p, drifted, role_program(project, grants=grants, bypass_rls=True))
        assert bypasses_rls(sb, project)

        # Declared false: ALTER ROLE in place (the same role, its grants untouched), the policy applies again.
        state = engine.up(p, state, role_program(project, grants=grants))
        assert state.id == f"{project}/orders_api" and state.inputs["bypass_rls"] is False
        assert not bypasses_rls(sb, project) and rows_seen(sb, project) == 0
        assert not engine.preview(p, engine.refresh(p, state), role_program(project, grants=grants))[0].changes
    engine.destroy(p, state)


def test_a_postgres_that_may_not_set_bypassrls_fails_in_one_line_and_changes_nothing(supabase_env, engine,
                                                                                     project):  # noqa: F811
    """A plain PostgreSQL 15 (the sandbox's: no supautils) refuses BYPASSRLS to a non-superuser `postgres`."""
    sb = supabase_env
    if not needs_supautils(sb, project):
        pytest.skip("PostgreSQL 16+: postgres (CREATEROLE, BYPASSRLS) may set it itself")
    grants = rls_protected_orders(sb, project)
    p = SqlRoleProvider(http=FAST_HTTP)
    refused = r"^Postgres refused to change BYPASSRLS of role 'orders_api' \(.*superuser.*\): .*bypass_rls=false\.$"
    with pytest.raises(ApiError, match=refused) as create_error:
        engine.create(p, role_program(project, grants=grants, bypass_rls=True))
    assert "\n" not in str(create_error.value) and create_error.value.concise
    assert not role_exists(sb, project)  # one transaction: no role without its attribute

    state = engine.create(p, role_program(project, grants=grants))
    with pytest.raises(ApiError, match=refused):
        engine.up(p, state, role_program(project, grants=grants, bypass_rls=True))
    assert not bypasses_rls(sb, project) and rows_seen(sb, project) == 0
    engine.destroy(p, state)
