"""Settings resources against the sandbox: each writes only once the project is healthy, converges
(no diff after up or refresh), finds out-of-band changes, restores them, and survives faults.
Project password rotation and the backups output are covered here too (they need a live project).
That no request broke the vendor spec is checked after each test by the ``supabase_env`` fixture (conftest.py)."""
from __future__ import annotations

import psycopg
import pytest
import requests

from dynamic_providers.core import progress
from dynamic_providers.supabase.api_keys import ApiKeysProvider
from dynamic_providers.supabase.edge_secrets import EdgeFunctionSecretsProvider
from dynamic_providers.supabase.hashing import edge_secret_digest
from dynamic_providers.supabase.project import ProjectProvider
from dynamic_providers.supabase.settings import (
    DRIFTED_SECRET,
    AuthConfigProvider,
    NetworkRestrictionsProvider,
    PoolerConfigProvider,
    PostgresConfigProvider,
    SslEnforcementProvider,
)
from supabase_engine import FAST_HTTP, FAST_WAIT

PROJECT_PASSWORD = "project-db-password"


def project_program(sb, **over):
    return {"organization_slug": sb.supabase.organization_slug, "name": "procurement-settings",
            "region": "eu-central-1", "db_password": PROJECT_PASSWORD, **FAST_WAIT, **over}


@pytest.fixture
def project(supabase_env, engine):
    return engine.create(ProjectProvider(http=FAST_HTTP), project_program(supabase_env))


def store(sb, collection, ref):
    return sb.supabase.store.data[collection][ref]


def login(sb, ref, user="postgres", password=PROJECT_PASSWORD):
    db = sb.supabase.databases[ref]
    return psycopg.connect(host="127.0.0.1", port=db.port, dbname="postgres", user=user, password=password,
                           connect_timeout=5, autocommit=True)


def converge_checks(engine, provider, state, program, sb, max_gets=1):
    """No diff after up; refresh costs at most ``max_gets`` GETs and leaves no diff."""
    assert not engine.preview(provider, state, program)[0].changes
    sb.clear_journal()
    refreshed = engine.refresh(provider, state)
    gets = [e for e in sb.journal() if e.method == "GET"]
    assert len(gets) <= max_gets and len(sb.journal()) == len(gets), [(e.method, e.path) for e in sb.journal()]
    assert not engine.preview(provider, refreshed, program)[0].changes
    return refreshed


# ---------------------------------------------------------------------------------- waits for health
@pytest.mark.sandbox_settings(project_ready_delay=1.5)
def test_settings_written_right_after_project_creation_wait_for_health(supabase_env, engine):
    sb = supabase_env
    # The project is created without waiting (as another tool, or a parallel step, would).
    ref = requests.post(sb.supabase.base_url + "/v1/projects", headers=sb.supabase.auth_headers, json={
        "name": "fresh", "organization_slug": sb.supabase.organization_slug, "db_pass": PROJECT_PASSWORD,
        "region_selection": {"type": "specific", "code": "eu-central-1"}}, timeout=10).json()["ref"]
    state = engine.create(PoolerConfigProvider(http=FAST_HTTP),
                          {"project_ref": ref, "pool_mode": "session", **FAST_WAIT})
    assert state.outputs["pool_mode"] == "session"
    entries = sb.supabase.journal.entries()
    first_write = next(i for i, e in enumerate(entries) if e.method == "PATCH")
    # Status was polled through COMING_UP and health checked before the first write; nothing was rejected.
    assert any(e.path.endswith("/health") for e in entries[:first_write])
    assert not [e for e in entries if e.status and e.status >= 400]


# ---------------------------------------------------------------------------------- Project extras
def test_project_password_rotation_and_backups_output(supabase_env, engine, project):
    sb = supabase_env
    p = ProjectProvider(http=FAST_HTTP)
    login(sb, project.id).close()
    assert project.outputs["backups"]["pitr_enabled"] is False and project.outputs["backups"]["backup_count"] == 0
    rotated = engine.up(p, project, project_program(sb, db_password="rotated-db-password"))
    assert rotated.id == project.id
    login(sb, project.id, password="rotated-db-password").close()
    with pytest.raises(psycopg.OperationalError):
        login(sb, project.id).close()
    assert "rotated-db-password" in rotated.outputs["database_url"]
    # Backups appear on refresh as read-only outputs (no input diff).
    sb.supabase.edit("backups", project.id, set={"backups": [
        {"id": 1, "is_physical_backup": True, "status": "COMPLETED", "inserted_at": "2026-11-27T00:00:00Z"}]})
    refreshed = engine.refresh(p, rotated)
    assert refreshed.outputs["backups"]["backup_count"] == 1
    assert refreshed.outputs["backups"]["latest_backup_status"] == "COMPLETED"
    assert not engine.preview(p, refreshed, project_program(sb, db_password="rotated-db-password"))[0].changes


