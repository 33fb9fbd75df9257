"""NotificationSettings, NotificationOverride and MetricsStream against the sandbox over HTTP: declared fields
only, refresh without diff noise, drift shown, removal reverts to Render's defaults, adoption of someone else's
settings, lost answers converging, tokens from the environment never stored; plus the decoders on the recorded
answers (tolerant of nulls and unknown values)."""
from __future__ import annotations

import json

import pytest

from dynamic_providers.core import AdoptionRequiredError
from dynamic_providers.core import MissingCredentialsError
from dynamic_providers.render.metrics_streams import MetricsStreamProvider
from dynamic_providers.render.models import decode_metrics_stream, decode_override, decode_owner_settings
from dynamic_providers.render.notifications import NotificationOverrideProvider, NotificationSettingsProvider
from dynamic_providers.render.services import ServiceProvider
from tools.sandbox.recordings import render_exchanges

from render_harness import Driver, configured, objects, render_requests, request_violations


def owner_settings(sandbox):
    return objects(sandbox, "notification_settings").get(sandbox.render.owner_id)


def test_owner_settings_lifecycle_and_removal_restores_renders_defaults(sandbox):
    d = Driver(configured(NotificationSettingsProvider, sandbox))
    owner = sandbox.render.owner_id
    declared = {"owner_id": owner, "notifications_to_send": "all", "email_enabled": True}
    d.up(declared)
    assert d.id == f"{owner}/notification-settings"
    assert owner_settings(sandbox)["notificationsToSend"] == "all"
    assert [e.operation for e in render_requests(sandbox, "PATCH")] == ["/notification-settings/owners/{ownerId}"]
    d.refresh()
    assert d.inputs["notifications_to_send"] == "all" and d.inputs["preview_notifications_enabled"] is None
    assert d.preview(declared).changes is False  # undeclared fields are Render's business

    sandbox.render.edit("notification_settings", owner, {"notificationsToSend": "none"})  # dashboard change
    d.refresh()
    assert d.inputs["notifications_to_send"] == "none" and d.preview(declared).changes is True
    sandbox.render.journal.clear()
    d.up(declared)
    assert len(render_requests(sandbox, "PATCH")) == 1
    assert owner_settings(sandbox)["notificationsToSend"] == "all"

    d.destroy()
    live = owner_settings(sandbox)
    assert (live["emailEnabled"], live["notificationsToSend"], live["previewNotificationsEnabled"]) == \
        (True, "failure", False)
    assert request_violations(sandbox) == []


def test_owner_settings_someone_else_changed_need_adopt(sandbox):
    owner = sandbox.render.owner_id
    sandbox.render.client().patch(f"/notification-settings/owners/{owner}", json={"notificationsToSend": "none"})
    d = Driver(configured(NotificationSettingsProvider, sandbox))
    with pytest.raises(AdoptionRequiredError, match="already exists"):
        d.up({"owner_id": owner, "notifications_to_send": "failure"})
    assert owner_settings(sandbox)["notificationsToSend"] == "none"  # untouched
    d.up({"owner_id": owner, "notifications_to_send": "failure", "adopt": True})
    assert owner_settings(sandbox)["notificationsToSend"] == "failure"
    # Settings already as declared (or still Render's defaults) need no adopt.
    again = Driver(configured(NotificationSettingsProvider, sandbox))
    again.up({"owner_id": owner, "notifications_to_send": "failure"})


def web_service(sandbox, name="api"):
    d = Driver(configured(ServiceProvider, sandbox))
    d.up({"name": name, "owner_id": sandbox.render.owner_id, "service_type": "web_service",
          "image": "ghcr.io/acme/api:1"})
    return d.id


def test_service_override_lifecycle_drives_notify_on_fail_and_reverts_on_delete(sandbox):
    service_id = web_service(sandbox)
    d = Driver(configured(NotificationOverrideProvider, sandbox))
    declared = {"service_id": service_id, "notifications_to_send": "failure"}
    d.up(declared)
    assert d.id == f"{service_id}/notifications"
    assert objects(sandbox, "services")[service_id]["notifyOnFail"] == "notify"
    d.refresh()
    assert d.preview(declared).changes is False
    changed = {**declared, "notifications_to_send": "all", "preview_notifications_enabled": "false"}
    diff = d.preview(changed)
    assert diff.changes and not diff.replaces
    sandbox.render.journal.clear()
    d.up(changed)
    patches = render_requests(sandbox, "PATCH")
    assert len(patches) == 1  # only what changed
    assert objects(sandbox, "notification_overrides")[service_id] == {"notificationsToSend": "all",
                                                                      "previewNotificationsEnabled": "false"}
    with pytest.raises(Exception, match="must be one of"):
        d.up({**declared, "notifications_to_send": "sometimes"})
    d.destroy()
    assert objects(sandbox, "services")[service_id]["notifyOnFail"] == "default"
    d.up(declared)
    sandbox.render.client().delete(f"/services/{service_id}")
    d.destroy()  # the service went first: nothing left to revert, done
    assert d.refresh().id is None  # the service and its override are gone
    assert request_violations(sandbox) == []


