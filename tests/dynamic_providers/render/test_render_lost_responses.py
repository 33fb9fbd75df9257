"""Every Render resource kind converges when the answer of any one of its calls is lost.

For each kind, ``lose_each_answer`` (tests/dynamic_providers/lost_responses.py) runs a short
deployment once per call it makes, losing that call's answer (the sandbox commits the request,
then resets the connection), and checks after every phase: exactly one object, the declared
values, each change deployed exactly once, no diff after the update or after a refresh, nothing
left after destroy.
"""
from __future__ import annotations

import pytest

from dynamic_providers.render.deploys import DeployProvider
from dynamic_providers.render.domains import CustomDomainProvider
from dynamic_providers.render.env_groups import EnvGroupLinkProvider, EnvGroupProvider
from dynamic_providers.render.log_streams import LogStreamProvider
from dynamic_providers.render.projects import ProjectProvider
from dynamic_providers.render.registry import RegistryCredentialProvider
from dynamic_providers.render.service_env import EnvVarsProvider, SecretFilesProvider
from dynamic_providers.render.services import ServiceProvider
from tests.dynamic_providers.lost_responses import Scenario, lose_each_answer

from render_harness import configured

DIGEST = {n: "sha256:" + str(n) * 64 for n in range(1, 4)}
IMAGE = "ghcr.io/acme/api"


def store(sandbox, collection: str) -> dict:
    return sandbox.render.store.data[collection]


def deploys_of(sandbox, service_id: str) -> list[dict]:
    return sorted((d for d in store(sandbox, "deploys").values() if d["_serviceId"] == service_id),
                  key=lambda d: d["createdAt"])


def one(sandbox, collection: str, **match) -> dict:
    found = [o for o in store(sandbox, collection).values() if all(o.get(k) == v for k, v in match.items())]
    assert len(found) == 1, f"expected one {collection} object with {match}, found {len(found)}"
    return found[0]


def make_service(sandbox, name: str = "base", **extra) -> str:
    """A prerequisite image-backed web service, made through the API without faults."""
    body = {"type": "web_service", "name": name, "ownerId": sandbox.render.owner_id,
            "image": {"ownerId": sandbox.render.owner_id, "imagePath": f"{IMAGE}@{DIGEST[1]}"},
            "serviceDetails": {"runtime": "image", "plan": "starter", "region": "oregon", **extra}}
    response = sandbox.render.client().post("/services", json=body)
    assert response.status_code == 201, response.text
    return response.json()["service"]["id"]


def deploy_provider(sandbox):
    return configured(DeployProvider, sandbox, first_poll=0.05, max_poll=0.2)


# ------------------------------------------------------------------------------- services
def web(digest: int, health: str):
    return lambda sandbox: {"name": "api", "owner_id": sandbox.render.owner_id, "service_type": "web_service",
                            "image": IMAGE, "image_digest": DIGEST[digest], "health_check_path": health}


def check_web(sandbox, _ctx, state):
    service = one(sandbox, "services", name="api")
    assert service["id"] == state.id
    assert service["imagePath"] == f"{IMAGE}@{state.inputs['image_digest']}"
    assert service["serviceDetails"]["healthCheckPath"] == state.inputs["health_check_path"]
    images = [d["image"]["ref"] for d in deploys_of(sandbox, state.id)]
    # Each digest deployed exactly once: at creation, then once by the update.
    assert sorted(images) == sorted(set(images)), images
    assert images[-1].endswith(state.inputs["image_digest"]), images


STATIC_HEADERS = [{"path": "/*", "name": "X-Frame-Options", "value": "DENY"}]


def static(build: str, headers: list):
    return lambda sandbox: {"name": "app", "owner_id": sandbox.render.owner_id, "service_type": "static_site",
                            "repo": "https://github.com/acme/app", "branch": "main", "build_command": build,
                            "publish_path": "dist", "headers": headers,
                            "routes": [{"type": "rewrite", "source": "/*", "destination": "/index.html"}]}