# ---------------------------------------------------------------------------------- PostgresConfig
def test_postgres_config_lifecycle(supabase_env, engine, project):
    sb = supabase_env
    p = PostgresConfigProvider(http=FAST_HTTP)
    program = {"project_ref": project.id, "statement_timeout": "30s", "work_mem": "8MB", **FAST_WAIT}
    state = engine.create(p, program)
    assert state.id == f"{project.id}/postgres-config"
    assert state.outputs["overrides"] == {"statement_timeout": "30s", "work_mem": "8MB"}
    with login(sb, project.id) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "30s"  # really applied
    state = converge_checks(engine, p, state, program, sb)

    # Out of band: one value changed, one reset to the default (removed from the overrides).
    sb.supabase.edit("postgres_config", project.id, set={"statement_timeout": "5s"}, unset=["work_mem"])
    drifted = engine.refresh(p, state)
    assert drifted.inputs["statement_timeout"] == "5s" and drifted.inputs["work_mem"] is None
    assert engine.preview(p, drifted, program)[0].changes
    sb.supabase.add_fault("rate_limit", method="PUT", path="/v1/projects/{ref}/config/database/postgres", retry_after=1)
    restored = engine.up(p, drifted, program)
    assert store(sb, "postgres_config", project.id) == {"statement_timeout": "30s", "work_mem": "8MB"}
    assert not sb.supabase.faults.list()

    # A parameter dropped from the program that had no override before: no reset API, so the preview
    # warns naming it (test_supabase_removals.py restores one that had an earlier value).
    smaller = {"project_ref": project.id, "statement_timeout": "30s", **FAST_WAIT}
    with progress.capture() as seen:
        assert engine.preview(p, restored, smaller)[0].changes
    assert [m for kind, _, m in seen if kind == "warning" and "'work_mem'" in m]
    sb.clear_journal()
    engine.destroy(p, restored)
    assert not sb.journal()  # delete makes no API call


# ---------------------------------------------------------------------------------- PoolerConfig
def test_pooler_config_lifecycle(supabase_env, engine, project):
    sb = supabase_env
    p = PoolerConfigProvider(http=FAST_HTTP)
    program = {"project_ref": project.id, "pool_mode": "session", "default_pool_size": 20, **FAST_WAIT}
    state = engine.create(p, program)
    out = state.outputs
    assert out["pool_mode"] == "session" and out["default_pool_size"] == 20
    assert "[YOUR-PASSWORD]" in out["connection_string"] and PROJECT_PASSWORD not in out["connection_string"]
    # The reported connection details reach the real database.
    with psycopg.connect(host=out["db_host"], port=out["db_port"], dbname=out["db_name"], user=out["db_user"],
                         password=PROJECT_PASSWORD, connect_timeout=5) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    state = converge_checks(engine, p, state, program, sb)
    sb.supabase.edit("pooler_config", project.id, set={"pool_mode": "transaction"})
    drifted = engine.refresh(p, state)
    assert drifted.inputs["pool_mode"] == "transaction"
    sb.supabase.add_fault("error", method="PATCH", path="/v1/projects/{ref}/config/database/pooler", status=503, count=2)
    engine.up(p, drifted, program)
    assert store(sb, "pooler_config", project.id)["pool_mode"] == "session"


# ---------------------------------------------------------------------------------- NetworkRestrictions
def test_network_restrictions_take_effect_and_compare_as_sets(supabase_env, engine, project):
    sb = supabase_env
    p = NetworkRestrictionsProvider(http=FAST_HTTP)
    program = {"project_ref": project.id, "db_allowed_cidrs": ["203.0.113.0/24", "198.51.100.0/24"],
               "db_allowed_cidrs_v6": ["2001:db8::/32"], **FAST_WAIT}
    state = engine.create(p, program)
    assert state.outputs["status"] == "applied"
    with pytest.raises(psycopg.OperationalError):  # 127.0.0.1 is not in the allow-list any more
        login(sb, project.id).close()
    reordered = {**program, "db_allowed_cidrs": ["198.51.100.0/24", "203.0.113.0/24"],
                 "db_allowed_cidrs_v6": ["2001:DB8::/32"]}
    state = converge_checks(engine, p, state, reordered, sb)

    # Out of band (the [Alpha] PATCH): an extra network; refresh shows it, up removes it.
    requests.patch(sb.supabase.base_url + f"/v1/projects/{project.id}/network-restrictions",
                   headers=sb.supabase.auth_headers, json={"add": {"dbAllowedCidrs": ["192.0.2.0/24"]}}, timeout=10)
    drifted = engine.refresh(p, state)
    assert "192.0.2.0/24" in drifted.inputs["db_allowed_cidrs"]
    state = engine.up(p, drifted, program)
    assert sorted(store(sb, "network_restrictions", project.id)["config"]["dbAllowedCidrs"]) == \
        ["198.51.100.0/24", "203.0.113.0/24"]

    opened = engine.up(p, state, {**program, "db_allowed_cidrs": ["0.0.0.0/0"], "db_allowed_cidrs_v6": ["::/0"]})
    login(sb, project.id).close()
    assert opened.outputs["db_allowed_cidrs"] == ["0.0.0.0/0"]


