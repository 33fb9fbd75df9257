"""Render disks (kept consistent with the service's serviceDetails.disk) and log streams, over HTTP."""

import pytest


def create(sandbox, api, service_type="web_service", name="api", disk=None, plan="starter"):
    details = {"runtime": "image", "plan": plan}
    if service_type == "cron_job":
        details["schedule"] = "0 * * * *"
    if disk:
        details["disk"] = disk
    body = {"type": service_type, "name": name, "ownerId": sandbox.render.owner_id,
            "image": {"ownerId": sandbox.render.owner_id, "imagePath": "ghcr.io/acme/x:1"}, "serviceDetails": details}
    response = api.post("/services", json=body)
    assert response.status_code == 201, response.text
    return response.json()["service"]


def test_disk_from_service_create_is_a_disk_record_and_changes_show_on_the_service(sandbox):
    api = sandbox.render.client()
    service = create(sandbox, api, disk={"name": "data", "mountPath": "/data", "sizeGB": 2})
    view = service["serviceDetails"]["disk"]
    assert set(view) == {"id", "name", "sizeGB", "mountPath"} and view["id"].startswith("dsk-")
    disk = api.get(f"/disks/{view['id']}").json()
    assert disk["serviceId"] == service["id"] and disk["sizeGB"] == 2 and disk["createdAt"] == disk["updatedAt"]

    patched = api.patch(f"/disks/{view['id']}", json={"name": "store", "sizeGB": 5, "mountPath": "/var/store"})
    assert patched.status_code == 200 and patched.json()["sizeGB"] == 5
    assert api.get(f"/services/{service['id']}").json()["serviceDetails"]["disk"] == {
        "id": view["id"], "name": "store", "sizeGB": 5, "mountPath": "/var/store"}
    shrink = api.patch(f"/disks/{view['id']}", json={"sizeGB": 4})
    assert shrink.status_code == 400 and "only be increased" in shrink.json()["message"]

    listed = api.get("/disks", params={"serviceId": service["id"]}).json()
    assert [item["disk"]["id"] for item in listed] == [view["id"]] and listed[0]["cursor"]
    assert api.get("/disks", params={"name": "nope"}).json() == []

    assert api.delete(f"/disks/{view['id']}").status_code == 204
    assert "disk" not in api.get(f"/services/{service['id']}").json()["serviceDetails"]
    assert api.get(f"/disks/{view['id']}").status_code == 404


def test_add_disk_rules_and_service_delete_removes_it(sandbox):
    api = sandbox.render.client()
    service = create(sandbox, api, "private_service", "db")
    body = {"name": "d", "sizeGB": 1, "mountPath": "/d", "serviceId": service["id"]}
    added = api.post("/disks", json=body)
    assert added.status_code == 201, added.text
    assert api.get(f"/services/{service['id']}").json()["serviceDetails"]["disk"]["id"] == added.json()["id"]
    assert api.post("/disks", json=body).status_code == 400  # one disk per service
    cron = create(sandbox, api, "cron_job", "cron")
    assert api.post("/disks", json={**body, "serviceId": cron["id"]}).status_code == 400
    free = create(sandbox, api, name="free", plan="free")
    assert "paid" in api.post("/disks", json={**body, "serviceId": free["id"]}).json()["message"]
    assert api.post("/disks", json={**body, "serviceId": "srv-" + "0" * 20}).status_code == 404
    assert api.post("/disks", json={"name": "d", "mountPath": "/d", "serviceId": service["id"]}).status_code == 400
    assert sandbox.render.journal.request_violations()  # the missing sizeGB was a spec violation

    api.delete(f"/services/{service['id']}")
    assert api.get(f"/disks/{added.json()['id']}").status_code == 404
    assert api.get("/disks/dsk-" + "0" * 20 + "/snapshots").status_code == 501


def test_out_of_band_disk_edits_stay_consistent(sandbox):
    api = sandbox.render.client()
    service = create(sandbox, api, disk={"name": "data", "mountPath": "/data"})
    disk_id = service["serviceDetails"]["disk"]["id"]
    sandbox.render.edit("disks", disk_id, {"sizeGB": 9})
    assert api.get(f"/services/{service['id']}").json()["serviceDetails"]["disk"]["sizeGB"] == 9
    sandbox.render.edit("services", service["id"], {"serviceDetails.disk.name": "renamed"})
    assert api.get(f"/disks/{disk_id}").json()["name"] == "renamed"


def test_owner_log_stream_put_get_delete(sandbox):
    api = sandbox.render.client()
    path = f"/logs/streams/owner/{sandbox.render.owner_id}"
    assert api.get(path).status_code == 404  # never configured
    put = api.put(path, json={"endpoint": "logs.example.com:6514", "token": "s3cret", "preview": "send"})
    assert put.status_code == 200
    assert put.json() == {"ownerId": sandbox.render.owner_id, "endpoint": "logs.example.com:6514", "preview": "send"}
    assert api.get(path).json() == put.json()  # the token is never returned
    assert sandbox.render.store["log_streams"][sandbox.render.owner_id]["_token"] == "s3cret"
    kept = api.put(path, json={"preview": "drop"}).json()  # endpoint and token left out: kept
    assert kept["endpoint"] == "logs.example.com:6514" and kept["preview"] == "drop"
    assert sandbox.render.store["log_streams"][sandbox.render.owner_id]["_token"] == "s3cret"
    bad = api.put(path, json={"endpoint": "x:1", "preview": "maybe"})
    assert bad.status_code == 400 and "enum" in bad.json()["message"]
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404 and api.delete(path).status_code == 404
    assert api.get("/logs/streams/owner/tea-" + "0" * 20).status_code == 404


@pytest.mark.parametrize("setting,endpoint,status", [("send", "logs.example.com:6514", 200), ("drop", "", 200),
                                                      ("send", "", 400), ("drop", "x:1", 400)])
def test_resource_log_stream_override_rules(sandbox, setting, endpoint, status):
    api = sandbox.render.client()
    service = create(sandbox, api)
    path = f"/logs/streams/resource/{service['id']}"
    body = {"setting": setting, **({"endpoint": endpoint} if endpoint else {})}
    answer = api.put(path, json=body)
    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.json() == {"resourceId": service["id"], "endpoint": endpoint, "setting": setting}
        assert api.get(path).json() == answer.json()
        assert api.delete(path).status_code == 204
    assert api.get(path).json() == {"message": f"not found: {service['id']}"}  # as recorded