def check_static(sandbox, _ctx, state):
    site = one(sandbox, "services", name="app")
    assert site["id"] == state.id and site["serviceDetails"]["buildCommand"] == state.inputs["build_command"]
    headers = [{"path": h["path"], "name": h["name"], "value": h["value"]} for h in store(sandbox, "headers").values()
               if h["_serviceId"] == state.id]
    assert sorted(headers, key=str) == sorted(state.inputs["headers"], key=str)
    builds = 1 if state.inputs["build_command"] == "npm run build" else 2  # one deploy per build change
    assert len(deploys_of(sandbox, state.id)) == builds


SERVICES = [
    Scenario("web service", lambda sb: configured(ServiceProvider, sb), [web(1, "/health"), web(2, "/ready")],
             check_web, setup=lambda sb: sb, gone=lambda sb, _: not store(sb, "services") or pytest.fail("left")),
    Scenario("static site", lambda sb: configured(ServiceProvider, sb),
             [static("npm run build", STATIC_HEADERS),
              static("npm ci && npm run build", [*STATIC_HEADERS, {"path": "/*", "name": "X-A", "value": "1"}])],
             check_static, setup=lambda sb: sb),
]


# ----------------------------------------------------------------------- env vars, secret files
def env_set(values: dict, key: str = "variables"):
    return lambda ctx: {"service_id": ctx, key: values}


def check_env(collection: str, key: str):
    def check(sandbox, sid, state):
        assert store(sandbox, collection)[sid] == state.inputs[key]
        # The service's own creation deploy, then exactly one per change of the set.
        changes = 1 if len(state.inputs[key]) == 2 else 2
        assert len(deploys_of(sandbox, sid)) == 1 + changes, deploys_of(sandbox, sid)
    return check


ENV = [
    Scenario("env vars", lambda sb: configured(EnvVarsProvider, sb),
             [env_set({"A": "1", "B": "2"}), env_set({"A": "1", "B": "3", "C": "4"})],
             check_env("env_vars", "variables"), setup=make_service,
             gone=lambda sb, sid: sb.render.store.data["env_vars"][sid] == {} or pytest.fail("left")),
    Scenario("secret files", lambda sb: configured(SecretFilesProvider, sb),
             [env_set({"a.pem": "1", "b.pem": "2"}, "files"), env_set({"a.pem": "9", "b.pem": "2", "c": "3"}, "files")],
             check_env("secret_files", "files"), setup=make_service),
]


# ------------------------------------------------------------------------- groups and links
def group(values: dict):
    return lambda sandbox: {"name": "shared", "owner_id": sandbox.render.owner_id, "variables": values}


def check_group(sandbox, _ctx, state):
    found = one(sandbox, "env_groups", name="shared")
    assert found["id"] == state.id and found["_envVars"] == state.inputs["variables"]


def link_setup(sandbox):
    response = sandbox.render.client().post("/env-groups", json={"name": "g", "ownerId": sandbox.render.owner_id,
                                                                  "envVars": [{"key": "A", "value": "1"}]})
    assert response.status_code == 201, response.text
    return response.json()["id"], make_service(sandbox, "one"), make_service(sandbox, "two")


def check_link(sandbox, ctx, state):
    linked = sandbox.render.client().get(f"/env-groups/{ctx[0]}").json()["serviceLinks"]
    assert sorted(s["id"] for s in linked) == sorted(state.inputs["service_ids"])


GROUPS = [
    Scenario("env group", lambda sb: configured(EnvGroupProvider, sb), [group({"A": "1"}), group({"A": "2", "B": "3"})],
             check_group, setup=lambda sb: sb, gone=lambda sb, _: not store(sb, "env_groups") or pytest.fail("left")),
    Scenario("env group link", lambda sb: configured(EnvGroupLinkProvider, sb),
             [lambda c: {"env_group_id": c[0], "service_ids": [c[1]]},
              lambda c: {"env_group_id": c[0], "service_ids": [c[1], c[2]]}], check_link, setup=link_setup),
]


