"""The Resource classes under Pulumi's mocks: stable type tokens, secret inputs and outputs, tokens
named by environment variable (never inputs), and a pickled provider that carries no token (what
the engine stores in the state)."""
from __future__ import annotations

import base64

import pulumi
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider

from dynamic_providers import render as r
from tests.components.component_mocks import run_component

TOKEN = "rnd_token_that_must_never_be_pickled"


def build():
    cred = r.RegistryCredential("cred", name="ghcr", owner_id="tea-1", registry="GITHUB", username="bot",
                                auth_token_env="REGISTRY_PULL_TOKEN")
    svc = r.Service("api", name="api", owner_id="tea-1", service_type="web_service", image="ghcr.io/a/api",
                    registry_credential_id=cred.id, health_check_path="/healthz")
    r.EnvVars("env", service_id=svc.id, variables={"DB": pulumi.Output.secret("db-url"), "PORT": "8000"})
    r.SecretFiles("files", service_id=svc.id, files={"k.pem": "pem-content"})
    group = r.EnvGroup("group", name="shared", owner_id="tea-1", variables={"S": "plain-shared"},
                       files={"ca.pem": "ca-content"})
    r.EnvGroupLink("link", env_group_id=group.id, service_ids=[svc.id])
    r.CustomDomain("domain", service_id=svc.id, name="api.example.com")
    r.Project("project", name="procurement", owner_id="tea-1", environments={"production": {"protected": True}})
    r.Deploy("release", service_id=svc.id, triggers={"v": "1"}, watch_seconds=60,
             checks=[{"path": "/healthz", "status": 200}])
    r.ReleaseCandidate("candidate", service_id=svc.id, image_digest="sha256:" + "1" * 64,
                       checks=[{"path": "/healthz", "status": 200}], triggers={"v": "1"})
    r.LogStream("logs", owner_id="tea-1", endpoint="logs.example.com:6514", token_env="RENDER_LOG_STREAM_TOKEN")


# kind: (name, additional_secret_outputs, secret inputs). Env var maps are secret per value
# (docs/explanation/reading-a-plan.md): a variable is as secret as the value given, every file's content is secret, so a map of
# plain values (the group's variables) is not secret at all. (Pulumi's mock monitor has no
# `outputValues`, so the SDK sends a map holding a secret as one secret: per-value secrecy in a
# plan is checked with the real engine, tests/tools/engine/test_plans_engine.py.)
EXPECTED = {
    "RegistryCredential": ("cred", set(), set()),  # the token is read from REGISTRY_PULL_TOKEN, never an input
    "Service": ("api", set(), set()),
    # The fingerprint of what the last deploy carried is a hash of secret values: secret too.
    "EnvVars": ("env", {"deployed_fingerprint"}, {"variables"}),
    "SecretFiles": ("files", {"deployed_fingerprint"}, {"files"}),
    "EnvGroup": ("group", set(), {"files"}),
    "EnvGroupLink": ("link", set(), set()),
    "CustomDomain": ("domain", set(), set()),
    "Project": ("project", set(), set()),
    "Deploy": ("release", set(), set()),
    "ReleaseCandidate": ("candidate", set(), set()),
    "LogStream": ("logs", set(), set()),  # likewise RENDER_LOG_STREAM_TOKEN
}


@pytest.fixture(scope="module")
def run():
    return run_component(build)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_type_tokens_and_secrets(run, kind):
    name, secret_outputs, secret_inputs = EXPECTED[kind]
    record = run.one(f"pulumi-python:dynamic/render:{kind}", name)
    assert set(record.additional_secret_outputs) == secret_outputs
    assert {p.split(".")[0].split("[")[0] for p in record.secret_paths} - {"__provider"} == secret_inputs
    assert "__provider" in record.inputs


def test_computed_outputs_exist_as_attributes():
    made = {}

    def build_one():
        made["svc"] = r.Service("api", name="api", owner_id="tea-1", service_type="web_service", image="nginx")
        made["domain"] = r.CustomDomain("d", service_id=made["svc"].id, name="api.example.com")

    run_component(build_one)
    for output in ("url", "host", "slug", "dashboard_url", "deploy_id", "live_image_path", "is_suspended"):
        assert isinstance(getattr(made["svc"], output), pulumi.Output), output
    for output in ("dns_target", "dns_record_type", "verification_status"):
        assert isinstance(getattr(made["domain"], output), pulumi.Output), output


@pytest.mark.parametrize("cls", [r.ServiceProvider, r.EnvVarsProvider, r.SecretFilesProvider, r.EnvGroupProvider,
                                 r.EnvGroupLinkProvider, r.CustomDomainProvider, r.RegistryCredentialProvider,
                                 r.ProjectProvider, r.DeployProvider, r.LogStreamProvider])
def test_provider_pickles_by_reference_without_token(cls, monkeypatch):
    monkeypatch.setenv("RENDER_API_KEY", TOKEN)
    provider = cls()
    provider.configure(ConfigureRequest(Config({"procurement:renderApiKey": TOKEN}, "procurement")))
    provider.transport()  # a token was read: still nothing of it on the provider
    blob = base64.b64decode(serialize_provider(provider))
    assert TOKEN.encode() not in blob
    assert cls.__module__.encode() in blob and len(blob) < 600  # by reference: module path, not code


def test_unknown_service_argument_fails_at_construction():
    with pytest.raises(TypeError, match="unknown argument"):
        run_component(lambda: r.Service("bad", name="x", owner_id="tea-1", service_type="web_service",
                                        helth_check_path="/typo"))
