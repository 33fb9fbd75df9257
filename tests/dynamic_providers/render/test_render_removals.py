"""Removing each optional input of each Render provider, against the sandbox (the table and its runner:
``tests/dynamic_providers/removal_table.py``). One case per field; the table test fails for a missing one."""
from __future__ import annotations

import sys
from itertools import count
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # removal_table

from dynamic_providers.render.env_groups import EnvGroupProvider  # noqa: E402
from dynamic_providers.render.projects import ProjectProvider  # noqa: E402
from dynamic_providers.render.registry import RegistryCredentialProvider  # noqa: E402
from dynamic_providers.render.services import ServiceProvider  # noqa: E402
from removal_table import INERT, REFUSED, WARNS, Case, optional_fields, run_table  # noqa: E402

from render_harness import Driver, configured, objects, request_violations  # noqa: E402

DIGEST = "sha256:" + "c" * 64


class Ctx:
    """What the cases need from the sandbox: unique names, and objects some fields point at."""

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.owner = sandbox.render.owner_id
        self._n = count(1)
        self._cache: dict = {}

    def name(self, stem: str) -> str:
        return f"{stem}-{next(self._n)}"

    def environment_id(self) -> str:
        if "env" not in self._cache:
            d = Driver(configured(ProjectProvider, self.sandbox))
            self._cache["env"] = d.up({"name": "removals", "owner_id": self.owner,
                                       "environments": {"staging": {}}})["environment_ids"]["staging"]
        return self._cache["env"]

    def registry_credential_id(self) -> str:
        if "cred" not in self._cache:
            d = Driver(configured(RegistryCredentialProvider, self.sandbox))
            d.up({"name": "ghcr", "owner_id": self.owner, "registry": "GITHUB", "username": "bot",
                  "auth_token_env": "REGISTRY_PULL_TOKEN"})
            self._cache["cred"] = d.id
        return self._cache["cred"]

    def service_id(self) -> str:
        if "svc" not in self._cache:
            d = Driver(configured(ServiceProvider, self.sandbox))
            d.up(web(self, "notified"))
            self._cache["svc"] = d.id
        return self._cache["svc"]


def web(ctx, stem="api", **extra):
    return {"name": ctx.name(stem), "owner_id": ctx.owner, "service_type": "web_service",
            "image": "ghcr.io/acme/api:1", **extra}


def docker_web(ctx, **extra):
    return {"name": ctx.name("built"), "owner_id": ctx.owner, "service_type": "web_service",
            "repo": "https://github.com/acme/api", "runtime": "docker", **extra}


def static(ctx, **extra):
    return {"name": ctx.name("site"), "owner_id": ctx.owner, "service_type": "static_site",
            "repo": "https://github.com/acme/web", **extra}


def cron(ctx, **extra):
    return {"name": ctx.name("nightly"), "owner_id": ctx.owner, "service_type": "cron_job",
            "image": "ghcr.io/acme/jobs:1", "schedule": "0 3 * * *", **extra}


def owner_settings(ctx, **extra):
    return {"owner_id": ctx.owner, **extra}


def override(ctx, **extra):
    return {"service_id": ctx.service_id(), **extra}


HEADERS = [{"path": "/*", "name": "X-Frame-Options", "value": "DENY"}]
ROUTES = [{"type": "rewrite", "source": "/*", "destination": "/index.html"}]