# ---------------------------------------------------------------------------------- SslEnforcement
def test_ssl_enforcement_lifecycle(supabase_env, engine, project):
    sb = supabase_env
    p = SslEnforcementProvider(http=FAST_HTTP)
    program = {"project_ref": project.id, "enforced": True, **FAST_WAIT}
    sb.supabase.add_fault("reset", method="PUT", path="/v1/projects/{ref}/ssl-enforcement")
    state = engine.create(p, program)
    assert state.outputs["applied_successfully"] is True and store(sb, "ssl_enforcement", project.id)["database"] is True
    state = converge_checks(engine, p, state, program, sb)
    sb.supabase.edit("ssl_enforcement", project.id, set={"database": False})
    drifted = engine.refresh(p, state)
    assert drifted.inputs["enforced"] is False
    engine.up(p, drifted, program)
    assert store(sb, "ssl_enforcement", project.id)["database"] is True


# ---------------------------------------------------------------------------------- AuthConfig
def test_auth_config_hashed_secrets_never_diff_but_drift_is_found(supabase_env, engine, project):
    sb = supabase_env
    p = AuthConfigProvider(http=FAST_HTTP)
    program = {"project_ref": project.id, "site_url": "https://procurement.example.com",
               "redirect_urls": ["https://procurement.example.com/callback", "http://localhost:3000/callback"],
               "jwt_expiry": 1800, "disable_signup": True,
               "smtp": {"admin_email": "noreply@example.com", "host": "smtp.example.com", "port": 587,
                        "user": "mailer", "sender_name": "Procurement"},
               "smtp_password": "smtp-password-1",
               "providers": {"github": {"enabled": True, "client_id": "gh-client"}},
               "provider_secrets": {"github": "gh-secret-1"}, **FAST_WAIT}
    state = engine.create(p, program)
    remote = store(sb, "auth_config", project.id)
    assert remote["uri_allow_list"] == "http://localhost:3000/callback,https://procurement.example.com/callback"
    assert remote["smtp_port"] == "587" and remote["jwt_exp"] == 1800 and remote["external_github_enabled"] is True
    # The API reports secrets as HMACs; that must not show up as a change, ever.
    state = converge_checks(engine, p, state, program, sb)
    assert state.inputs["smtp_password"] == "smtp-password-1"

    # Redirect URLs reordered out of band: same set, no diff.
    sb.supabase.edit("auth_config", project.id, set={
        "uri_allow_list": "https://procurement.example.com/callback,http://localhost:3000/callback"})
    assert not engine.preview(p, engine.refresh(p, state), program)[0].changes

    # A secret changed in the dashboard is found (hash mismatch) and restored.
    sb.supabase.edit("auth_config", project.id, set={"external_github_secret": "changed-in-dashboard",
                                                     "site_url": "https://evil.example.com"})
    drifted = engine.refresh(p, state)
    assert drifted.inputs["provider_secrets"] == {"github": DRIFTED_SECRET}
    assert drifted.inputs["smtp_password"] == "smtp-password-1"
    assert drifted.inputs["site_url"] == "https://evil.example.com"
    assert engine.preview(p, drifted, program)[0].changes
    restored = engine.up(p, drifted, program)
    remote = store(sb, "auth_config", project.id)
    assert remote["external_github_secret"] == "gh-secret-1" and remote["site_url"] == "https://procurement.example.com"
    converge_checks(engine, p, restored, program, sb)

    # Rotating a secret in the program is an update.
    rotated = {**program, "smtp_password": "smtp-password-2"}
    assert engine.preview(p, restored, rotated)[0].changes
    engine.up(p, restored, rotated)
    assert store(sb, "auth_config", project.id)["smtp_pass"] == "smtp-password-2"