# --------------------------------------------------------------------- domains, credentials, logs
def check_domain(sandbox, sid, state):
    domain = one(sandbox, "custom_domains", name="api.example.com")
    assert domain["id"] == state.id and domain["verificationStatus"] == "verified"


def credential(user: str):
    return lambda sandbox: {"name": "ghcr", "owner_id": sandbox.render.owner_id, "registry": "GITHUB",
                            "username": user, "auth_token_env": "REGISTRY_PULL_TOKEN"}


@pytest.fixture(autouse=True)
def vendor_tokens(monkeypatch):
    # Credentials reach the providers from the environment at call time, never through inputs.
    monkeypatch.setenv("REGISTRY_PULL_TOKEN", "ghp_secret")
    monkeypatch.setenv("RENDER_LOG_STREAM_TOKEN", "log-token")


def check_credential(sandbox, _ctx, state):
    assert one(sandbox, "registry_credentials", name="ghcr")["username"] == state.inputs["username"]


def stream(endpoint: str):
    return lambda sandbox: {"owner_id": sandbox.render.owner_id, "endpoint": endpoint, "token_env": "RENDER_LOG_STREAM_TOKEN"}


def check_stream(sandbox, _ctx, state):
    assert store(sandbox, "log_streams")[state.inputs["owner_id"]]["endpoint"] == state.inputs["endpoint"]


def project(environments: dict):
    return lambda sandbox: {"name": "procurement", "owner_id": sandbox.render.owner_id, "environments": environments}


def check_project(sandbox, _ctx, state):
    found = one(sandbox, "projects", name="procurement")
    names = sorted(e["name"] for e in store(sandbox, "environments").values() if e.get("projectId") == found["id"])
    assert found["id"] == state.id and names == sorted(state.inputs["environments"])


OTHERS = [
    Scenario("custom domain", lambda sb: configured(CustomDomainProvider, sb),
             [lambda sid: {"service_id": sid, "name": "api.example.com"}], check_domain, setup=make_service,
             gone=lambda sb, _: not store(sb, "custom_domains") or pytest.fail("left")),
    Scenario("registry credential", lambda sb: configured(RegistryCredentialProvider, sb),
             [credential("bot"), credential("robot")], check_credential, setup=lambda sb: sb),
    Scenario("log stream", lambda sb: configured(LogStreamProvider, sb),
             [stream("logs.example.com:6514"), stream("logs2.example.com:6514")], check_stream, setup=lambda sb: sb),
    Scenario("project", lambda sb: configured(ProjectProvider, sb),
             [project({"production": {"protected": True}}),
              project({"production": {"protected": True}, "staging": {"protected": False}})],
             check_project, setup=lambda sb: sb),
]


# ---------------------------------------------------------------------------------- deploys
def release(digest: int):
    return lambda sid: {"service_id": sid, "image_digest": DIGEST[digest], "triggers": {"v": str(digest)}}


def check_release(sandbox, sid, state):
    refs = [d["image"]["ref"] for d in deploys_of(sandbox, sid)]
    assert refs.count(f"{IMAGE}@{state.inputs['image_digest']}") == 1, refs  # one deploy per change
    assert state.outputs["status"] == "live" and state.id == deploys_of(sandbox, sid)[-1]["id"]


DEPLOYS = [Scenario("deploy", deploy_provider, [release(2), release(3)], check_release, setup=make_service)]


@pytest.mark.parametrize("scenario", [*SERVICES, *ENV, *GROUPS, *OTHERS, *DEPLOYS], ids=lambda s: s.name)
def test_every_lost_answer_converges(sandbox, scenario):
    calls = lose_each_answer(scenario, sandbox)
    assert any(c.method != "GET" for c in calls)
