"""Drives Render providers the way the Pulumi engine does, against the sandbox over real HTTP.

``Driver`` keeps the state the engine would keep (outputs = olds for diff/update/read/delete) and
applies check before create/diff/update, so tests read like a deployment:
``d.up(inputs)`` -> ``d.refresh()`` -> ``d.up(changed)`` -> ``d.preview(same)`` -> ``d.destroy()``.
"""
from __future__ import annotations

from typing import Any, Optional

from pulumi.dynamic import Config, ConfigureRequest

from dynamic_providers.core import HttpOptions

# Fast but realistic: retries keep their shape, the waits are short so fault tests stay quick.
FAST = HttpOptions(connect_timeout=2, read_timeout=1.0, max_attempts=4, backoff_base=0.02, backoff_cap=0.1,
                   max_rate_limit_wait=5)


def configured(provider_cls, sandbox, http: HttpOptions = FAST, **kwargs):
    """A provider configured the way the engine does it: the URL (and the traffic gateway, as the local stack
    sets it) from the stack config; the token is read from RENDER_API_KEY at call time
    (tests/dynamic_providers/render/conftest.py sets it)."""
    provider = provider_cls(http=http, **kwargs)
    provider.configure(ConfigureRequest(Config({"procurement:renderApiUrl": sandbox.render.base_url,
                                                "procurement:renderTrafficGatewayUrl": sandbox.traffic_gateway_url},
                                               "procurement")))
    return provider


class CheckFailed(Exception):
    pass


class Driver:
    def __init__(self, provider) -> None:
        self.p = provider
        self.id: Optional[str] = None
        self.outs: dict[str, Any] = {}
        self.inputs: dict[str, Any] = {}

    def check(self, news: dict, olds: Optional[dict] = None) -> dict:
        result = self.p.check(olds if olds is not None else self.inputs, {**news, "__provider": "p"})
        if result.failures:
            raise CheckFailed([(f.property, f.reason) for f in result.failures])
        return result.inputs

    def up(self, news: dict) -> dict:
        """create (first time) or diff+update; returns the outputs. Replacement is delete+create."""
        inputs = self.check(news)
        if self.id is None:
            created = self.p.create(inputs)
            self.id, self.outs = created.id, dict(created.outs)
        else:
            diff = self.p.diff(self.id, self.outs, inputs)
            if diff.replaces:
                self.p.delete(self.id, self.outs)
                created = self.p.create(inputs)
                self.id, self.outs = created.id, dict(created.outs)
            elif diff.changes:
                self.outs = dict(self.p.update(self.id, self.outs, inputs).outs)
        self.inputs = inputs
        return self.outs

    def preview(self, news: dict):
        return self.p.diff(self.id, self.outs, self.check(news))

    def refresh(self):
        result = self.p.read(self.id, {**self.outs, "__provider": "p"})
        if result.id is None:
            self.id, self.outs = None, {}
        else:
            self.outs, self.inputs = dict(result.outs), dict(result.inputs)
        return result

    def destroy(self) -> None:
        self.p.delete(self.id, self.outs)


def render_requests(sandbox, method: Optional[str] = None, operation: Optional[str] = None):
    return [e for e in sandbox.render.journal.entries()
            if (method is None or e.method == method) and (operation is None or e.operation == operation)]


def request_violations(sandbox) -> list[str]:
    return [f"{e.method} {e.path}: {v}" for e in sandbox.request_violations() for v in e.request_violations]


def objects(sandbox, collection: str) -> dict:
    return dict(sandbox.render.store.data[collection])



RELEASE_IMAGE = "ghcr.io/acme/api"  # the repository of the release tests' web service
RELEASE_DIGESTS = {n: "sha256:" + str(n) * 64 for n in range(1, 4)}


def live_web_service(sandbox) -> tuple[str, str]:
    """A web service named "api" running RELEASE_IMAGE at digest 1, health-checked on /healthz and live: (its id,
    its first deploy's id)."""
    from tools.sandbox.testing import wait_for

    owner = sandbox.render.owner_id
    created = sandbox.render.client().post("/services", json={
        "type": "web_service", "name": "api", "ownerId": owner,
        "image": {"ownerId": owner, "imagePath": f"{RELEASE_IMAGE}@{RELEASE_DIGESTS[1]}"},
        "serviceDetails": {"runtime": "image", "healthCheckPath": "/healthz"}})
    assert created.status_code == 201, created.text
    sid, first = created.json()["service"]["id"], created.json()["deployId"]
    api = sandbox.render.client()
    wait_for(lambda: api.get(f"/services/{sid}/deploys/{first}").json()["status"] == "live", timeout=30)
    return sid, first
