"""The real ``pulumi`` CLI drives the Supabase resources against the sandbox: up; a second preview shows
no changes (and makes no API call); a setting changed out of band is found by refresh and restored by
up; the state holds no plaintext database password, role password, SMTP password or service-role key;
destroy (protection off) leaves nothing and makes no calls for the resources deleted with the project.
The API URL and token reach the provider through stack config (``configure()``), not the environment.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.engine.testing import python_project_yaml, run_pulumi

DB_PASSWORD = "engine-db-password-3141"
ROLE_PASSWORD = "engine-role-password-2718"
SMTP_PASSWORD = "engine-smtp-password-1618"
FUNCTION_SECRET = "engine-function-secret-1414"

PROGRAM = '''
import pulumi
from pulumi import ResourceOptions
from dynamic_providers.supabase import (ApiKeys, AuthConfig, EdgeFunctionSecrets, Extension, NetworkRestrictions,
                                        PoolerConfig, PostgresConfig, Project, SqlRole, SslEnforcement)

cfg = pulumi.Config("test")
wait = dict(wait_timeout_seconds=120, poll_interval_seconds=0.2)
# protect goes on the project AND its children (a component passes it to all of them): protecting
# the project alone lets a refused destroy drop the deleted_with children from the state.
protect = cfg.get_bool("protect") or False
project = Project("db", organization_slug=cfg.require("org"), name="procurement-engine", region="eu-central-1",
                  db_password=cfg.require_secret("dbPassword"), **wait, opts=ResourceOptions(protect=protect))
child = ResourceOptions(deleted_with=project, protect=protect)
PostgresConfig("pg", project_ref=project.id, settings={"statement_timeout": "30s", "work_mem": "8MB"}, **wait, opts=child)
PoolerConfig("pooler", project_ref=project.id, pool_mode="transaction", default_pool_size=15, **wait, opts=child)
NetworkRestrictions("network", project_ref=project.id, db_allowed_cidrs=["0.0.0.0/0"], db_allowed_cidrs_v6=["::/0"],
                    **wait, opts=child)
SslEnforcement("ssl", project_ref=project.id, enforced=True, **wait, opts=child)
AuthConfig("auth", project_ref=project.id, site_url="https://procurement.example.com",
           redirect_urls=["https://procurement.example.com/callback"], jwt_expiry=3600,
           smtp={"host": "smtp.example.com", "port": 587, "user": "mailer", "admin_email": "noreply@example.com"},
           smtp_password=cfg.require_secret("smtpPassword"), **wait, opts=child)
EdgeFunctionSecrets("fn-secrets", project_ref=project.id, secrets={"STRIPE_KEY": cfg.require_secret("fnSecret")},
                    **wait, opts=child)
keys = ApiKeys("keys", project_ref=project.id, **wait, opts=child)
SqlRole("orders-role", project_ref=project.id, name="orders_api", password=cfg.require_secret("rolePassword"),
        grants=[{"on": "schema", "schema": "public", "privileges": ["USAGE"]}], **wait, opts=child)
Extension("pgcrypto", project_ref=project.id, name="pgcrypto", **wait, opts=child)

pulumi.export("supabase_project_ref", project.id)
pulumi.export("supabase_url", project.api_url)
pulumi.export("database_url", project.database_url)
pulumi.export("service_role_key", keys.service_role_key)
pulumi.export("anon_key", keys.anon_key)
pulumi.export("backups", project.backups)
'''


@pytest.fixture
def stack(tmp_path: Path, pulumi_env: dict, supabase_env) -> tuple[Path, dict]:
    sb = supabase_env
    # The URL from stack config, the token from the environment only (never config: it is stored in the state).
    env = {**{k: v for k, v in pulumi_env.items() if not k.startswith("SUPABASE_")},
           "SUPABASE_ACCESS_TOKEN": sb.supabase.token}
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(python_project_yaml("supabase-engine-test"))
    (project / "__main__.py").write_text(PROGRAM)
    run_pulumi(["stack", "init", "test"], cwd=project, env=env)
    for key, value, secret in [
        ("procurement:supabaseApiUrl", sb.supabase.base_url, False),
        ("test:org", sb.supabase.organization_slug, False),
        ("test:dbPassword", DB_PASSWORD, True), ("test:rolePassword", ROLE_PASSWORD, True),
        ("test:smtpPassword", SMTP_PASSWORD, True), ("test:fnSecret", FUNCTION_SECRET, True),
    ]:
        run_pulumi(["config", "set", key, value] + (["--secret"] if secret else []), cwd=project, env=env)
    return project, env


def preview_summary(project: Path, env: dict) -> tuple[dict, dict]:
    preview = json.loads(run_pulumi(["preview", "--json"], cwd=project, env=env).stdout)
    steps = {s["urn"].rsplit("::", 1)[-1]: s["op"] for s in preview.get("steps", [])}
    return preview["changeSummary"], steps


def test_supabase_stack_lifecycle_with_the_real_engine(stack, supabase_env):
    project, env = stack
    sb = supabase_env
    run_pulumi(["up", "--yes", "--skip-preview"], cwd=project, env=env)
    outputs = json.loads(run_pulumi(["stack", "output", "--json", "--show-secrets"], cwd=project, env=env).stdout)
    ref = outputs["supabase_project_ref"]
    assert sb.supabase.store.data["projects"][ref]["status"] == "ACTIVE_HEALTHY"
    service_role_key = outputs["service_role_key"]
    assert service_role_key and service_role_key.count(".") == 2
    assert DB_PASSWORD in outputs["database_url"]
    plain = json.loads(run_pulumi(["stack", "output", "--json"], cwd=project, env=env).stdout)
    assert plain["service_role_key"] == "[secret]" and plain["database_url"] == "[secret]"
    with sb.supabase.databases[ref].admin_connect(autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'orders_api'").fetchone()[0] == 1

    # A second preview: no changes, and not a single API call.
    sb.clear_journal()
    summary, steps = preview_summary(project, env)
    assert set(summary) == {"same"}, steps
    assert sb.journal() == []

    # The state (as exported and as stored on disk) holds no plaintext secret.
    exported = run_pulumi(["stack", "export"], cwd=project, env=env).stdout
    on_disk = "".join(p.read_text(errors="replace") for p in Path(env["PULUMI_BACKEND_URL"][len("file://"):]).rglob("*.json"))
    for secret in (DB_PASSWORD, ROLE_PASSWORD, SMTP_PASSWORD, FUNCTION_SECRET, service_role_key, sb.supabase.token):
        assert secret not in exported and secret not in on_disk
    assert "pulumi-python:dynamic/supabase:Project" in exported

    # Out-of-band changes: found by refresh, restored by up.
    sb.supabase.edit("postgres_config", ref, set={"statement_timeout": "5s"})
    sb.supabase.edit("auth_config", ref, set={"site_url": "https://changed-in-dashboard.example.com"})
    sb.clear_journal()
    run_pulumi(["refresh", "--yes", "--skip-preview"], cwd=project, env=env)
    reads = {}
    for entry in sb.journal():
        # Refresh only reads: GETs, and read-only catalog queries for the role and the extension.
        assert entry.method == "GET" or entry.operation == "/v1/projects/{ref}/database/query", entry.path
        reads[(entry.method, entry.operation)] = reads.get((entry.method, entry.operation), 0) + 1
    per_object = {op: n for (method, op), n in reads.items() if method == "GET" and op != "/v1/projects/{ref}"}
    assert all(n == 1 for n in per_object.values()), reads  # at most one GET per settings object
    assert reads[("POST", "/v1/projects/{ref}/database/query")] == 2  # SqlRole + Extension
    assert reads[("GET", "/v1/projects/{ref}")] == 1
    summary, steps = preview_summary(project, env)
    assert summary.get("update") == 2 and steps["pg"] == "update" and steps["auth"] == "update", steps
    run_pulumi(["up", "--yes", "--skip-preview"], cwd=project, env=env)
    assert sb.supabase.store.data["postgres_config"][ref]["statement_timeout"] == "30s"
    assert sb.supabase.store.data["auth_config"][ref]["site_url"] == "https://procurement.example.com"
    assert set(preview_summary(project, env)[0]) == {"same"}

    # Protected: destroy refuses; unprotected: destroy leaves nothing and skips the children's deletes.
    run_pulumi(["config", "set", "test:protect", "true"], cwd=project, env=env)
    run_pulumi(["up", "--yes", "--skip-preview"], cwd=project, env=env)
    refused = run_pulumi(["destroy", "--yes", "--skip-preview"], cwd=project, env=env, check=False)
    assert refused.returncode != 0 and "protect" in (refused.stdout + refused.stderr).lower()
    assert ref in sb.supabase.store.data["projects"]
    kept = json.loads(run_pulumi(["stack", "export"], cwd=project, env=env).stdout)["deployment"]["resources"]
    assert len([r for r in kept if "dynamic/supabase" in r["type"]]) == 10  # nothing dropped from the state
    run_pulumi(["config", "set", "test:protect", "false"], cwd=project, env=env)
    run_pulumi(["up", "--yes", "--skip-preview"], cwd=project, env=env)
    sb.clear_journal()
    run_pulumi(["destroy", "--yes", "--skip-preview"], cwd=project, env=env)
    assert ref not in sb.supabase.store.data["projects"]
    writes = [(e.method, e.operation) for e in sb.journal() if e.method != "GET"]
    assert writes == [("DELETE", "/v1/projects/{ref}")], writes
    stack_state = json.loads(run_pulumi(["stack", "export"], cwd=project, env=env).stdout)
    assert not [r for r in stack_state["deployment"].get("resources", []) if "supabase" in r["type"]]
