"""Supabase project settings: API keys, Postgres and pooler config, network restrictions, SSL, auth config,
function secrets, backups."""

import hashlib
import hmac
import subprocess

import psycopg
import pytest

from tools.sandbox.testing import wait_for
from tests.tools.sandbox.supabase_projects import new_project


@pytest.fixture
def project(sandbox):
    return new_project(sandbox, "settings", "settings-pass")


def test_api_keys(project):
    api, ref = project
    keys = api.get(f"/v1/projects/{ref}/api-keys", params={"reveal": "true"}).json()
    by_name = {(k["name"], k["type"]): k for k in keys}
    assert set(by_name) == {("anon", "legacy"), ("service_role", "legacy"), ("default", "publishable"),
                            ("default", "secret")}
    assert by_name[("anon", "legacy")]["api_key"].count(".") == 2  # a JWT
    secret = by_name[("default", "secret")]
    assert secret["api_key"].startswith("sb_secret_") and secret["secret_jwt_template"] == {"role": "service_role"}
    masked = {k["id"]: k for k in api.get(f"/v1/projects/{ref}/api-keys").json()}
    assert masked[secret["id"]]["api_key"] != secret["api_key"]

    created = api.post(f"/v1/projects/{ref}/api-keys?reveal=true", json={"type": "secret", "name": "ci_deploy",
                                                                          "description": "CI"})
    assert created.status_code == 201 and created.json()["api_key"].startswith("sb_secret_")
    key_id = created.json()["id"]
    assert api.patch(f"/v1/projects/{ref}/api-keys/{key_id}", json={"description": "CI key"}).json()[
        "description"] == "CI key"
    assert api.get(f"/v1/projects/{ref}/api-keys/{key_id}").json()["name"] == "ci_deploy"
    assert api.delete(f"/v1/projects/{ref}/api-keys/{key_id}").status_code == 200
    assert api.get(f"/v1/projects/{ref}/api-keys/{key_id}").status_code == 404
    assert api.post(f"/v1/projects/{ref}/api-keys", json={"type": "secret", "name": "Bad Name!"}).status_code == 400

    assert api.put(f"/v1/projects/{ref}/api-keys/legacy", params={"enabled": "false"}).json() == {"enabled": False}
    assert {k["type"] for k in api.get(f"/v1/projects/{ref}/api-keys").json()} == {"publishable", "secret"}


def test_postgres_config_reports_overrides_and_takes_effect(sandbox, project):
    api, ref = project
    assert api.get(f"/v1/projects/{ref}/config/database/postgres").json() == {}
    put = api.put(f"/v1/projects/{ref}/config/database/postgres",
                  json={"statement_timeout": "8s", "max_connections": 120})
    assert put.status_code == 200 and put.json() == {"statement_timeout": "8s", "max_connections": 120}
    assert api.get(f"/v1/projects/{ref}/config/database/postgres").json() == put.json()
    shown = api.post(f"/v1/projects/{ref}/database/query", json={"query": "show statement_timeout"}).json()
    assert shown == [{"statement_timeout": "8s"}]  # reloadable: applied to the real server
    bad = api.put(f"/v1/projects/{ref}/config/database/postgres", json={"statement_timeout": "soon"})
    assert bad.status_code == 400 and "pattern" in bad.json()["message"]


def test_pooler_config_has_the_real_shape_and_its_url_logs_in(project):
    api, ref = project
    (pooler,) = api.get(f"/v1/projects/{ref}/config/database/pooler").json()
    assert pooler["db_host"] == "127.0.0.1" and pooler["database_type"] == "PRIMARY"
    assert pooler["db_user"] == f"postgres.{ref}" and pooler["pool_mode"] == "transaction"
    expected = f"postgresql://postgres.{ref}:[YOUR-PASSWORD]@127.0.0.1:{pooler['db_port']}/postgres"
    assert pooler["connection_string"] == expected
    url = pooler["connection_string"].replace("[YOUR-PASSWORD]", "settings-pass")
    with psycopg.connect(url) as conn:
        assert conn.execute("select current_user").fetchone() == ("postgres",)
    patched = api.patch(f"/v1/projects/{ref}/config/database/pooler", json={"pool_mode": "session",
                                                                            "default_pool_size": 20})
    assert patched.json() == {"pool_mode": "session", "default_pool_size": 20}
    assert api.get(f"/v1/projects/{ref}/config/database/pooler").json()[0]["pool_mode"] == "session"
    with psycopg.connect(url) as conn:  # still logs in after PgBouncer reloaded its configuration
        assert conn.execute("select 1").fetchone() == (1,)


def test_network_restrictions_take_real_effect(sandbox, project):
    api, ref = project
    current = api.get(f"/v1/projects/{ref}/network-restrictions").json()
    assert current["config"] == {"dbAllowedCidrs": ["0.0.0.0/0"], "dbAllowedCidrsV6": ["::/0"]}
    direct = sandbox.supabase.connection_info(ref)
    pooled = api.get(f"/v1/projects/{ref}/config/database/pooler").json()[0]["connection_string"].replace(
        "[YOUR-PASSWORD]", "settings-pass")
    applied = api.post(f"/v1/projects/{ref}/network-restrictions/apply",
                       json={"dbAllowedCidrs": ["10.0.0.0/8"], "dbAllowedCidrsV6": []})
    assert applied.status_code == 201 and applied.json()["status"] == "applied"
    for attempt in (lambda: psycopg.connect(**direct, connect_timeout=5),  # 127.0.0.1 is no longer allowed
                    lambda: psycopg.connect(pooled, connect_timeout=5)):  # nor through the pooler
        with pytest.raises(psycopg.OperationalError):
            attempt()
    restored = api.patch(f"/v1/projects/{ref}/network-restrictions", json={"add": {"dbAllowedCidrs": ["127.0.0.1/32"]}})
    assert restored.status_code == 200
    assert {"address": "127.0.0.1/32", "type": "v4"} in restored.json()["config"]["dbAllowedCidrs"]
    psycopg.connect(**direct).close()

    def pooled_logs_in():  # PgBouncer retries a failed server login after a second
        try:
            psycopg.connect(pooled, connect_timeout=5).close()
            return True
        except psycopg.OperationalError:
            return False

    wait_for(pooled_logs_in, timeout=10)
    assert api.post(f"/v1/projects/{ref}/network-restrictions/apply",
                    json={"dbAllowedCidrs": ["not-a-cidr"]}).status_code == 400