CASES = {
    # Service
    "ServiceProvider.region": Case(lambda c: web(c, region="frankfurt")),
    "ServiceProvider.plan": Case(lambda c: web(c, plan="standard")),
    "ServiceProvider.runtime": Case(lambda c: docker_web(c), expect=REFUSED),
    "ServiceProvider.environment_id": Case(lambda c: web(c, environment_id=c.environment_id())),
    "ServiceProvider.repo": Case(lambda c: docker_web(c), expect=REFUSED),
    "ServiceProvider.branch": Case(lambda c: docker_web(c, branch="release")),
    "ServiceProvider.root_dir": Case(lambda c: docker_web(c, root_dir="services/api")),
    "ServiceProvider.auto_deploy": Case(lambda c: docker_web(c, auto_deploy=False)),
    "ServiceProvider.image": Case(lambda c: web(c), expect=REFUSED),
    # Removing the digest unpins: 'image' becomes the tag (checked on the live imagePath below).
    "ServiceProvider.image_digest": Case(lambda c: web(c, image_digest=DIGEST), expect=INERT),
    "ServiceProvider.registry_credential_id": Case(
        lambda c: web(c, registry_credential_id=c.registry_credential_id())),
    "ServiceProvider.build_command": Case(lambda c: static(c, build_command="npm run build")),
    "ServiceProvider.start_command": Case(lambda c: docker_web(c, start_command="serve --port 8080")),
    "ServiceProvider.docker_context": Case(lambda c: docker_web(c, docker_context="./api")),
    "ServiceProvider.dockerfile_path": Case(lambda c: docker_web(c, dockerfile_path="./api/Dockerfile")),
    "ServiceProvider.pre_deploy_command": Case(lambda c: web(c, pre_deploy_command="migrate")),
    "ServiceProvider.health_check_path": Case(lambda c: web(c, health_check_path="/healthz")),
    "ServiceProvider.num_instances": Case(lambda c: web(c, num_instances=3)),
    "ServiceProvider.autoscaling": Case(lambda c: web(c, autoscaling={"min": 1, "max": 3, "cpu_percent": 70})),
    "ServiceProvider.disk": Case(lambda c: web(c, disk={"name": "data", "mount_path": "/data", "size_gb": 1})),
    "ServiceProvider.schedule": Case(lambda c: cron(c), expect=REFUSED),
    "ServiceProvider.publish_path": Case(lambda c: static(c, publish_path="dist")),
    "ServiceProvider.headers": Case(lambda c: static(c, headers=HEADERS)),
    "ServiceProvider.routes": Case(lambda c: static(c, routes=ROUTES)),
    "ServiceProvider.maintenance_mode": Case(lambda c: web(c, maintenance_mode={"enabled": True})),
    "ServiceProvider.render_subdomain_policy": Case(lambda c: web(c, render_subdomain_policy="disabled")),
    "ServiceProvider.max_shutdown_delay_seconds": Case(lambda c: web(c, max_shutdown_delay_seconds=90)),
    "ServiceProvider.previews_generation": Case(lambda c: web(c, previews_generation="automatic")),
    "ServiceProvider.ip_allow_list": Case(
        lambda c: web(c, ip_allow_list=[{"cidr_block": "203.0.113.0/24", "description": "office"}])),
    "ServiceProvider.suspended": Case(lambda c: web(c, suspended=True)),
    # EnvGroup
    "EnvGroupProvider.environment_id": Case(lambda c: {"name": c.name("env"), "owner_id": c.owner,
                                                        "environment_id": c.environment_id()}),
    "EnvGroupProvider.variables": Case(lambda c: {"name": c.name("env"), "owner_id": c.owner,
                                                   "variables": {"LOG_LEVEL": "debug"}}),
    "EnvGroupProvider.files": Case(lambda c: {"name": c.name("env"), "owner_id": c.owner,
                                               "files": {"app.toml": "debug = true"}}),
    # Streams and credentials: the token's fingerprint is derived by check() from the variable.
    "LogStreamProvider.token_fingerprint": Case(
        lambda c: {"owner_id": c.owner, "endpoint": "logs.example.com:6514", "token_fingerprint": "sha256:x"}),
    "LogStreamProvider.preview_logs": Case(
        lambda c: {"owner_id": c.owner, "endpoint": "logs.example.com:6514", "preview_logs": "send"}),
    "MetricsStreamProvider.provider": Case(
        lambda c: {"owner_id": c.owner, "url": "https://otel.example.com/v1/metrics", "provider": "GRAFANA"}),
    "MetricsStreamProvider.token_fingerprint": Case(
        lambda c: {"owner_id": c.owner, "url": "https://otel.example.com/v1/metrics", "token_fingerprint": "sha256:x"}),
    "RegistryCredentialProvider.auth_token_fingerprint": Case(
        lambda c: {"name": "ghcr", "owner_id": c.owner, "registry": "GITHUB", "username": "bot",
                   "auth_token_env": "REGISTRY_PULL_TOKEN", "auth_token_fingerprint": "sha256:x"}),
    # Notifications
    "NotificationSettingsProvider.email_enabled": Case(lambda c: owner_settings(c, email_enabled=False)),
    "NotificationSettingsProvider.notifications_to_send": Case(
        lambda c: owner_settings(c, notifications_to_send="all")),
    "NotificationSettingsProvider.preview_notifications_enabled": Case(
        lambda c: owner_settings(c, preview_notifications_enabled=True)),
    "NotificationOverrideProvider.notifications_to_send": Case(lambda c: override(c, notifications_to_send="none")),
    "NotificationOverrideProvider.preview_notifications_enabled": Case(
        lambda c: override(c, preview_notifications_enabled="true")),
    # Deploy: an event, not a setting
    "DeployProvider.image_digest": Case(lambda c: {"service_id": "srv-x", "image_digest": DIGEST}),
    "DeployProvider.commit_id": Case(lambda c: {"service_id": "srv-x", "commit_id": "abc123"}),
    "DeployProvider.rollback_to": Case(lambda c: {"service_id": "srv-x", "rollback_to": "dep-x"}),
    "DeployProvider.triggers": Case(lambda c: {"service_id": "srv-x", "triggers": {"env": "v1"}}),
    "ReleaseCandidateProvider.triggers": Case(
        lambda c: {"service_id": "srv-x", "image_digest": DIGEST, "checks": [], "triggers": {"env": "v1"}}),
}