def test_auth_config_totp_mfa_is_applied_and_drift_restored(supabase_env, engine, project):
    sb = supabase_env
    p = AuthConfigProvider(http=FAST_HTTP)
    program = {"project_ref": project.id, "mfa_totp_enroll_enabled": False, "mfa_totp_verify_enabled": True,
               "mfa_max_enrolled_factors": 3, **FAST_WAIT}
    state = engine.create(p, program)
    remote = store(sb, "auth_config", project.id)
    assert (remote["mfa_totp_enroll_enabled"], remote["mfa_totp_verify_enabled"],
            remote["mfa_max_enrolled_factors"]) == (False, True, 3)
    state = converge_checks(engine, p, state, program, sb)

    sb.supabase.edit("auth_config", project.id, set={"mfa_totp_verify_enabled": False})
    drifted = engine.refresh(p, state)
    assert drifted.inputs["mfa_totp_verify_enabled"] is False
    assert engine.preview(p, drifted, program)[0].changes
    enabled = {**program, "mfa_totp_enroll_enabled": True}
    state = engine.up(p, drifted, enabled)
    remote = store(sb, "auth_config", project.id)
    assert (remote["mfa_totp_enroll_enabled"], remote["mfa_totp_verify_enabled"]) == (True, True)
    converge_checks(engine, p, state, enabled, sb)


def test_auth_config_rejects_a_negative_factor_limit(engine):
    with pytest.raises(AssertionError, match="mfa_max_enrolled_factors"):
        engine.check(AuthConfigProvider(), {}, {"project_ref": "abcdefghijklmnopqrst", "mfa_max_enrolled_factors": -1})


# ---------------------------------------------------------------------------------- EdgeFunctionSecrets
def test_edge_function_secrets_drift_by_digest(supabase_env, engine, project):
    sb = supabase_env
    base = sb.supabase.base_url + f"/v1/projects/{project.id}/secrets"
    requests.post(base, headers=sb.supabase.auth_headers, json=[{"name": "NOT_OURS", "value": "x"}], timeout=10)
    p = EdgeFunctionSecretsProvider(http=FAST_HTTP)
    program = {"project_ref": project.id, "secrets": {"STRIPE_KEY": "sk_test_1", "WEBHOOK_SECRET": "whsec_1"}, **FAST_WAIT}
    sb.supabase.add_fault("drop_response", method="POST", path="/v1/projects/{ref}/secrets")  # upsert: retried
    state = engine.create(p, program)
    assert state.outputs["names"] == ["STRIPE_KEY", "WEBHOOK_SECRET"]
    state = converge_checks(engine, p, state, program, sb)

    requests.post(base, headers=sb.supabase.auth_headers, json=[{"name": "STRIPE_KEY", "value": "tampered"}], timeout=10)
    listed = {s["name"]: s["value"] for s in requests.get(base, headers=sb.supabase.auth_headers, timeout=10).json()}
    assert listed["STRIPE_KEY"] == edge_secret_digest("tampered")
    drifted = engine.refresh(p, state)
    assert drifted.inputs["secrets"]["STRIPE_KEY"] == DRIFTED_SECRET
    state = engine.up(p, drifted, program)
    assert store(sb, "secrets", project.id)["STRIPE_KEY"]["value"] == "sk_test_1"

    state = engine.up(p, state, {**program, "secrets": {"STRIPE_KEY": "sk_test_1"}})  # WEBHOOK_SECRET removed
    assert set(store(sb, "secrets", project.id)) == {"STRIPE_KEY", "NOT_OURS"}
    engine.destroy(p, state)
    assert set(store(sb, "secrets", project.id)) == {"NOT_OURS"}  # others' secrets untouched


# ---------------------------------------------------------------------------------- ApiKeys
def test_api_keys_outputs_and_named_secret_keys(supabase_env, engine, project):
    sb = supabase_env
    p = ApiKeysProvider(http=FAST_HTTP)
    program = {"project_ref": project.id, "secret_key_names": ["orders_api", "billing_api"], **FAST_WAIT}
    sb.supabase.add_fault("drop_response", method="POST", path="/v1/projects/{ref}/api-keys")
    state = engine.create(p, program)
    out = state.outputs
    for key in ("anon_key", "service_role_key", "publishable_key", "secret_key"):
        assert out[key] and "\u00b7" not in out[key], key
    assert out["anon_key"].count(".") == 2  # a JWT
    assert set(out["secret_keys"]) == {"orders_api", "billing_api"}
    keys = store(sb, "api_keys", project.id)
    named = [k for k in keys.values() if k["type"] == "secret" and k["name"] in ("orders_api", "billing_api")]
    assert len(named) == 2  # the lost create response did not duplicate a key
    state = converge_checks(engine, p, state, program, sb)

    smaller = {**program, "secret_key_names": ["orders_api"]}
    state = engine.up(p, state, smaller)
    assert set(state.outputs["secret_keys"]) == {"orders_api"}
    assert not [k for k in store(sb, "api_keys", project.id).values() if k["name"] == "billing_api"]
    engine.destroy(p, state)
    remaining = {k["name"] for k in store(sb, "api_keys", project.id).values()}
    assert "orders_api" not in remaining and {"anon", "service_role", "default"} <= remaining
