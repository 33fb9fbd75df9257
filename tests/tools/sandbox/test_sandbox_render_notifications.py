"""Render notification settings (owner defaults, per-service overrides) and the metrics stream, over HTTP."""

from tests.tools.sandbox.test_sandbox_render_disks_log_streams import create


def test_owner_settings_start_at_renders_defaults_and_patch_changes_only_what_it_sends(sandbox):
    api = sandbox.render.client()
    path = f"/notification-settings/owners/{sandbox.render.owner_id}"
    assert api.get(path).json() == {"ownerId": sandbox.render.owner_id, "slackEnabled": False, "emailEnabled": True,
                                    "previewNotificationsEnabled": False, "notificationsToSend": "failure"}
    patched = api.patch(path, json={"notificationsToSend": "all"})
    assert patched.status_code == 200 and patched.json()["notificationsToSend"] == "all"
    assert patched.json()["emailEnabled"] is True  # untouched
    assert api.get(path).json()["notificationsToSend"] == "all"
    bad = api.patch(path, json={"notificationsToSend": "sometimes"})
    assert bad.status_code == 400 and "notificationsToSend" in bad.json()["message"]
    assert api.patch(path, json={"slackEnabled": True}).json()["slackEnabled"] is False  # read-only field ignored
    assert api.get("/notification-settings/owners/tea-unknown0000000000000").status_code == 404


def test_service_override_defaults_patches_and_drives_notify_on_fail(sandbox):
    api = sandbox.render.client()
    service = create(sandbox, api, name="api")
    path = f"/notification-settings/overrides/services/{service['id']}"
    assert service["notifyOnFail"] == "default"
    assert api.get(path).json() == {"serviceId": service["id"], "previewNotificationsEnabled": "default",
                                    "notificationsToSend": "default"}
    answer = api.patch(path, json={"notificationsToSend": "failure"})
    assert answer.status_code == 200
    assert answer.json() == {"serviceId": service["id"], "previewNotificationsEnabled": "default",
                             "notificationsToSend": "failure"}
    assert api.get(f"/services/{service['id']}").json()["notifyOnFail"] == "notify"
    api.patch(path, json={"notificationsToSend": "none"})
    assert api.get(f"/services/{service['id']}").json()["notifyOnFail"] == "ignore"
    assert api.patch(path, json={"previewNotificationsEnabled": True}).status_code == 400  # a string enum

    listed = api.get("/notification-settings/overrides", params={"serviceId": service["id"]}).json()
    assert [item["override"]["notificationsToSend"] for item in listed] == ["none"] and listed[0]["cursor"]
    assert api.get(f"/notification-settings/overrides/services/srv-{'0' * 20}").status_code == 404
    api.delete(f"/services/{service['id']}")
    assert api.get(path).status_code == 404
    assert sandbox.render.store.data["notification_overrides"] == {}


def test_metrics_stream_put_get_delete_and_the_token_is_never_returned(sandbox):
    api = sandbox.render.client()
    path = f"/metrics-stream/{sandbox.render.owner_id}"
    assert api.get(path).status_code == 404
    assert api.put(path, json={"url": "https://otel.example.com"}).status_code == 400  # a new stream needs both
    put = api.put(path, json={"provider": "CUSTOM", "url": "https://otel.example.com", "token": "otel-token"})
    assert put.status_code == 200
    assert put.json() == {"ownerId": sandbox.render.owner_id, "provider": "CUSTOM", "url": "https://otel.example.com"}
    assert "otel-token" not in api.get(path).text
    assert sandbox.render.store.data["metrics_streams"][sandbox.render.owner_id]["_token"] == "otel-token"
    assert api.put(path, json={"provider": "ELASTIC"}).status_code == 400  # not in the spec's enum
    assert api.put(path, json={"url": "https://otel2.example.com"}).json()["provider"] == "CUSTOM"
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404 and api.delete(path).status_code == 404
