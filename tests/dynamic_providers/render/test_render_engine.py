"""The real `pulumi` CLI drives the Render resources against the sandbox.

up -> a second preview reports no changes (and makes zero API calls) -> an out-of-band edit is
found by refresh and undone by up -> one env-var change costs at most two writes -> the state holds
no plaintext secret -> destroy leaves nothing.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.engine.testing import pulumi_engine, pulumi_env, pulumi_home, python_project_yaml, run_pulumi  # noqa: F401

DIGEST = "sha256:" + "d" * 64
SECRETS = {
    "db_url": "postgres://app:Sup3rS3cretDbPassw0rd@db.internal:5432/app",
    "pem": "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-----END PRIVATE KEY-----",
    "shared": "shared-group-secret-9f3b2a",
    "registry": "ghp_registryTokenValue123456",
}

PROGRAM = """
import pulumi
from dynamic_providers.render import (CustomDomain, Deploy, EnvGroup, EnvGroupLink, EnvVars, RegistryCredential,
                                      SecretFiles, Service)

OWNER = {owner!r}
cfg = pulumi.Config()
cred = RegistryCredential("ghcr", name="ghcr", owner_id=OWNER, registry="GITHUB", username="bot",
                          auth_token_env="REGISTRY_PULL_TOKEN")
api = Service("api", name="api", owner_id=OWNER, service_type="web_service", image="ghcr.io/acme/api",
              image_digest=cfg.require("digest"), registry_credential_id=cred.id, health_check_path="/healthz",
              region="frankfurt")
# Env vars are secret per value (docs/explanation/reading-a-plan.md): secret ones are passed as secrets.
EnvVars("api-env", service_id=api.id,
        variables={{"DATABASE_URL": pulumi.Output.secret({db_url!r}), "LOG_LEVEL": cfg.get("logLevel") or "info"}})
SecretFiles("api-files", service_id=api.id, files={{"key.pem": {pem!r}}})
group = EnvGroup("shared", name="shared", owner_id=OWNER, variables={{"SHARED_SECRET": pulumi.Output.secret({shared!r})}})
EnvGroupLink("shared-link", env_group_id=group.id, service_ids=[api.id])
domain = CustomDomain("api-domain", service_id=api.id, name="api.example.com")
release = Deploy("release", service_id=api.id, triggers={{"digest": cfg.require("digest")}})
pulumi.export("url", api.url)
pulumi.export("dns", {{"type": domain.dns_record_type, "target": domain.dns_target}})
pulumi.export("deploy_status", release.status)
pulumi.export("live_deploy_id", release.live_deploy_id)
"""


@pytest.fixture
def project(tmp_path: Path, pulumi_env: dict, sandbox) -> tuple[Path, dict]:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(python_project_yaml("render-engine-test"))
    (project / "__main__.py").write_text(PROGRAM.format(owner=sandbox.render.owner_id, **SECRETS))
    # URL and tokens from the environment, read by the provider at call time (never stack config).
    env = {**pulumi_env, "RENDER_API_URL": sandbox.render.base_url, "RENDER_API_KEY": sandbox.render.token,
           "REGISTRY_PULL_TOKEN": SECRETS["registry"]}
    run_pulumi(["stack", "init", "test"], cwd=project, env=env)
    run_pulumi(["config", "set", "digest", DIGEST], cwd=project, env=env)
    return project, env


def preview(project: Path, env: dict) -> dict:
    out = json.loads(run_pulumi(["preview", "--json"], cwd=project, env=env).stdout)
    return {step["urn"].rsplit("::", 1)[-1]: step["op"] for step in out.get("steps", []) if step["op"] != "same"}


def journal(sandbox, method=None):
    return [e for e in sandbox.render.journal.entries() if method is None or e.method == method]


def test_engine_lifecycle_against_the_sandbox(project, sandbox, tmp_path):
    project, env = project
    store = sandbox.render.store.data
    run_pulumi(["up", "--yes", "--skip-preview"], cwd=project, env=env)
    (sid,) = store["services"]
    assert store["env_vars"][sid] == {"DATABASE_URL": SECRETS["db_url"], "LOG_LEVEL": "info"}
    outputs = json.loads(run_pulumi(["stack", "output", "--json"], cwd=project, env=env).stdout)
    assert outputs["dns"]["type"] == "CNAME" and outputs["dns"]["target"].endswith(".onrender.com")
    # The release deploy went live, or was superseded by the env-var deploy that then went live (deactivated
    # after going live, or canceled while both were queued behind the service's first deploy).
    assert outputs["deploy_status"] in ("live", "deactivated", "canceled")
    assert store["deploys"][outputs["live_deploy_id"]].get("finishedAt")  # it did go live

    # Second preview: no changes, and not a single API call.
    sandbox.render.journal.clear()
    run_pulumi(["preview", "--expect-no-changes"], cwd=project, env=env)
    assert journal(sandbox) == []

    # Out-of-band edits are found by refresh and undone by up.
    sandbox.render.edit("services", sid, {"serviceDetails.healthCheckPath": "/oob"})
    store["env_vars"][sid]["LOG_LEVEL"] = "debug"
    sandbox.render.journal.clear()
    run_pulumi(["refresh", "--yes"], cwd=project, env=env)
    assert not journal(sandbox, "POST") and not journal(sandbox, "PUT") and not journal(sandbox, "PATCH")
    changes = preview(project, env)
    assert changes == {"api": "update", "api-env": "update"}, changes
    run_pulumi(["up", "--yes", "--skip-preview"], cwd=project, env=env)
    assert store["services"][sid]["serviceDetails"]["healthCheckPath"] == "/healthz"
    assert store["env_vars"][sid]["LOG_LEVEL"] == "info"
    run_pulumi(["preview", "--expect-no-changes"], cwd=project, env=env)

    # Changing one env var: at most two writes (the variable, then the deploy that applies it).
    run_pulumi(["config", "set", "logLevel", "warn"], cwd=project, env=env)
    sandbox.render.journal.clear()
    run_pulumi(["up", "--yes", "--skip-preview"], cwd=project, env=env)
    writes = [(e.method, e.operation) for e in journal(sandbox) if e.method != "GET"]
    assert writes == [("PUT", "/services/{serviceId}/env-vars/{envVarKey}"),
                      ("POST", "/services/{serviceId}/deploys")], writes
    assert store["env_vars"][sid]["LOG_LEVEL"] == "warn"

    # No secret in plain text anywhere in the state (export and every backend file), refresh included.
    exported = run_pulumi(["stack", "export"], cwd=project, env=env).stdout
    assert "pulumi-python:dynamic/render:EnvVars" in exported
    plaintexts = [*SECRETS.values(), sandbox.render.token]
    for secret in plaintexts:
        assert secret not in exported, secret
    for path in (tmp_path / "pulumi-state").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in plaintexts:
                assert secret.encode() not in data, (path, secret)

    run_pulumi(["destroy", "--yes", "--skip-preview"], cwd=project, env=env)
    for collection in ("services", "env_groups", "registry_credentials", "custom_domains", "headers", "routes"):
        assert store[collection] == {}, collection
    assert sandbox.request_violations() == []