ROWS = optional_fields("dynamic_providers.render")


@pytest.fixture
def tokens(monkeypatch):
    monkeypatch.setenv("REGISTRY_PULL_TOKEN", "pull-token")


# Every service case creates services; Render allows 20 creates per window (the sandbox too).
@pytest.mark.sandbox_rate_limits(capacity_scale=4, reason="one service per case: more creates than one window allows")
@pytest.mark.parametrize("provider_cls", sorted({cls for cls, _, _ in ROWS}, key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_removing_each_optional_input_reverts_or_warns(sandbox, tokens, provider_cls):
    ctx = Ctx(sandbox)
    rows = [row for row in ROWS if row[0] is provider_cls]
    run_table(lambda cls: (lambda: Driver(configured(cls, sandbox))), ctx, CASES, rows)
    assert request_violations(sandbox) == []


def test_removing_the_digest_unpins_the_live_image(sandbox):
    ctx = Ctx(sandbox)
    d = Driver(configured(ServiceProvider, sandbox))
    pinned = web(ctx, image_digest=DIGEST)
    d.up(pinned)
    assert objects(sandbox, "services")[d.id]["imagePath"].endswith("@" + DIGEST)
    d.up({k: v for k, v in pinned.items() if k != "image_digest"})
    assert objects(sandbox, "services")[d.id]["imagePath"] == "ghcr.io/acme/api:1"


def test_autoscaling_removed_then_switched_on_out_of_band_is_drift(sandbox):
    """After removal autoscaling stays managed (as "off"): turning it on out of band shows on refresh."""
    ctx = Ctx(sandbox)
    d = Driver(configured(ServiceProvider, sandbox))
    scaled = web(ctx, autoscaling={"min": 1, "max": 3, "cpu_percent": 70})
    d.up(scaled)
    fixed = {k: v for k, v in scaled.items() if k != "autoscaling"}
    d.up(fixed)
    live = objects(sandbox, "services")[d.id]["serviceDetails"]
    assert not (live.get("autoscaling") or {}).get("enabled") and live["numInstances"] == 1
    d.refresh()
    assert not d.preview(fixed).changes
    sandbox.render.edit("services", d.id, set={"serviceDetails": {**live, "autoscaling": {
        "enabled": True, "min": 1, "max": 4,
        "criteria": {"cpu": {"enabled": True, "percentage": 60}, "memory": {"enabled": False, "percentage": 0}}}}})
    d.refresh()
    assert d.preview(fixed).changes, "autoscaling switched on out of band must show as drift"
    d.up(fixed)
    assert not (objects(sandbox, "services")[d.id]["serviceDetails"].get("autoscaling") or {}).get("enabled")


def test_an_adopted_service_gets_back_its_own_value_when_ours_is_removed(sandbox):
    """prior is taken from the live object at adoption: removal restores what it had before we managed it."""
    ctx = Ctx(sandbox)
    theirs = web(ctx, start_command="legacy-worker --port 80")
    Driver(configured(ServiceProvider, sandbox)).up(theirs)  # made by someone else
    d = Driver(configured(ServiceProvider, sandbox))
    ours = {**theirs, "start_command": "serve", "adopt": True}
    d.up(ours)
    assert d.outs["prior"]["start_command"] == "legacy-worker --port 80"
    live = objects(sandbox, "services")[d.id]["serviceDetails"]["envSpecificDetails"]
    assert live["dockerCommand"] == "serve"
    d.up({k: v for k, v in ours.items() if k != "start_command"})
    live = objects(sandbox, "services")[d.id]["serviceDetails"]["envSpecificDetails"]
    assert live["dockerCommand"] == "legacy-worker --port 80"
    d.refresh()
    assert not d.preview({k: v for k, v in ours.items() if k != "start_command"}).changes
