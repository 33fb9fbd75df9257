"""Application configuration from stack config, under mocks: where each variable and file lands.

Plain variables (`backend.env`, `backend.services[].env`, `frontend.env`) and secret ones
(`procurement:appSecrets`) reach the shared env group, the one service's EnvVars, its SecretFiles
and the static site's build variables; secrets stay secret; a change moves exactly the Deploy
fingerprints that should redeploy. (End to end on the sandbox: tests/tools/engine/test_app_config_engine.py.)
"""
import copy

import yaml

from tests.components.platform_mocks import run_stack
from tests.mock_harness import PROJECT_ROOT, Secret

R = "pulumi-python:dynamic/render:"
P = "procurement:"
STACK = "staging"


def stack_value(key):
    return copy.deepcopy(yaml.safe_load((PROJECT_ROOT / f"Pulumi.{STACK}.yaml").read_text())["config"][P + key])


def configured(shared=None, api=None, frontend=None, secrets=None):
    backend = stack_value("backend")
    backend["env"] = shared or {}
    backend["services"][0]["env"] = api or {}
    site = stack_value("frontend")
    site["env"] = frontend or {}
    overrides = {P + "backend": backend, P + "frontend": site}
    if secrets is not None:
        overrides[P + "appSecrets"] = Secret(secrets)
    return run_stack(STACK, overrides=overrides)


SECRETS = {"backend": {"env": {"STRIPE_API_KEY": "sk_live_shared"}, "files": {"gcp.json": '{"k": 1}'}},
           "services": {"api": {"env": {"SENTRY_DSN": "https://key@sentry.example/1"},
                                "files": {"signing.pem": "-----BEGIN KEY-----"}}},
           "frontend": {"env": {"NPM_TOKEN": "npm_secret"}}}


def deploys(run):
    return {d.name.removeprefix("backend-").removesuffix("-deploy"): d for d in run.of_type(R + "Deploy")}


def test_variables_and_files_land_where_configured_and_secrets_stay_secret():
    run = configured(shared={"LOG_LEVEL": "info"}, api={"WEB_CONCURRENCY": "4"},
                     frontend={"VITE_FEATURE_FLAGS": "reports"}, secrets=SECRETS)
    group = run.one(R + "EnvGroup", "backend-env-group")
    assert group.inputs["variables"]["LOG_LEVEL"] == "info"
    assert group.inputs["variables"]["STRIPE_API_KEY"] == "sk_live_shared" and group.is_secret("variables")
    assert group.inputs["files"] == {"gcp.json": '{"k": 1}'} and group.is_secret("files")
    assert group.inputs["variables"]["ENVIRONMENT"] == "staging"  # the generated ones are still there

    api = run.one(R + "EnvVars", "backend-api-env")
    assert api.inputs["variables"]["WEB_CONCURRENCY"] == "4"
    assert api.inputs["variables"]["SENTRY_DSN"] == "https://key@sentry.example/1" and api.is_secret("variables")
    assert {"PORT", "DATABASE_URL"} <= set(api.inputs["variables"])
    worker = run.one(R + "EnvVars", "backend-worker-env")
    assert not {"WEB_CONCURRENCY", "SENTRY_DSN"} & set(worker.inputs["variables"])  # the api's own only

    files = run.one(R + "SecretFiles", "backend-api-files")
    assert files.inputs["files"] == {"signing.pem": "-----BEGIN KEY-----"} and files.is_secret("files")
    assert files.inputs["deploy_on_change"] is False and files.inputs["deploy_on_delete"] is True
    assert [f.name for f in run.of_type(R + "SecretFiles")] == ["backend-api-files"]  # only where configured
    assert files.urn in deploys(run)["api"].depends_on  # the deploy runs with the files in place

    site = run.one(R + "EnvVars", "frontend-site-env")
    assert site.inputs["variables"]["VITE_FEATURE_FLAGS"] == "reports"
    assert site.inputs["variables"]["NPM_TOKEN"] == "npm_secret" and site.is_secret("variables")
    assert "VITE_API_URL" in site.inputs["variables"]


def test_a_change_redeploys_exactly_the_services_that_see_it():
    before = configured(shared={"LOG_LEVEL": "info"}, api={"WEB_CONCURRENCY": "4"}, secrets=SECRETS)
    same = configured(shared={"LOG_LEVEL": "info"}, api={"WEB_CONCURRENCY": "4"}, secrets=SECRETS)

    def triggers(run):
        return {name: d.inputs["triggers"] for name, d in deploys(run).items()}

    assert triggers(before) == triggers(same)  # nothing changed: no deploy
    own = configured(shared={"LOG_LEVEL": "info"}, api={"WEB_CONCURRENCY": "8"}, secrets=SECRETS)
    assert {n for n in triggers(before) if triggers(before)[n] != triggers(own)[n]} == {"api"}
    shared = configured(shared={"LOG_LEVEL": "debug"}, api={"WEB_CONCURRENCY": "4"}, secrets=SECRETS)
    assert {n for n in triggers(before) if triggers(before)[n] != triggers(shared)[n]} == set(triggers(before))
    rotated = copy.deepcopy(SECRETS)
    rotated["services"]["api"]["files"]["signing.pem"] = "-----BEGIN NEW KEY-----"
    file_change = configured(shared={"LOG_LEVEL": "info"}, api={"WEB_CONCURRENCY": "4"}, secrets=rotated)
    assert {n for n in triggers(before) if triggers(before)[n] != triggers(file_change)[n]} == {"api"}
    assert all(d.is_secret("triggers") for d in deploys(before).values())  # fingerprints of secrets


def test_without_app_config_the_graph_and_fingerprints_are_what_they_were():
    plain = run_stack(STACK)
    empty = configured()
    assert plain.urns == empty.urns
    assert {n: d.inputs["triggers"] for n, d in deploys(plain).items()} == \
        {n: d.inputs["triggers"] for n, d in deploys(empty).items()}
    assert not plain.of_type(R + "SecretFiles")
