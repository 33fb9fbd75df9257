"""A project's database looks like one made from Supabase's Postgres image (tools/sandbox/supabase/image.sql): the
standard roles with their attributes and memberships, the platform schemas and their owners, the `extensions`
schema with the pre-installed extensions, the default privileges on `public`, and `postgres` without superuser.
Checked through the Management API (`database/query` runs as `postgres`) and the catalogs."""

import psycopg
import pytest

from tools.sandbox.supabase import image
from tests.tools.sandbox.supabase_projects import new_project


@pytest.fixture
def project(sandbox):
    api, ref = new_project(sandbox, "img", "image-password")

    def query(sql):
        answer = api.post(f"/v1/projects/{ref}/database/query", json={"query": sql})
        return answer.status_code, answer.json()

    return sandbox, ref, query


def catalog(sandbox, ref, sql):
    with sandbox.supabase.databases[ref].admin_connect(autocommit=True) as conn:
        return conn.execute(sql).fetchall()


# rolname: (superuser, inherit, createrole, createdb, login, replication, bypassrls) as on a new project
# (pg_dumpall of real projects; supabase/postgres init scripts and migrations).
ROLES = {
    "postgres": (False, True, True, True, True, True, True),
    "supabase_admin": (True, True, True, True, True, True, True),
    "anon": (False, True, False, False, False, False, False),
    "authenticated": (False, True, False, False, False, False, False),
    "service_role": (False, True, False, False, False, False, True),
    "authenticator": (False, False, False, False, True, False, False),
    "dashboard_user": (False, True, True, True, False, True, False),
    "pgbouncer": (False, True, False, False, True, False, False),
    "supabase_auth_admin": (False, False, False, False, True, False, False),
    "supabase_storage_admin": (False, False, True, False, True, False, False),
    "supabase_realtime_admin": (False, False, False, False, False, False, False),
    "supabase_replication_admin": (False, True, False, False, True, True, False),
    "supabase_read_only_user": (False, True, False, False, True, False, True),
    "supabase_etl_admin": (False, True, False, False, True, True, False),
    "supabase_superuser": (False, True, False, False, False, False, False),
}


def test_standard_roles_with_their_attributes_and_memberships(project):
    sandbox, ref, _ = project
    found = {r[0]: tuple(r[1:]) for r in catalog(sandbox, ref, """
        SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls
          FROM pg_roles WHERE rolname !~ '^pg_'""")}
    assert found == ROLES
    members = {(r[0], r[1]) for r in catalog(sandbox, ref, """
        SELECT m.rolname, r.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid
          JOIN pg_roles m ON m.oid = a.member""")}
    assert {("authenticator", "anon"), ("authenticator", "authenticated"), ("authenticator", "service_role"),
            ("postgres", "anon"), ("postgres", "authenticated"), ("postgres", "service_role"),
            ("postgres", "pg_read_all_data"), ("postgres", "pg_monitor"), ("postgres", "pg_signal_backend"),
            ("postgres", "supabase_superuser"), ("supabase_read_only_user", "pg_read_all_data"),
            ("supabase_storage_admin", "authenticator")} <= members
    # Not what a plain Postgres admin would get, nor what the platform revoked from postgres.
    assert not {("postgres", r) for r in ("pg_write_all_data", "supabase_admin", "supabase_auth_admin",
                                          "supabase_storage_admin", "authenticator")} & members
    settings = dict(catalog(sandbox, ref, """SELECT r.rolname, s.setconfig::text FROM pg_db_role_setting s
        JOIN pg_roles r ON r.oid = s.setrole"""))
    assert settings["anon"] == "{statement_timeout=3s}"
    assert settings["authenticated"] == "{statement_timeout=8s}"
    assert settings["postgres"] == '{"search_path=\\"$user\\", public, extensions"}'


def test_platform_schemas_and_their_owners(project):
    sandbox, ref, _ = project
    owners = dict(catalog(sandbox, ref, """SELECT nspname, nspowner::regrole::text FROM pg_namespace
        WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'"""))
    assert owners == {"public": "pg_database_owner", "extensions": "postgres", "auth": "supabase_admin",
                      "storage": "supabase_admin", "realtime": "supabase_admin", "graphql_public": "supabase_admin",
                      "pgbouncer": "pgbouncer"}
    assert catalog(sandbox, ref, "SELECT datdba::regrole::text FROM pg_database WHERE datname = 'postgres'") == \
        [("postgres",)]
    tables = catalog(sandbox, ref, "SELECT relname, relowner::regrole::text FROM pg_class WHERE relkind = 'r' "
                                   "AND relnamespace = 'auth'::regnamespace ORDER BY 1")
    assert ("users", "supabase_auth_admin") in tables


