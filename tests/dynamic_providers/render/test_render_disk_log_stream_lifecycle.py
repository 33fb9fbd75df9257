"""Service disk changes after create, and the LogStream lifecycle, against the sandbox over HTTP:
update paths (no replacement), refresh without diff noise, faults converging, no spec violations."""
from __future__ import annotations

import pytest

from dynamic_providers.core import AdoptionRequiredError
from dynamic_providers.render.log_streams import LogStreamProvider
from dynamic_providers.render.services import ServiceProvider

from render_harness import Driver, configured, objects, render_requests, request_violations


def disk_service(sandbox, disk=None, service_type="web_service"):
    spec = {"name": "store", "owner_id": sandbox.render.owner_id, "service_type": service_type,
            "image": "ghcr.io/acme/store:1"}
    if disk is not None:
        spec["disk"] = disk
    d = Driver(configured(ServiceProvider, sandbox))
    d.up(spec)
    return d, spec


# ----------------------------------------------------------------------------- service disks
def test_disk_resized_and_renamed_in_place(sandbox):
    d, spec = disk_service(sandbox, {"name": "data", "mount_path": "/data", "size_gb": 1})
    disk_id = d.outs["disk_id"]
    assert disk_id.startswith("dsk-") and objects(sandbox, "disks")[disk_id]["serviceId"] == d.id
    service_id = d.id
    changed = {**spec, "disk": {"name": "cache", "mount_path": "/var/cache", "size_gb": 5}}
    diff = d.preview(changed)
    assert diff.changes is True and not diff.replaces
    sandbox.render.journal.clear()
    d.up(changed)
    assert d.id == service_id and d.outs["disk_id"] == disk_id  # same service, same disk
    assert [e.operation for e in render_requests(sandbox, "PATCH")] == ["/disks/{diskId}"]
    assert render_requests(sandbox, "POST") == [] and render_requests(sandbox, "DELETE") == []
    disk = objects(sandbox, "disks")[disk_id]
    assert (disk["name"], disk["mountPath"], disk["sizeGB"]) == ("cache", "/var/cache", 5)
    assert objects(sandbox, "services")[d.id]["serviceDetails"]["disk"]["sizeGB"] == 5
    d.refresh()
    assert d.inputs["disk"] == {"name": "cache", "mount_path": "/var/cache", "size_gb": 5}
    assert d.preview(changed).changes is False  # refresh leaves no diff noise
    with pytest.raises(Exception, match="only grow"):
        d.up({**changed, "disk": {"name": "cache", "mount_path": "/var/cache", "size_gb": 2}})
    assert objects(sandbox, "disks")[disk_id]["sizeGB"] == 5
    assert request_violations(sandbox) == []


def test_disk_added_after_create_and_drift_detected(sandbox):
    d, spec = disk_service(sandbox, service_type="private_service")
    assert d.outs["disk_id"] is None
    with_disk = {**spec, "disk": {"name": "data", "mount_path": "/data", "size_gb": 3}}
    assert not d.preview(with_disk).replaces
    sandbox.render.journal.clear()
    d.up(with_disk)
    assert [e.operation for e in render_requests(sandbox, "POST")] == ["/disks"]
    (disk_id, disk), = objects(sandbox, "disks").items()
    assert d.outs["disk_id"] == disk_id and disk["sizeGB"] == 3
    sandbox.render.edit("disks", disk_id, {"sizeGB": 4})  # grown in the dashboard
    d.refresh()
    assert d.preview(with_disk).changes is True  # drift shows
    assert request_violations(sandbox) == []


def test_disk_patch_converges_through_rate_limit_and_lost_response(sandbox):
    d, spec = disk_service(sandbox, {"name": "data", "mount_path": "/data", "size_gb": 1})
    sandbox.render.add_fault("rate_limit", method="PATCH", path="/v1/disks/{id}", count=1, retry_after=1)
    sandbox.render.add_fault("drop_response", method="PATCH", path="/v1/disks/{id}", count=1)
    d.up({**spec, "disk": {"name": "data", "mount_path": "/data", "size_gb": 2}})
    assert objects(sandbox, "disks")[d.outs["disk_id"]]["sizeGB"] == 2
    patches = [e for e in render_requests(sandbox, "PATCH") if e.path.startswith("/v1/disks/")]
    assert [e.status for e in patches] == [429, None, 200]  # waited, lost the answer, re-sent (idempotent)
    assert request_violations(sandbox) == []


