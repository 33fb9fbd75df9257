"""Supabase organizations and projects: async lifecycle, health, rename, delete."""

import re

import pytest

from tools.sandbox.testing import wait_for


def create_project(sandbox, api, name="procurement", password="db-pass-1234"):
    response = api.post("/v1/projects", json={"name": name, "organization_slug": sandbox.supabase.organization_slug,
                                              "db_pass": password,
                                              "region_selection": {"type": "specific", "code": "eu-central-1"}})
    assert response.status_code == 201, response.text
    return response.json()


def wait_active(api, ref):
    return wait_for(lambda: api.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY", timeout=30)


def test_project_lifecycle_from_create_to_delete(sandbox):
    api = sandbox.supabase.client()
    project = create_project(sandbox, api)
    assert re.fullmatch(r"[a-z]{20}", project["ref"]) and project["id"] == project["ref"]
    assert project["status"] == "UNKNOWN"  # what the real API answered to a create (recorded)
    assert project["region"] == "eu-central-1" and "database" not in project
    ref = project["ref"]
    wait_active(api, ref)
    fetched = api.get(f"/v1/projects/{ref}").json()
    assert fetched["database"]["host"] == "127.0.0.1"
    assert [p["ref"] for p in api.get("/v1/projects").json()] == [ref]

    renamed = api.patch(f"/v1/projects/{ref}", json={"name": "renamed"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "renamed"
    assert isinstance(renamed.json()["id"], int)

    deleted = api.delete(f"/v1/projects/{ref}")
    assert deleted.status_code == 200 and deleted.json()["ref"] == ref
    missing = api.get(f"/v1/projects/{ref}")
    assert missing.status_code == 404 and missing.json() == {"message": "Project not found"}


@pytest.mark.sandbox_settings(project_ready_delay=30)
def test_project_stays_coming_up_until_the_delay_passes(sandbox):
    api = sandbox.supabase.client()
    ref = create_project(sandbox, api)["ref"]
    assert api.get(f"/v1/projects/{ref}").json()["status"] == "COMING_UP"
    health = api.get(f"/v1/projects/{ref}/health", params={"services": ["db", "auth"]}).json()
    assert {h["status"] for h in health} == {"COMING_UP"} and not any(h["healthy"] for h in health)
    not_ready = api.get(f"/v1/projects/{ref}/config/database/postgres")
    assert not_ready.status_code == 400 and "not ready" in not_ready.json()["message"]
    assert api.delete(f"/v1/projects/{ref}").status_code == 400  # "Project not ready for deletion."


def test_health_reports_each_requested_service(sandbox):
    api = sandbox.supabase.client()
    ref = create_project(sandbox, api)["ref"]
    wait_active(api, ref)
    health = api.get(f"/v1/projects/{ref}/health", params={"services": ["db", "auth", "rest", "pooler"]})
    assert health.status_code == 200
    assert [(h["name"], h["status"], h["healthy"]) for h in health.json()] == [
        ("db", "ACTIVE_HEALTHY", True), ("auth", "ACTIVE_HEALTHY", True), ("rest", "ACTIVE_HEALTHY", True),
        ("pooler", "ACTIVE_HEALTHY", True)]
    # Form-exploded arrays only: a comma-joined value is not an enum member.
    assert api.get(f"/v1/projects/{ref}/health", params={"services": "db,auth"}).status_code == 400


def test_create_project_request_rules(sandbox):
    api = sandbox.supabase.client()
    base = {"name": "x", "organization_slug": sandbox.supabase.organization_slug, "db_pass": "pw-12345"}
    missing = api.post("/v1/projects", json={"name": "x", "organization_slug": sandbox.supabase.organization_slug})
    assert missing.status_code == 400 and "db_pass" in missing.json()["message"]
    extra = api.post("/v1/projects", json={**base, "colour": "blue"})  # additionalProperties: false
    assert extra.status_code == 400 and "additionalProperties" in extra.json()["message"]
    unknown_org = api.post("/v1/projects", json={**base, "organization_slug": "nope"})
    assert unknown_org.status_code == 404
    assert api.get("/v1/projects/tooshort").status_code == 400  # ref must be 20 lowercase letters
    assert len(sandbox.supabase.journal.request_violations()) == 3


def test_organizations(sandbox):
    api = sandbox.supabase.client()
    created = api.post("/v1/organizations", json={"name": "Acme"})
    assert created.status_code == 201 and set(created.json()) == {"id", "slug", "name"}
    slugs = [o["slug"] for o in api.get("/v1/organizations").json()]
    assert slugs == [sandbox.supabase.organization_slug, created.json()["slug"]]
    assert api.get(f"/v1/organizations/{created.json()['slug']}").json()["name"] == "Acme"


def test_organization_projects_listing_pages_and_filters(sandbox):
    api = sandbox.supabase.client()
    for name in ("beta", "alpha", "gamma"):
        create_project(sandbox, api, name=name)
    slug = sandbox.supabase.organization_slug
    listed = api.get(f"/v1/organizations/{slug}/projects", params={"limit": 2}).json()
    assert [p["name"] for p in listed["projects"]] == ["alpha", "beta"]
    assert listed["pagination"] == {"count": 3, "limit": 2, "offset": 0}
    rest = api.get(f"/v1/organizations/{slug}/projects", params={"limit": 2, "offset": 2}).json()
    assert [p["name"] for p in rest["projects"]] == ["gamma"]
    found = api.get(f"/v1/organizations/{slug}/projects", params={"search": "amm", "sort": "name_desc"}).json()
    assert [p["name"] for p in found["projects"]] == ["gamma"]
    assert found["projects"][0]["databases"][0]["type"] == "PRIMARY"


def test_reset_forgets_projects_and_stops_their_databases(sandbox):
    api = sandbox.supabase.client()
    ref = create_project(sandbox, api)["ref"]
    info = sandbox.supabase.connection_info(ref)
    assert info["user"] == "postgres" and info["password"] == "db-pass-1234"
    sandbox.reset()
    assert api.get("/v1/projects").json() == [] and sandbox.supabase.databases == {}
    assert [o["slug"] for o in api.get("/v1/organizations").json()] == [sandbox.supabase.organization_slug]