def test_service_override_converges_after_a_lost_answer(sandbox):
    service_id = web_service(sandbox)
    sandbox.render.add_fault("drop_response", method="PATCH", path="/v1/notification-settings/overrides/services/{id}",
                             count=1)
    d = Driver(configured(NotificationOverrideProvider, sandbox))
    d.up({"service_id": service_id, "notifications_to_send": "failure"})
    assert objects(sandbox, "notification_overrides")[service_id]["notificationsToSend"] == "failure"
    assert [e.status for e in render_requests(sandbox, "PATCH")] == [None, 200]  # idempotent: re-sent once


def stream(sandbox, **extra):
    return {"owner_id": sandbox.render.owner_id, "url": "https://otel.example.com/v1/metrics",
            "token_env": "TEST_METRICS_TOKEN", **extra}


def test_metrics_stream_lifecycle_token_from_the_environment(sandbox, monkeypatch):
    monkeypatch.setenv("TEST_METRICS_TOKEN", "otel-token-1")
    d = Driver(configured(MetricsStreamProvider, sandbox))
    owner = sandbox.render.owner_id
    outs = d.up(stream(sandbox))
    assert d.id == f"{owner}/metrics-stream" and outs["provider"] == "CUSTOM"
    live = objects(sandbox, "metrics_streams")[owner]
    assert (live["url"], live["_token"]) == ("https://otel.example.com/v1/metrics", "otel-token-1")
    assert "otel-token-1" not in json.dumps(outs) and outs["token_fingerprint"].startswith("sha256:")
    d.refresh()
    assert d.preview(stream(sandbox)).changes is False

    monkeypatch.setenv("TEST_METRICS_TOKEN", "otel-token-2")  # rotated: a change, re-sent by up
    assert d.preview(stream(sandbox)).changes is True
    d.up(stream(sandbox))
    assert objects(sandbox, "metrics_streams")[owner]["_token"] == "otel-token-2"
    monkeypatch.delenv("TEST_METRICS_TOKEN")  # a preview without credentials changes nothing
    assert d.preview(stream(sandbox)).changes is False
    with pytest.raises(MissingCredentialsError, match="TEST_METRICS_TOKEN"):
        d.up(stream(sandbox, url="https://otel2.example.com/v1/metrics"))

    sandbox.render.edit("metrics_streams", owner, {"url": "https://elsewhere.example.com"})  # dashboard change
    d.refresh()
    assert d.inputs["url"] == "https://elsewhere.example.com"
    d.destroy()
    assert objects(sandbox, "metrics_streams") == {}
    d.destroy()  # 404 on delete is done
    assert d.refresh().id is None
    assert request_violations(sandbox) == []


def test_metrics_stream_to_another_url_needs_adopt(sandbox, monkeypatch):
    monkeypatch.setenv("TEST_METRICS_TOKEN", "t")
    Driver(configured(MetricsStreamProvider, sandbox)).up(stream(sandbox, url="https://theirs.example.com"))
    d = Driver(configured(MetricsStreamProvider, sandbox))
    with pytest.raises(AdoptionRequiredError):
        d.up(stream(sandbox))
    d.up(stream(sandbox, adopt=True))
    assert objects(sandbox, "metrics_streams")[sandbox.render.owner_id]["url"] == "https://otel.example.com/v1/metrics"


def _recorded(fragment: str):
    return [e for e in render_exchanges() if fragment in e.path and 200 <= e.status < 300 and e.response_body]


def test_decoders_read_every_recorded_answer():
    owners = _recorded("/notification-settings/owners/")
    overrides = _recorded("/notification-settings/overrides/services/")
    streams = _recorded("/metrics-stream/")
    assert owners and overrides and streams
    for exchange in owners:
        decoded = decode_owner_settings(exchange.response_body)
        assert decoded["notifications_to_send"] in ("none", "failure", "all") and decoded["owner_id"]
    for exchange in overrides:
        decoded = decode_override(exchange.response_body)
        assert decoded["notifications_to_send"] in ("default", "none", "failure", "all")
        assert decoded["preview_notifications_enabled"] in ("default", "false", "true")
    for exchange in streams:
        assert decode_metrics_stream(exchange.response_body)["url"].startswith("https://")
    # Tolerant: nulls, wrong types and unknown fields never raise.
    assert decode_owner_settings({"emailEnabled": None, "notificationsToSend": 3, "new": 1})["email_enabled"] is None
    assert decode_override(None) == {"service_id": None, "notifications_to_send": None,
                                     "preview_notifications_enabled": None}
    assert decode_override({"previewNotificationsEnabled": True})["preview_notifications_enabled"] == "true"
    assert decode_metrics_stream([])["url"] is None