def test_extensions_live_in_extensions_owned_by_supabase_admin(project):
    sandbox, ref, query = project
    assert sorted(catalog(sandbox, ref, """SELECT extname, extnamespace::regnamespace::text, extowner::regrole::text
        FROM pg_extension WHERE extname <> 'plpgsql'""")) == [
        ("pg_stat_statements", "extensions", "supabase_admin"), ("pgcrypto", "extensions", "supabase_admin"),
        ("uuid-ossp", "extensions", "supabase_admin")]
    # postgres' search_path reaches them unqualified; pg_stat_statements is preloaded, so it answers.
    status, rows = query("SELECT current_setting('search_path') AS path, gen_random_uuid() IS NOT NULL AS uuid, "
                         "(SELECT count(*) >= 0 FROM pg_stat_statements) AS stats")
    assert status == 201 and rows == [{"path": '"$user", public, extensions', "uuid": True, "stats": True}]
    # A trusted extension postgres creates lands where it says; an untrusted one needs a superuser.
    assert query("CREATE EXTENSION citext WITH SCHEMA extensions")[0] == 201
    status, error = query("CREATE EXTENSION file_fdw WITH SCHEMA extensions")
    assert status == 400 and "42501" in error["message"]
    # Objects of an extension supabase_admin installed are not postgres' to drop.
    status, error = query("DROP EXTENSION pgcrypto")
    assert status == 400 and "42501" in error["message"]


def test_postgres_is_no_superuser_and_public_tables_are_open_to_the_api_roles(project):
    sandbox, ref, query = project
    assert query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[1] == [{"rolsuper": False}]
    assert query("ALTER ROLE postgres SUPERUSER")[0] == 400
    assert query("CREATE TABLE public.orders (id serial PRIMARY KEY)")[0] == 201
    acl = catalog(sandbox, ref, "SELECT relacl::text FROM pg_class WHERE relname = 'orders'")[0][0]
    for role in ("anon", "authenticated", "service_role"):
        assert f"{role}=arwdDxt/postgres" in acl  # the image's default privileges for postgres' tables
    sequence = catalog(sandbox, ref, "SELECT relacl::text FROM pg_class WHERE relname = 'orders_id_seq'")[0][0]
    assert "anon=rwU/postgres" in sequence


def test_postgres_uses_but_does_not_own_auth(project):
    sandbox, ref, query = project
    assert query("SELECT count(*) AS n FROM auth.users")[1] == [{"n": 0}]
    status, error = query("CREATE TABLE auth.mine (id int)")
    assert status == 400 and "42501" in error["message"]
    # postgres holds SELECT on auth.users with the grant option, the rest without: granting INSERT on to
    # another role is silently not done (a WARNING, not an error), as on the platform.
    query("CREATE ROLE reader NOLOGIN")
    assert query("GRANT SELECT, INSERT ON auth.users TO reader")[0] == 201
    assert catalog(sandbox, ref, """SELECT a.privilege_type FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE c.oid = 'auth.users'::regclass AND a.grantee = 'reader'::regrole""") == [("SELECT",)]
    assert query("SELECT auth.uid() AS uid")[1] == [{"uid": None}]
    assert query("SELECT pgbouncer.get_auth('postgres')")[0] == 400  # the pooler's, not postgres'
    assert query("SELECT graphql_public.graphql() AS g")[1] == [
        {"g": {"errors": [{"message": "pg_graphql extension is not enabled."}]}}]


def test_postgres_logs_in_with_db_pass_and_cannot_become_supabase_admin(project):
    sandbox, ref, _ = project
    db = sandbox.supabase.databases[ref]
    with psycopg.connect(host=db.host, port=db.port, dbname="postgres", user="postgres", password="image-password",
                         autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SET ROLE supabase_admin")
    for role in ("authenticator", "pgbouncer", "supabase_auth_admin"):  # no password: no login from outside
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(host=db.host, port=db.port, dbname="postgres", user=role, password="", connect_timeout=5)


def test_a_template_from_other_code_is_not_reused(tmp_path):
    (tmp_path / image.STAMP_FILE).write_text("an older image\n")
    assert not image.is_current(tmp_path)
    (tmp_path / image.STAMP_FILE).write_text(image._version() + "\n")
    assert image.is_current(tmp_path)


def test_the_api_reports_postgres_17_as_new_projects_do_the_server_is_debians_15(project):
    """A documented gap (sandbox README): the reported version is what clients read; the server is Debian 12's."""
    sandbox, ref, query = project
    database = sandbox.supabase.client().get(f"/v1/projects/{ref}").json()["database"]
    assert database["postgres_engine"] == "17" and database["version"].startswith("17.")
    assert query("SELECT current_setting('server_version_num')::int / 10000 AS major")[1] == [{"major": 15}]
