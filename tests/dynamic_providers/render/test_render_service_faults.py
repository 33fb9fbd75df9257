"""Service under every sandbox fault kind: the outcome is asserted (converged, no duplicate, no orphan)."""
from __future__ import annotations

import pytest

from dynamic_providers.core import HttpOptions, ServerError, TransportError
from dynamic_providers.render.services import ServiceProvider

from render_harness import FAST, Driver, configured, objects, render_requests, request_violations

DIGEST = "sha256:" + "c" * 64


def spec(owner, **extra):
    return {"name": "api", "owner_id": owner, "service_type": "web_service", "image": "ghcr.io/acme/api",
            "image_digest": DIGEST, "health_check_path": "/healthz", **extra}


def only_service(sandbox):
    services = objects(sandbox, "services")
    assert len(services) == 1, f"expected exactly one service, found {sorted(services)}"
    return next(iter(services.values()))


@pytest.mark.parametrize("kind,extra", [
    ("rate_limit", {"retry_after": 1}),
    ("error", {"status": 503}),
    ("reset", {}),
    ("drop_response", {}),  # the create happened; only its response was lost
    ("slow", {"delay": 2.0}),  # processed, but answered after the client's read timeout
])
def test_create_converges_without_duplicate(sandbox, kind, extra):
    sandbox.render.add_fault(kind, method="POST", path="/v1/services", count=1, **extra)
    d = Driver(configured(ServiceProvider, sandbox))
    outs = d.up(spec(sandbox.render.owner_id))
    live = only_service(sandbox)
    assert d.id == live["id"] and outs["url"]
    posts = [e for e in render_requests(sandbox, "POST") if e.path == "/v1/services"]
    # 429 and a pre-processing 503/reset are re-sent after a lookup; a processed create never is.
    assert len(posts) == (1 if kind in ("drop_response", "slow") else 2)
    assert d.preview(spec(sandbox.render.owner_id)).changes is False
    assert request_violations(sandbox) == []


def test_5xx_burst_on_reads_and_updates_is_ridden_out(sandbox):
    d = Driver(configured(ServiceProvider, sandbox))
    d.up(spec(sandbox.render.owner_id))
    sandbox.render.add_fault("error", method="GET", path="/v1/services/{id}", count=3, status=502)
    assert d.refresh().id == d.id
    sandbox.render.add_fault("error", method="PATCH", path="/v1/services/{id}", count=2, status=500)
    d.up(spec(sandbox.render.owner_id, health_check_path="/ready"))
    assert only_service(sandbox)["serviceDetails"]["healthCheckPath"] == "/ready"


def test_rate_limited_update_waits_and_succeeds(sandbox):
    d = Driver(configured(ServiceProvider, sandbox))
    d.up(spec(sandbox.render.owner_id))
    sandbox.render.add_fault("rate_limit", method="PATCH", count=2, retry_after=1)
    d.up(spec(sandbox.render.owner_id, health_check_path="/ready"))
    assert only_service(sandbox)["serviceDetails"]["healthCheckPath"] == "/ready"
    patches = render_requests(sandbox, "PATCH")  # faulted entries included (matched by method)
    assert [e.status for e in patches] == [429, 429, 200]


def test_reset_and_timeout_on_delete_still_deletes(sandbox):
    d = Driver(configured(ServiceProvider, sandbox))
    d.up(spec(sandbox.render.owner_id))
    sandbox.render.add_fault("reset", method="DELETE", count=1)
    sandbox.render.add_fault("slow", method="DELETE", count=1, delay=2.0)
    d.destroy()  # DELETE is idempotent: retried; the 404 after a processed delete counts as done
    assert objects(sandbox, "services") == {}


def test_persistent_outage_fails_with_clear_error_and_leaves_no_orphan(sandbox):
    sandbox.render.add_fault("error", method="POST", path="/v1/services", count=None, status=503)
    d = Driver(configured(ServiceProvider, sandbox))
    with pytest.raises(ServerError) as info:
        d.up(spec(sandbox.render.owner_id))
    assert "Render API POST /v1/services failed (HTTP 503)" in str(info.value)
    assert sandbox.render.token not in str(info.value)
    assert objects(sandbox, "services") == {}


def test_timeout_on_every_read_reports_transport_error(sandbox):
    d = Driver(configured(ServiceProvider, sandbox, http=HttpOptions(read_timeout=0.3, max_attempts=2,
                                                                      backoff_base=0.01)))
    d.up(spec(sandbox.render.owner_id))
    sandbox.render.add_fault("slow", method="GET", count=None, delay=1.0)
    with pytest.raises(TransportError, match=r"GET /v1/services/srv-[0-9a-z]+ failed \(no response\): timed out"):
        d.refresh()