def test_ssl_enforcement(sandbox, project, tmp_path):
    api, ref = project
    assert api.get(f"/v1/projects/{ref}/ssl-enforcement").json() == {"currentConfig": {"database": False},
                                                                     "appliedSuccessfully": True}
    direct = sandbox.supabase.connection_info(ref)
    pooled = api.get(f"/v1/projects/{ref}/config/database/pooler").json()[0]["connection_string"].replace(
        "[YOUR-PASSWORD]", "settings-pass")
    verified = {"sslmode": "verify-full", "sslrootcert": str(sandbox.supabase.tls.ca)}

    def encrypted(**options) -> bool:
        target = dict(direct) if options.pop("direct") else {"conninfo": pooled}
        with psycopg.connect(**target, **options, connect_timeout=5) as conn:
            return conn.pgconn.ssl_in_use

    # Both doors serve TLS with a certificate the sandbox CA signed, for the host clients connect to.
    assert encrypted(direct=True, **verified) and encrypted(direct=False, **verified)
    assert not encrypted(direct=True, sslmode="disable") and not encrypted(direct=False, sslmode="disable")
    other_ca = tmp_path / "other-ca.crt"  # verification is real: another CA's clients refuse the server
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "k"),
                    "-out", str(other_ca), "-days", "1", "-subj", "/CN=other"], check=True, capture_output=True)
    for door in (True, False):
        with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
            encrypted(direct=door, sslmode="verify-full", sslrootcert=str(other_ca))

    put = api.put(f"/v1/projects/{ref}/ssl-enforcement", json={"requestedConfig": {"database": True}})
    assert put.json()["currentConfig"] == {"database": True}
    assert api.get(f"/v1/projects/{ref}/ssl-enforcement").json()["currentConfig"]["database"] is True
    # Enforced: plain text is refused by Postgres (pg_hba hostssl) and by the pooler; TLS still logs in.
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        encrypted(direct=True, sslmode="disable")
    with pytest.raises(psycopg.OperationalError, match="SSL connection is required"):
        encrypted(direct=False, sslmode="disable")
    assert encrypted(direct=True, **verified) and encrypted(direct=False, **verified)
    api.put(f"/v1/projects/{ref}/ssl-enforcement", json={"requestedConfig": {"database": False}})
    assert not encrypted(direct=True, sslmode="disable") and not encrypted(direct=False, sslmode="disable")
    assert api.put(f"/v1/projects/{ref}/ssl-enforcement", json={"requestedConfig": {}}).status_code == 400


def test_auth_config_partial_update_and_hashed_secrets(project):
    api, ref = project
    config = api.get(f"/v1/projects/{ref}/config/auth").json()
    assert config["site_url"] == "http://localhost:3000" and config["smtp_pass"] is None
    patched = api.patch(f"/v1/projects/{ref}/config/auth",
                        json={"site_url": "https://app.example.com", "uri_allow_list": "https://a.example.com",
                              "smtp_pass": "hunter2", "jwt_exp": 7200})
    assert patched.status_code == 200
    body = patched.json()
    assert body["site_url"] == "https://app.example.com" and body["jwt_exp"] == 7200
    assert body["smtp_pass"] == hmac.new(ref.encode(), b"hunter2", hashlib.sha256).hexdigest()
    assert body["disable_signup"] == config["disable_signup"]  # untouched keys keep their values
    assert api.patch(f"/v1/projects/{ref}/config/auth", json={"jwt_exp": -1}).status_code == 400


def test_function_secrets_are_listed_as_digests(project):
    api, ref = project
    assert api.post(f"/v1/projects/{ref}/secrets", json=[{"name": "STRIPE_KEY", "value": "sk_test"},
                                                          {"name": "OTHER", "value": "x"}]).status_code == 201
    listed = {s["name"]: s["value"] for s in api.get(f"/v1/projects/{ref}/secrets").json()}
    assert listed == {"OTHER": hashlib.sha256(b"x").hexdigest(), "STRIPE_KEY": hashlib.sha256(b"sk_test").hexdigest()}
    assert api.delete(f"/v1/projects/{ref}/secrets", json=["OTHER"]).status_code == 200
    assert [s["name"] for s in api.get(f"/v1/projects/{ref}/secrets").json()] == ["STRIPE_KEY"]
    reserved = api.post(f"/v1/projects/{ref}/secrets", json=[{"name": "SUPABASE_URL", "value": "x"}])
    assert reserved.status_code == 400 and "pattern" in reserved.json()["message"]


def test_backups_list(sandbox, project):
    api, ref = project
    backups = api.get(f"/v1/projects/{ref}/database/backups").json()
    assert backups["backups"] == [] and backups["walg_enabled"] is True and backups["pitr_enabled"] is False
    sandbox.supabase.edit("backups", ref, {"backups": [{"id": 1, "is_physical_backup": True, "status": "COMPLETED",
                                                         "inserted_at": "2026-01-01T00:00:00Z"}]})
    assert api.get(f"/v1/projects/{ref}/database/backups").json()["backups"][0]["status"] == "COMPLETED"
