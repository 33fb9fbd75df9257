"""Database tier under mocks: the Supabase project, its settings, keys, roles and extensions per stack."""
from urllib.parse import quote

import pytest

from components.database import connection_url, role_grants, service_key_name
from dynamic_providers.supabase.fields import POSTGRES_FIELDS
from stack_cases import config_of
from tests.mock_harness import PROJECT_ROOT
from tests.components.platform_mocks import (ANON_KEY, POOLER_HOST, POOLER_PORT, password_of, project_ref,
                                             run_stack, secret_key_of)

COMPONENT = "procurement:database:Database"
D = "pulumi-python:dynamic/supabase:"
PASSWORD = "pulumi-python:dynamic/random:RandomPassword"
SETTINGS = ("PostgresConfig", "PoolerConfig", "NetworkRestrictions", "SslEnforcement", "AuthConfig", "ApiKeys")


@pytest.fixture(scope="module", params=["staging", "production"])
def run(request):
    return run_stack(request.param)


def test_every_child_is_parented_to_the_component_and_named_after_it(run):
    component = run.one(COMPONENT, "database")
    children = run.children_of(component)
    cfg = config_of(run.stack).database
    expected = {"database-password", "database-project", "database-postgres", "database-pooler", "database-network",
                "database-ssl", "database-auth", "database-api-keys"}
    expected |= {f"database-role-{r.name}" for r in cfg.roles} | {f"database-role-{r.name}-password" for r in cfg.roles}
    expected |= {f"database-extension-{e}" for e in cfg.extensions}
    expected |= {"database-pitr"} if cfg.pitr_days is not None else set()
    if config_of(run.stack).backup is not None:  # the backup job's read-only role
        expected |= {"database-role-backup_reader", "database-role-backup_reader-password"}
    assert {c.name for c in children} == expected
    assert all(r.parent == component.urn for r in run.resources if r.name.startswith("database-"))


def test_the_project_is_protected_and_retained_with_a_secret_generated_password(run):
    project = run.one(D + "Project", "database-project")
    password = run.one(PASSWORD, "database-password")
    cfg = config_of(run.stack).database
    assert cfg.deletion_protection is True
    assert project.protect is True and project.retain_on_delete is True
    assert password.protect is True  # it is the only copy of the superuser password
    assert project.inputs["organization_slug"] == "acme-procurement"
    assert project.inputs["region"] == "eu-central-1"
    assert project.inputs["instance_size"] == cfg.instance_size
    assert project.inputs["name"] == f"procurement-{run.stack}-database"
    assert project.inputs["db_password"] == password_of("database-password")
    assert project.is_secret("db_password")
    assert "result" in password.additional_secret_outputs
    assert "database_url" in project.additional_secret_outputs


def test_settings_die_with_the_project_and_follow_the_config(run):
    project = run.one(D + "Project", "database-project")
    cfg = config_of(run.stack).database
    for kind in SETTINGS:
        (setting,) = run.of_type(D + kind)
        assert setting.deleted_with == project.urn, kind
        assert setting.inputs["project_ref"] == project.id, kind
        assert not setting.protect, kind
    postgres = run.one(D + "PostgresConfig").inputs
    assert (postgres["statement_timeout"], postgres["max_connections"], postgres["work_mem"]) == (
        cfg.postgres.statement_timeout, cfg.postgres.max_connections, cfg.postgres.work_mem)
    pooler = run.one(D + "PoolerConfig").inputs
    assert (pooler["pool_mode"], pooler["default_pool_size"]) == ("transaction", cfg.pooler.default_pool_size)
    network = run.one(D + "NetworkRestrictions").inputs
    assert network["db_allowed_cidrs"] == ["198.51.100.0/24", "203.0.113.0/24"]
    assert network["db_allowed_cidrs_v6"] == []  # only the listed networks: no IPv6 client
    assert run.one(D + "SslEnforcement").inputs["enforced"] is True