# ----------------------------------------------------------------------------- log stream
LOG_TOKEN_ENV = "RENDER_LOG_STREAM_TOKEN"


def stream(sandbox, **extra):
    return {"owner_id": sandbox.render.owner_id, "endpoint": "logs.example.com:6514", "token_env": LOG_TOKEN_ENV,
            **extra}


@pytest.fixture(autouse=True)
def log_stream_token(monkeypatch):
    monkeypatch.setenv(LOG_TOKEN_ENV, "tok-1")


def test_log_stream_lifecycle(sandbox, monkeypatch):
    d = Driver(configured(LogStreamProvider, sandbox))
    owner = sandbox.render.owner_id
    outs = d.up(stream(sandbox))
    assert "tok-1" not in repr(outs) and outs["token_fingerprint"].startswith("sha256:")
    assert d.id == f"{owner}/log-stream" and outs["preview_logs"] == "drop"
    live = objects(sandbox, "log_streams")[owner]
    assert live["endpoint"] == "logs.example.com:6514" and live["_token"] == "tok-1" and live["preview"] == "drop"
    d.refresh()
    assert d.inputs["endpoint"] == "logs.example.com:6514" and d.inputs["preview_logs"] == "drop"
    assert d.preview(stream(sandbox)).changes is False
    monkeypatch.setenv(LOG_TOKEN_ENV, "tok-2")  # rotated in the environment (ESC)
    assert d.preview(stream(sandbox)).changes is True
    changed = stream(sandbox, endpoint="logs2.example.com:6514", preview_logs="send")
    diff = d.preview(changed)
    assert diff.changes is True and not diff.replaces
    d.up(changed)
    live = objects(sandbox, "log_streams")[owner]
    assert (live["endpoint"], live["preview"], live["_token"]) == ("logs2.example.com:6514", "send", "tok-2")
    d.refresh()
    assert d.preview(changed).changes is False
    sandbox.render.edit("log_streams", owner, {"preview": "drop"})  # dashboard change
    d.refresh()
    assert d.preview(changed).changes is True
    d.destroy()
    assert objects(sandbox, "log_streams") == {}
    d.destroy()  # 404 on delete is done
    assert d.refresh().id is None  # gone reads as gone
    assert request_violations(sandbox) == []


def test_log_stream_to_another_endpoint_needs_adopt(sandbox):
    other = Driver(configured(LogStreamProvider, sandbox))
    other.up(stream(sandbox, endpoint="theirs.example.com:1"))
    d = Driver(configured(LogStreamProvider, sandbox))
    with pytest.raises(AdoptionRequiredError):
        d.up(stream(sandbox))
    d.up(stream(sandbox, adopt=True))
    assert objects(sandbox, "log_streams")[sandbox.render.owner_id]["endpoint"] == "logs.example.com:6514"


@pytest.mark.parametrize("kind,extra", [("rate_limit", {"retry_after": 1}), ("drop_response", {}),
                                        ("error", {"status": 503})])
def test_log_stream_create_converges_under_faults(sandbox, kind, extra):
    sandbox.render.add_fault(kind, method="PUT", path="/v1/logs/streams/owner/{id}", count=1, **extra)
    d = Driver(configured(LogStreamProvider, sandbox))
    d.up(stream(sandbox))
    assert objects(sandbox, "log_streams")[sandbox.render.owner_id]["endpoint"] == "logs.example.com:6514"
    assert d.preview(stream(sandbox)).changes is False
    # PUT of a singleton is idempotent: after any of these the transport re-sends it, and one stream results.
    assert [e.status for e in render_requests(sandbox, "PUT")] == [{"rate_limit": 429, "error": 503}.get(kind), 200]
    assert request_violations(sandbox) == []


def test_log_stream_delete_converges_after_lost_response(sandbox):
    d = Driver(configured(LogStreamProvider, sandbox))
    d.up(stream(sandbox))
    sandbox.render.add_fault("drop_response", method="DELETE", count=1)
    d.destroy()
    assert objects(sandbox, "log_streams") == {}
