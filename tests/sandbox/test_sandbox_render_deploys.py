"""Render deploys: lifecycle to live after the configured delay, list/get, cancel, rollback."""

import pytest

from sandbox.testing import wait_for


def create_image_service(api, sandbox, name="api"):
    body = {"type": "web_service", "name": name, "ownerId": sandbox.render.owner_id,
            "image": {"ownerId": sandbox.render.owner_id, "imagePath": "ghcr.io/acme/api:1.0"},
            "serviceDetails": {"runtime": "image"}}
    created = api.post("/services", json=body).json()
    return created["service"]["id"], created["deployId"]


def test_first_deploy_goes_live_after_the_delay(sandbox):
    api = sandbox.render.client()
    sid, deploy_id = create_image_service(api, sandbox)
    first = api.get(f"/services/{sid}/deploys/{deploy_id}").json()
    assert first["status"] == "build_in_progress"
    assert first["image"]["ref"] == "ghcr.io/acme/api:1.0" and first["image"]["sha"].startswith("sha256:")
    live = wait_for(lambda: api.get(f"/services/{sid}/deploys/{deploy_id}").json()["status"] == "live", timeout=5)
    assert live
    finished = api.get(f"/services/{sid}/deploys/{deploy_id}").json()
    assert finished["finishedAt"] >= finished["createdAt"]


def test_new_deploy_replaces_the_live_one_and_rollback_restores_the_image(sandbox):
    api = sandbox.render.client()
    sid, first = create_image_service(api, sandbox)
    wait_for(lambda: api.get(f"/services/{sid}/deploys/{first}").json()["status"] == "live")
    second = api.post(f"/services/{sid}/deploys", json={"imageUrl": "ghcr.io/acme/api:2.0"})
    assert second.status_code == 201 and second.json()["id"].startswith("dep-")
    assert api.get(f"/services/{sid}").json()["imagePath"] == "ghcr.io/acme/api:2.0"
    wait_for(lambda: api.get(f"/services/{sid}/deploys/{second.json()['id']}").json()["status"] == "live")
    assert api.get(f"/services/{sid}/deploys/{first}").json()["status"] == "deactivated"

    listed = api.get(f"/services/{sid}/deploys").json()
    assert [item["deploy"]["id"] for item in listed] == [second.json()["id"], first]  # newest first

    rollback = api.post(f"/services/{sid}/rollback", json={"deployId": first})
    assert rollback.status_code == 201
    assert rollback.json()["trigger"] == "rollback" and rollback.json()["image"]["ref"] == "ghcr.io/acme/api:1.0"
    assert api.get(f"/services/{sid}").json()["imagePath"] == "ghcr.io/acme/api:1.0"


@pytest.mark.sandbox_settings(deploy_delay=30)
def test_cancel_an_in_progress_deploy(sandbox):
    api = sandbox.render.client()
    sid, deploy_id = create_image_service(api, sandbox)
    canceled = api.post(f"/services/{sid}/deploys/{deploy_id}/cancel")
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert api.post(f"/services/{sid}/deploys/{deploy_id}/cancel").status_code == 409
    assert api.get(f"/services/{sid}/deploys", params={"status": "canceled"}).json()[0]["deploy"]["id"] == deploy_id


def test_git_deploy_reports_a_commit_and_rejects_image_urls(sandbox):
    api = sandbox.render.client()
    body = {"type": "static_site", "name": "web", "ownerId": sandbox.render.owner_id,
            "repo": "https://github.com/acme/web", "serviceDetails": {"buildCommand": "make", "publishPath": "out"}}
    sid = api.post("/services", json=body).json()["service"]["id"]
    deploy = api.post(f"/services/{sid}/deploys", json={"commitId": "a" * 40, "clearCache": "clear"}).json()
    assert deploy["commit"]["id"] == "a" * 40
    assert api.post(f"/services/{sid}/deploys", json={"imageUrl": "x/y:z"}).status_code == 400


def test_deploy_delay_can_be_changed_at_runtime(sandbox):
    api = sandbox.render.client()
    sandbox.render.settings["deploy_delay"] = 60
    sid, deploy_id = create_image_service(api, sandbox)
    assert api.get(f"/services/{sid}/deploys/{deploy_id}").json()["status"] == "build_in_progress"