def test_auth_sends_users_to_the_app(run):
    cfg = config_of(run.stack)
    auth = run.one(D + "AuthConfig", "database-auth").inputs
    assert auth["site_url"] == f"https://{cfg.app_hostname}"
    assert auth["redirect_urls"] == [f"https://{cfg.app_hostname}/auth/callback"]
    assert auth["disable_signup"] is True
    assert auth["jwt_expiry"] == cfg.database.auth.jwt_expiry_seconds
    assert auth["password_min_length"] == cfg.database.auth.password_min_length
    assert cfg.database.auth.mfa_totp is True  # both committed stacks turn TOTP on
    assert (auth["mfa_totp_enroll_enabled"], auth["mfa_totp_verify_enabled"]) == (True, True)


def test_one_least_privilege_login_role_per_service_with_its_own_secret_password(run):
    cfg = config_of(run.stack).database
    project = run.one(D + "Project", "database-project")
    for role in cfg.roles:
        record = run.one(D + "SqlRole", f"database-role-{role.name}")
        assert record.inputs["name"] == role.name
        assert record.inputs["login"] is True
        assert record.inputs["bypass_rls"] is False  # row-level security applies to the services
        assert record.inputs["password"] == password_of(f"database-role-{role.name}-password")
        assert record.is_secret("password")
        assert record.inputs["grants"] == role_grants(role)
        # The config's table privileges on every table of its schemas, present and future.
        assert [g for g in record.inputs["grants"] if g["on"] == "all_tables"] == [
            {"on": "all_tables", "schema": schema, "privileges": list(role.privileges)} for schema in role.schemas]
        assert role.privileges and role.schemas
        # Dropped on their own, not with the project: an interrupted project delete must not leave
        # roles the state forgot (docs/how-to/recover-an-interrupted-update.md).
        assert not record.deleted_with
        # Roles and extensions wait for the settings that may restart Postgres.
        assert run.one(D + "SslEnforcement").urn in record.depends_on
    records = [run.one(D + "SqlRole", f"database-role-{role.name}") for role in cfg.roles]
    extensions = {r.urn for r in run.of_type(D + "Extension")}
    role_urns = {r.urn for r in records}
    for record in records:
        # In parallel (the provider retries GRANT races), after every extension.
        assert not role_urns & set(record.depends_on)
        assert extensions <= set(record.depends_on)


def test_only_the_backup_role_bypasses_row_level_security(run):
    # pg_dump refuses a table with RLS enabled unless its role bypasses RLS; no service role may.
    bypassing = {r.name for r in run.of_type(D + "SqlRole") if r.inputs["bypass_rls"]}
    backup = config_of(run.stack).backup is not None
    assert bypassing == ({"database-role-backup_reader"} if backup else set())
    if backup:  # still read-only: SELECT (and CONNECT, USAGE) only
        grants = run.one(D + "SqlRole", "database-role-backup_reader").inputs["grants"]
        assert {p for g in grants for p in g["privileges"]} == {"CONNECT", "USAGE", "SELECT"}


def test_extensions_and_the_named_key_per_backend_service(run):
    cfg = config_of(run.stack)
    extensions = run.of_type(D + "Extension")
    # Registered in parallel now, so in no fixed order.
    assert sorted(r.inputs["name"] for r in extensions) == sorted(cfg.database.extensions)
    for extension in extensions:  # in parallel: the provider retries schema-creation races
        assert not {e.urn for e in extensions} & set(extension.depends_on)
        assert run.one(D + "SslEnforcement").urn in extension.depends_on
    keys = run.one(D + "ApiKeys", "database-api-keys")
    assert keys.inputs["secret_key_names"] == sorted(service_key_name(s.name) for s in cfg.backend.services)
    assert {"anon_key", "service_role_key", "secret_keys"} <= set(keys.additional_secret_outputs)


def test_public_surface_keeps_every_credential_secret(run):
    # The stack outputs carry what the component exposes; their secrecy is the contract's.
    assert run.outputs["supabase_project_ref"] == run.one(D + "Project").id
    assert run.outputs["supabase_url"] == f"https://{run.one(D + 'Project').id}.supabase.co"
    assert run.outputs["supabase_anon_key"] == ANON_KEY
    assert {"supabase_anon_key", "database_url"} <= run.secret_outputs


