"""The pr-<n> inventory and delete_leftovers against the sandbox, with objects made directly through its APIs."""
import pytest

from dynamic_providers.core.transport import Transport
from dynamic_providers.render.client import RenderApi
from dynamic_providers.supabase.api import SupabaseApi
from ops.review.tagged import delete_leftovers, inventory
from tools.sandbox.testing import wait_for
from tests.tools.sandbox.supabase_projects import new_project


def worker(sandbox, name, environment_id=None):
    body = {"type": "background_worker", "name": name, "ownerId": sandbox.render.owner_id,
            "image": {"ownerId": sandbox.render.owner_id, "imagePath": "ghcr.io/acme/api:1.0"},
            "serviceDetails": {"runtime": "image", "plan": "starter", "region": "frankfurt"}}
    if environment_id:
        body["environmentId"] = environment_id
    created = sandbox.render.client().post("/services", json=body)
    assert created.status_code == 201, created.text
    return created.json()["service"]["id"]


def static_site(sandbox, name, environment_id):
    created = sandbox.render.client().post("/services", json={
        "type": "static_site", "name": name, "ownerId": sandbox.render.owner_id, "environmentId": environment_id,
        "repo": "https://github.com/acme/web", "branch": "main",
        "serviceDetails": {"buildCommand": "npm run build", "publishPath": "dist"}})
    assert created.status_code == 201, created.text
    return created.json()["service"]["id"]


def env_group(sandbox, name, service_id):
    created = sandbox.render.client().post("/env-groups", json={"name": name, "ownerId": sandbox.render.owner_id,
                                                               "envVars": [], "serviceIds": [service_id]})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def project(sandbox, name, environment):
    created = sandbox.render.client().post("/projects", json={"name": name, "ownerId": sandbox.render.owner_id,
                                                             "environments": [{"name": environment}]})
    assert created.status_code == 201, created.text
    return created.json()["id"], created.json()["environmentIds"][0]


def branch(api, parent_ref, name):
    created = api.post(f"/v1/projects/{parent_ref}/branches", json={"branch_name": name})
    assert created.status_code == 201, created.text
    return created.json()["project_ref"]


@pytest.fixture
def world(sandbox):
    """pr-7 (a project+environment with two services in it, one service outside, a branch), pr-8 (its own
    project, a service, a branch) and a staging service; the API clients the tool uses."""
    sandbox.supabase.settings["branch_migrations_delay"] = 0.2
    supabase_http, parent = new_project(sandbox, "procurement-staging-database", "parent-pass-1234",
                                        region="eu-central-1")
    ids = {}
    ids["prj7"], ids["env7"] = project(sandbox, "procurement-pr-7", "pr-7")
    ids["api7"] = worker(sandbox, "procurement-pr-7-api", ids["env7"])
    ids["app7"] = static_site(sandbox, "procurement-pr-7-app", ids["env7"])
    ids["worker7"] = worker(sandbox, "procurement-pr-7-worker")
    ids["prj8"], ids["env8"] = project(sandbox, "procurement-pr-8", "pr-8")
    ids["api8"] = worker(sandbox, "procurement-pr-8-api", ids["env8"])
    ids["staging"] = worker(sandbox, "procurement-staging-api")
    ids["group7"] = env_group(sandbox, "procurement-pr-7-backend-shared", ids["api7"])
    ids["staging_group"] = env_group(sandbox, "procurement-staging-backend-shared", ids["staging"])
    ids["branch7"] = branch(supabase_http, parent, "pr-7")
    ids["branch8"] = branch(supabase_http, parent, "pr-8")
    render = RenderApi(Transport(sandbox.render.base_url, sandbox.render.token, api_name="Render"))
    supabase = SupabaseApi(Transport(sandbox.supabase.base_url, sandbox.supabase.token, api_name="Supabase",
                                     auth_scheme="Bearer", explode_lists=True))
    return ids, parent, render, supabase, supabase_http


def test_inventory_finds_every_kind_per_pr_with_one_list_per_collection(sandbox, world):
    ids, parent, render, supabase, _ = world
    before = len(sandbox.journal())
    found = inventory(render, sandbox.render.owner_id, supabase, parent)
    calls = [(e.method, e.path) for e in sandbox.journal()[before:]]
    assert found.prs() == {7, 8}
    assert [(t.kind, t.id) for t in found.of(7)] == [
        ("service", ids["api7"]), ("service", ids["app7"]), ("service", ids["worker7"]),
        ("env_group", ids["group7"]), ("environment", ids["env7"]), ("project", ids["prj7"]),
        ("branch", ids["branch7"])]
    assert {t.id for t in found.of(8)} == {ids["api8"], ids["env8"], ids["prj8"], ids["branch8"]}
    assert all(e[0] == "GET" for e in calls)
    # One list each: services, env groups, projects, branches; environments once per tagged project (they need
    # projectId).
    assert sorted(p.rsplit("/", 1)[-1] if "branches" not in p else "branches" for _, p in calls) == [
        "branches", "env-groups", "environments", "environments", "projects", "services"]


def test_delete_leftovers_deletes_only_that_prs_unowned_objects_in_order(sandbox, world):
    ids, parent, render, supabase, supabase_http = world
    found = inventory(render, sandbox.render.owner_id, supabase, parent)
    before = len(sandbox.journal())
    deleted = delete_leftovers(7, {ids["worker7"]}, found, render, supabase)
    assert [t.kind for t in deleted] == ["service", "service", "env_group", "environment", "project", "branch"]
    deletes = [e.path for e in sandbox.journal()[before:] if e.method == "DELETE"]
    assert [p.split("/")[-2] for p in deletes] == ["services", "services", "env-groups", "environments", "projects",
                                                   "branches"]

    api = sandbox.render.client()
    names = {s["service"]["name"] for s in api.get("/services").json()}
    assert names == {"procurement-pr-7-worker", "procurement-pr-8-api", "procurement-staging-api"}
    assert [p["project"]["name"] for p in api.get("/projects").json()] == ["procurement-pr-8"]
    branches = {b["name"] for b in supabase_http.get(f"/v1/projects/{parent}/branches").json()}
    assert "pr-7" not in branches and "pr-8" in branches
    assert api.get(f"/environments/{ids['env8']}").status_code == 200
    assert [g["name"] for g in api.get("/env-groups").json()] == ["procurement-staging-backend-shared"]


def test_objects_already_gone_are_done(sandbox, world):
    ids, parent, render, supabase, _ = world
    found = inventory(render, sandbox.render.owner_id, supabase, parent)
    for service in ("api7", "app7"):  # a project holding services is not deleted (409): they go first
        assert sandbox.render.client().delete(f"/services/{ids[service]}").status_code == 204
    assert sandbox.render.client().delete(f"/projects/{ids['prj7']}").status_code == 204
    deleted = delete_leftovers(7, (), found, render, supabase)
    assert {t.id for t in deleted} == {ids["api7"], ids["app7"], ids["worker7"], ids["group7"], ids["env7"],
                                       ids["prj7"], ids["branch7"]}
    assert inventory(render, sandbox.render.owner_id, supabase, parent).of(7) == []
