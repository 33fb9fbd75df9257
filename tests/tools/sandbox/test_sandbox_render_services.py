"""Render services of every type through create/read/list/update/delete, suspend/resume, over HTTP."""

import re

import pytest

SERVICE_ID = re.compile(r"^(srv|crn)-[0-9a-v]{20}$")


def service_body(sandbox, service_type, name, **details):
    body = {"type": service_type, "name": name, "ownerId": sandbox.render.owner_id}
    if service_type == "static_site":
        body.update(repo="https://github.com/acme/web", branch="main",
                    serviceDetails={"buildCommand": "npm run build", "publishPath": "dist", **details})
    elif service_type == "cron_job":
        body.update(image={"ownerId": sandbox.render.owner_id, "imagePath": "ghcr.io/acme/job@sha256:" + "a" * 64},
                    serviceDetails={"runtime": "image", "schedule": "0 3 * * *", "plan": "starter", **details})
    else:
        body.update(image={"ownerId": sandbox.render.owner_id, "imagePath": "ghcr.io/acme/api:1.0"},
                    serviceDetails={"runtime": "image", "plan": "starter", "region": "frankfurt", **details})
    return body


@pytest.mark.parametrize("service_type", ["web_service", "static_site", "private_service", "background_worker",
                                          "cron_job"])
def test_service_crud_for_every_type(sandbox, service_type):
    api = sandbox.render.client()
    created = api.post("/services", json=service_body(sandbox, service_type, f"svc-{service_type}"))
    assert created.status_code == 201, created.text
    service = created.json()["service"]
    assert SERVICE_ID.match(service["id"])
    assert service["id"].startswith("crn-" if service_type == "cron_job" else "srv-")
    assert created.json()["deployId"].startswith("dep-")
    assert service["type"] == service_type and service["suspended"] == "not_suspended"

    fetched = api.get(f"/services/{service['id']}")
    assert fetched.status_code == 200 and fetched.json() == service

    listed = api.get("/services", params={"type": service_type, "name": f"svc-{service_type}"})
    assert [item["service"]["id"] for item in listed.json()] == [service["id"]]
    assert set(listed.json()[0]) == {"cursor", "service"}

    patch = {"name": f"renamed-{service_type}"}
    if service_type != "static_site":
        patch["serviceDetails"] = {"plan": "standard"}
    updated = api.patch(f"/services/{service['id']}", json=patch)
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == f"renamed-{service_type}"
    if service_type != "static_site":
        assert updated.json()["serviceDetails"]["plan"] == "standard"

    assert api.delete(f"/services/{service['id']}").status_code == 204
    assert api.get(f"/services/{service['id']}").status_code == 404
    assert api.delete(f"/services/{service['id']}").status_code == 404