def test_the_api_service_connects_through_the_pooler_as_its_own_role(run):
    api_role = config_of(run.stack).database.role_for("api").name
    password = password_of(f"database-role-{api_role}-password")
    assert run.outputs["database_url"] == (f"postgresql://{api_role}.{project_ref(None)}:{password}@{POOLER_HOST}:"
                                           f"{POOLER_PORT}/postgres?sslmode=require")
    backend_env = run.one("pulumi-python:dynamic/render:EnvVars", "backend-worker-env")
    worker_role = config_of(run.stack).database.role_for("worker").name
    assert f"postgresql://{worker_role}." in backend_env.inputs["variables"]["DATABASE_URL"]
    assert backend_env.inputs["variables"]["SUPABASE_SECRET_KEY"] == secret_key_of("backend_worker")
    assert backend_env.is_secret("variables")


def test_local_is_unprotected_open_to_any_network_and_without_tls():
    run = run_stack("local")
    project = run.one(D + "Project", "database-project")
    assert not project.protect and not project.retain_on_delete
    assert not run.one(PASSWORD, "database-password").protect
    network = run.one(D + "NetworkRestrictions").inputs
    assert (network["db_allowed_cidrs"], network["db_allowed_cidrs_v6"]) == (["0.0.0.0/0"], ["::/0"])
    assert run.one(D + "SslEnforcement").inputs["enforced"] is False
    # No parameter configured: declared anyway (removing the last one reverts or warns), with none set.
    postgres = run.one(D + "PostgresConfig").inputs
    assert not {k: v for k, v in postgres.items() if k in POSTGRES_FIELDS and v is not None}
    assert not run.outputs["database_url"].endswith("sslmode=require")


def test_connection_urls_quote_credentials_and_keep_the_pooler_tenant():
    url = connection_url(host="h.example", port=6543.0, pooler_user="postgres.abc", database="postgres",
                         role="app_ro", password="p@ss:w/rd", require_ssl=True)
    assert url == f"postgresql://app_ro.abc:{quote('p@ss:w/rd', safe='')}@h.example:6543/postgres?sslmode=require"
    assert connection_url(host="127.0.0.1", port=5999, pooler_user="postgres", database="postgres", role="app",
                          password="x" * 12, require_ssl=False) == f"postgresql://app:{'x' * 12}@127.0.0.1:5999/postgres"
    assert connection_url(host=None, port=None, pooler_user=None, database=None, role="app", password="x",
                          require_ssl=False) is None
    assert connection_url(host="h", port=5432, pooler_user="postgres.abc", database="postgres", role="app",
                          password="x", require_ssl=False, ca_path="/etc/secrets/a b.crt") == \
        "postgresql://app.abc:x@h:5432/postgres?sslmode=verify-full&sslrootcert=/etc/secrets/a%20b.crt"


def test_a_ca_certificate_makes_every_database_url_verify_the_server_and_reaches_every_consumer():
    from tests.components.test_config_bad_stacks import edit

    ca = "tests/components/fixtures/database-ca.crt"  # a CA made for this test (openssl), its key discarded
    pem = (PROJECT_ROOT / ca).read_text()
    run = run_stack("production", overrides=edit("production", "procurement:database", "caCertificate", ca))
    verify = "?sslmode=verify-full&sslrootcert=/etc/secrets/database-ca.crt"
    assert run.outputs["database_url"].endswith(f"@{POOLER_HOST}:{POOLER_PORT}/postgres{verify}")
    worker = run.one("pulumi-python:dynamic/render:EnvVars", "backend-worker-env").inputs["variables"]
    assert worker["DATABASE_URL"].endswith(verify)
    group = run.one("pulumi-python:dynamic/render:EnvGroup", "backend-env-group")
    assert group.inputs["files"]["database-ca.crt"] == pem  # every service finds it where the URL says
    job_env = run.one("pulumi-python:dynamic/render:EnvVars", "backup-job-env").inputs["variables"]
    assert job_env["BACKUP_DATABASE_URL"].endswith(f":5432/postgres{verify}")
    files = run.one("pulumi-python:dynamic/render:SecretFiles", "backup-job-files")
    assert files.inputs["files"] == {"database-ca.crt": pem}
    without = run_stack("production")  # not configured: require (encrypted, unverified), no file
    assert without.outputs["database_url"].endswith("?sslmode=require")
    assert "backup-job-files" not in {r.name for r in without.of_type("pulumi-python:dynamic/render:SecretFiles")}
    assert "database-ca.crt" not in (without.one("pulumi-python:dynamic/render:EnvGroup").inputs.get("files") or {})