def test_cursor_pagination_walks_every_service_once(sandbox):
    api = sandbox.render.client()
    created = [api.post("/services", json=service_body(sandbox, "background_worker", f"w{i}")).json()["service"]["id"]
               for i in range(5)]
    seen, cursor = [], None
    while True:
        page = api.get("/services", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        if not page:
            break
        assert len(page) <= 2
        seen += [item["service"]["id"] for item in page]
        cursor = page[-1]["cursor"]
    assert seen == created


def test_suspend_and_resume(sandbox):
    api = sandbox.render.client()
    sid = api.post("/services", json=service_body(sandbox, "web_service", "web")).json()["service"]["id"]
    assert api.post(f"/services/{sid}/suspend").status_code == 202
    service = api.get(f"/services/{sid}").json()
    assert service["suspended"] == "suspended" and service["suspenders"] == ["user"]
    assert api.post(f"/services/{sid}/deploys", json={}).status_code == 409  # no deploys while suspended
    assert api.post(f"/services/{sid}/resume").status_code == 202
    assert api.get(f"/services/{sid}").json()["suspended"] == "not_suspended"


def test_spec_violating_request_is_rejected_and_journaled(sandbox):
    api = sandbox.render.client()
    response = api.post("/services", json=service_body(sandbox, "web_service", "bad", plan="gold"))
    assert response.status_code == 400
    assert response.json()["id"] == "bad_request"
    assert "serviceDetails.plan" in response.json()["message"] and "rule: enum" in response.json()["message"]
    (entry,) = sandbox.render.journal.request_violations()
    assert (entry.method, entry.path, entry.status) == ("POST", "/v1/services", 400)
    assert entry.request_violations[0]["rule"] == "enum"
    assert api.get("/services").json() == []  # nothing was created


def test_type_specific_details_are_checked_against_their_own_branch(sandbox):
    api = sandbox.render.client()
    body = service_body(sandbox, "cron_job", "cron")
    del body["serviceDetails"]["schedule"]
    response = api.post("/services", json=body)
    assert response.status_code == 400 and "schedule" in response.json()["message"]
    worker = service_body(sandbox, "background_worker", "worker", plan="free")  # free is web-only
    assert api.post("/services", json=worker).status_code == 400


def test_patch_refuses_create_only_fields(sandbox):
    api = sandbox.render.client()
    sid = api.post("/services", json=service_body(sandbox, "web_service", "web")).json()["service"]["id"]
    response = api.patch(f"/services/{sid}", json={"type": "private_service"})
    assert response.status_code == 200  # unknown top-level keys are ignored by the spec (no additionalProperties)
    assert api.get(f"/services/{sid}").json()["type"] == "web_service"
    response = api.patch(f"/services/{sid}", json={"serviceDetails": {"region": "ohio"}})
    assert response.status_code == 400 and api.get(f"/services/{sid}").json()["serviceDetails"]["region"] == "frankfurt"


def test_unknown_path_and_unemulated_operation(sandbox):
    api = sandbox.render.client()
    assert api.get("/not-an-endpoint").status_code == 404
    assert sandbox.render.journal.request_violations()[0].request_violations[0]["rule"] == "path"
    assert api.get("/blueprints").status_code == 501  # in the spec, not emulated


def test_rate_limit_headers_on_every_response(sandbox):
    response = sandbox.render.client().get("/services")
    assert int(response.headers["Ratelimit-Limit"]) > 0
    assert int(response.headers["Ratelimit-Remaining"]) < int(response.headers["Ratelimit-Limit"])
    assert 0 <= int(response.headers["Ratelimit-Reset"]) <= 60


def test_auto_deploy_trigger_beyond_the_spec_copy(sandbox):
    api = sandbox.render.client()
    created = api.post("/services", json={**service_body(sandbox, "web_service", "web"), "autoDeployTrigger": "off"})
    service = created.json()["service"]
    assert service["autoDeployTrigger"] == "off"
    patched = api.patch(f"/services/{service['id']}", json={"autoDeployTrigger": "checksPass"}).json()
    assert patched["autoDeployTrigger"] == "checksPass"
    assert api.patch(f"/services/{service['id']}", json={"autoDeploy": "no"}).json()["autoDeployTrigger"] == "off"
    assert api.patch(f"/services/{service['id']}", json={"autoDeployTrigger": "sometimes"}).status_code == 400


@pytest.mark.parametrize("service_type,suffixed", [("background_worker", True), ("cron_job", True),
                                                   ("web_service", False), ("private_service", False),
                                                   ("static_site", False)])
def test_slugs_as_recorded_and_they_survive_a_rename(sandbox, service_type, suffixed):
    api = sandbox.render.client()
    first = api.post("/services", json=service_body(sandbox, service_type, "My App")).json()["service"]
    second = api.post("/services", json=service_body(sandbox, service_type, "my-app")).json()["service"]
    if suffixed:  # recorded: background-worker-q9lm, cron-job-tf-d6na
        assert re.fullmatch(r"my-app-[a-z0-9]{4}", first["slug"]) and first["slug"] != second["slug"]
    else:  # the bare name (recorded); a taken one gets the suffix, so a public URL reaches one service
        assert first["slug"] == "my-app" and re.fullmatch(r"my-app-[a-z0-9]{4}", second["slug"])
    renamed = api.patch(f"/services/{first['id']}", json={"name": "renamed"}).json()
    assert renamed["name"] == "renamed" and renamed["slug"] == first["slug"]
    assert renamed["serviceDetails"].get("url") == first["serviceDetails"].get("url")


def test_list_filters_on_creation_time(sandbox):
    """createdAfter/createdBefore (the spec's createdAfterParam/createdBeforeParam): what ops/review/budget.py
    counts the hour's service creates with."""
    api = sandbox.render.client()
    first = api.post("/services", json=service_body(sandbox, "background_worker", "early")).json()["service"]
    second = api.post("/services", json=service_body(sandbox, "background_worker", "late")).json()["service"]
    assert second["createdAt"] > first["createdAt"]

    def names(**params):
        return [item["service"]["name"] for item in api.get("/services", params=params).json()]

    assert names(createdAfter=first["createdAt"]) == ["late"]
    assert names(createdBefore=second["createdAt"]) == ["early"]
    assert sorted(names(createdAfter="2000-01-01T00:00:00Z")) == ["early", "late"]
    assert names(createdAfter="2999-01-01T00:00:00Z") == []
    assert api.get("/services", params={"createdAfter": "yesterday"}).status_code == 400
