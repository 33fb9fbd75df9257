"""Supabase branches: create, lookup by name, a branch database one can log in to, grace-period delete and
restore, refusals (persistent, default), disable branching, action runs. Every response is checked against the
spec by the sandbox fixture."""

import os
import shutil

import psycopg
import pytest

from tools.sandbox import data_dirs
from tools.sandbox.runner import Sandbox
from tools.sandbox.testing import wait_for
from tests.tools.sandbox.supabase_projects import new_project


@pytest.fixture
def parent(sandbox):
    """The API client and the ref of a project to branch from; branches finish their migrations quickly."""
    sandbox.supabase.settings["branch_migrations_delay"] = 0.2
    return new_project(sandbox, "staging", "parent-pass-1234", region="eu-central-1")


def slow_parent(sandbox):
    """The API client and the ref of a ready project whose branches then stay coming up (the test's
    sandbox_settings(project_ready_delay=30) applies once the parent is up)."""
    sandbox.supabase.settings["project_ready_delay"] = 0.2
    ref = new_project(sandbox, "slow", "slow-pass-1234")[1]
    sandbox.supabase.settings["project_ready_delay"] = 30
    return sandbox.supabase.client(), ref


def create_branch(api, ref, name, **body):
    response = api.post(f"/v1/projects/{ref}/branches", json={"branch_name": name, **body})
    assert response.status_code == 201, response.text
    return response.json()


def wait_passed(api, parent_ref, name):
    return wait_for(lambda: api.get(f"/v1/projects/{parent_ref}/branches/{name}").json()["status"]
                    == "MIGRATIONS_PASSED", timeout=30)


def login(detail, user="postgres", password=None):
    return psycopg.connect(host=detail["db_host"], port=detail["db_port"], dbname="postgres", user=user,
                           password=password or detail["db_pass"], connect_timeout=5)


def test_branch_from_create_to_gone_after_the_grace(sandbox, parent):
    api, ref = parent
    created = create_branch(api, ref, "pr-7", git_branch="feature/login", with_data=False)
    assert created["status"] == "CREATING_PROJECT" and created["parent_project_ref"] == ref
    assert not created["is_default"] and not created["persistent"] and created["git_branch"] == "feature/login"
    branch_ref = created["project_ref"]
    assert branch_ref != ref

    # The first branch enabled branching: the parent got a default branch on its own ref.
    listed = api.get(f"/v1/projects/{ref}/branches").json()
    assert [(b["name"], b["is_default"], b["project_ref"]) for b in listed] == [
        ("main", True, ref), ("pr-7", False, branch_ref)]

    wait_passed(api, ref, "pr-7")
    by_name = api.get(f"/v1/projects/{ref}/branches/pr-7").json()
    assert by_name["id"] == created["id"] and by_name["project_ref"] == branch_ref

    detail = api.get(f"/v1/branches/{branch_ref}").json()
    assert detail["ref"] == branch_ref and detail["status"] == "ACTIVE_HEALTHY" and detail["db_user"] == "postgres"
    assert detail["db_pass"] != "parent-pass-1234" and detail["jwt_secret"]
    assert api.get(f"/v1/branches/{created['id']}").json() == detail  # the deprecated id finds it too
    with login(detail) as conn:  # the branch's own server, not the parent's
        conn.execute("CREATE ROLE backend LOGIN PASSWORD 'backend-pass'")
        assert conn.execute("SELECT current_database()").fetchone() == ("postgres",)
    with login(detail, "backend", "backend-pass") as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("backend",)
    assert detail["db_port"] != sandbox.supabase.databases[ref].port

    # A branch ref is no project (terraform-provider-supabase #345), and lists no project.
    assert api.get(f"/v1/projects/{branch_ref}").status_code == 404
    assert [p["ref"] for p in api.get("/v1/projects").json()] == [ref]

    scheduled = api.delete(f"/v1/branches/{branch_ref}", params={"force": "false"})
    assert scheduled.status_code == 200 and scheduled.json() == {"message": "ok"}
    assert api.get(f"/v1/projects/{ref}/branches/pr-7").json()["deletion_scheduled_at"]
    restored = api.post(f"/v1/branches/{branch_ref}/restore")
    assert restored.status_code == 200 and restored.json() == {"message": "Branch restoration initiated"}
    assert "deletion_scheduled_at" not in api.get(f"/v1/projects/{ref}/branches/pr-7").json()
    assert api.post(f"/v1/branches/{branch_ref}/restore").status_code == 422  # nothing to restore

    assert api.delete(f"/v1/branches/{branch_ref}", params={"force": "false"}).status_code == 200
    with login(detail) as conn:  # within the grace the database is still there
        assert conn.execute("SELECT 1").fetchone() == (1,)
    sandbox.supabase.edit("branches", created["id"], set={"_deleteAt": 0})  # the grace has passed
    assert api.get(f"/v1/branches/{branch_ref}").status_code == 404
    assert api.get(f"/v1/projects/{ref}/branches/pr-7").status_code == 404
    assert api.post(f"/v1/branches/{branch_ref}/restore").status_code == 404
    assert branch_ref not in sandbox.supabase.store["projects"]
    wait_for(lambda: not sandbox.supabase.database_alive(branch_ref), timeout=30)


def test_force_delete_is_immediate_and_the_default_branch_is_the_parent(sandbox, parent):
    api, ref = parent
    branch = create_branch(api, ref, "pr-8")
    assert api.delete(f"/v1/branches/{branch['project_ref']}").status_code == 200  # force defaults to true
    assert api.get(f"/v1/branches/{branch['project_ref']}").status_code == 404
    default = api.get(f"/v1/projects/{ref}/branches/main").json()
    detail = api.get(f"/v1/branches/{ref}").json()
    assert default["is_default"] and detail["ref"] == ref and detail["db_pass"] == "parent-pass-1234"
    refused = api.delete(f"/v1/branches/{ref}")
    assert refused.status_code == 422 and "default branch" in refused.json()["message"]


def test_persistent_branch_refuses_delete_until_demoted(sandbox, parent):
    api, ref = parent
    branch = create_branch(api, ref, "release", persistent=True)
    refused = api.delete(f"/v1/branches/{branch['project_ref']}")
    assert refused.status_code == 422 and "persistent" in refused.json()["message"]
    demoted = api.patch(f"/v1/branches/{branch['project_ref']}", json={"persistent": False})
    assert demoted.status_code == 200 and demoted.json()["persistent"] is False
    assert api.delete(f"/v1/branches/{branch['project_ref']}").status_code == 200


def test_branching_is_disabled_only_without_preview_branches(sandbox, parent):
    api, ref = parent
    branch = create_branch(api, ref, "pr-9")
    refused = api.delete(f"/v1/projects/{ref}/branches")
    assert refused.status_code == 422 and "pr-9" in refused.json()["message"]
    api.delete(f"/v1/branches/{branch['project_ref']}")
    assert api.delete(f"/v1/projects/{ref}/branches").status_code == 200
    assert api.get(f"/v1/projects/{ref}/branches").json() == []


def test_names_are_unique_and_unknown_ones_404(sandbox, parent):
    api, ref = parent
    create_branch(api, ref, "pr-10")
    assert api.post(f"/v1/projects/{ref}/branches", json={"branch_name": "pr-10"}).status_code == 409
    assert api.post(f"/v1/projects/{ref}/branches", json={"git_branch": "x"}).status_code == 400  # name required
    assert api.get(f"/v1/projects/{ref}/branches/nope").status_code == 404
    assert api.get("/v1/branches/" + "q" * 20).status_code == 404
    assert api.get("/v1/projects/" + "q" * 20 + "/branches").status_code == 404
    renamed = api.patch(f"/v1/branches/{ref}", json={"branch_name": "pr-10"})
    assert renamed.status_code == 409  # the default branch cannot take a used name


def test_a_create_is_an_action_run_that_follows_the_branch(sandbox, parent):
    api, ref = parent
    branch = create_branch(api, ref, "pr-11")
    branch_ref = branch["project_ref"]
    runs = api.get(f"/v1/projects/{branch_ref}/actions").json()
    assert len(runs) == 1 and runs[0]["branch_id"] == branch["id"]
    wait_passed(api, ref, "pr-11")
    run = api.get(f"/v1/projects/{branch_ref}/actions/{runs[0]['id']}").json()
    assert {step["status"] for step in run["run_steps"]} == {"EXITED"}
    assert api.get(f"/v1/projects/{branch_ref}/actions/run_nope").status_code == 404
    api.delete(f"/v1/branches/{branch_ref}")
    assert api.get(f"/v1/projects/{branch_ref}/actions").status_code == 404


def test_deleting_the_parent_removes_its_branches(sandbox, parent):
    api, ref = parent
    branch_ref = create_branch(api, ref, "pr-12")["project_ref"]
    assert api.delete(f"/v1/projects/{ref}").status_code == 200
    assert api.get(f"/v1/branches/{branch_ref}").status_code == 404
    assert sandbox.supabase.store["branches"] == {} and branch_ref not in sandbox.supabase.store["projects"]


def test_reset_gives_a_fresh_database_and_a_new_run(sandbox, parent):
    api, ref = parent
    branch_ref = create_branch(api, ref, "pr-13")["project_ref"]
    wait_passed(api, ref, "pr-13")
    with login(api.get(f"/v1/branches/{branch_ref}").json()) as conn:
        conn.execute("CREATE TABLE leftover (id int)")
    reset = api.post(f"/v1/branches/{branch_ref}/reset", json={})
    assert reset.status_code == 201 and reset.json()["message"] == "ok"
    assert api.get(f"/v1/projects/{ref}/branches/pr-13").json()["status"] == "RUNNING_MIGRATIONS"
    wait_passed(api, ref, "pr-13")
    with login(api.get(f"/v1/branches/{branch_ref}").json()) as conn:
        assert conn.execute("SELECT to_regclass('public.leftover')").fetchone() == (None,)
    runs = api.get(f"/v1/projects/{branch_ref}/actions").json()
    assert [run["id"] for run in runs][0] == reset.json()["workflow_run_id"] and len(runs) == 2
    assert api.post(f"/v1/branches/{ref}/reset", json={}).status_code == 422  # the default branch


@pytest.mark.sandbox_settings(project_ready_delay=30)
def test_a_branch_is_creating_until_its_project_is_up(sandbox):
    api, ref = slow_parent(sandbox)
    branch = create_branch(api, ref, "pr-14")
    assert api.get(f"/v1/projects/{ref}/branches/pr-14").json()["status"] == "CREATING_PROJECT"
    detail = api.get(f"/v1/branches/{branch['project_ref']}").json()
    assert detail["status"] == "COMING_UP"
    run = api.get(f"/v1/projects/{branch['project_ref']}/actions").json()[0]
    assert [step["status"] for step in run["run_steps"]] == ["RUNNING", "CREATED", "CREATED", "CREATED"]


@pytest.fixture
def state_file(tmp_path):
    """A persisted sandbox's state file; the databases' root (elsewhere when run as root) removed afterwards."""
    state = tmp_path / "state.json"
    yield state
    link = data_dirs.link_of(state)
    if link.is_symlink():
        shutil.rmtree(os.readlink(link), ignore_errors=True)


def test_a_branch_database_survives_a_restart(state_file, sandbox_postgres):
    state = state_file
    first = Sandbox(state_file=state, postgres=sandbox_postgres, project_ready_delay=0.1).start()
    try:
        first.supabase.settings["branch_migrations_delay"] = 0.1
        api, ref = new_project(first, "kept", "kept-pass-1234")
        branch_ref = create_branch(api, ref, "pr-15")["project_ref"]
        wait_passed(api, ref, "pr-15")
        before = api.get(f"/v1/branches/{branch_ref}").json()
        with login(before) as conn:
            conn.execute("CREATE TABLE kept (id int)")
        assert first.response_violations() == []
    finally:
        first.stop()
    second = Sandbox(state_file=state, postgres=sandbox_postgres).start()
    try:
        api = second.supabase.client()
        after = api.get(f"/v1/branches/{branch_ref}").json()
        assert after["db_port"] == before["db_port"] and after["db_pass"] == before["db_pass"]
        with login(after) as conn:
            assert conn.execute("SELECT to_regclass('public.kept')").fetchone() == ("kept",)
        assert api.get(f"/v1/projects/{ref}/branches/pr-15").json()["project_ref"] == branch_ref
        assert second.response_violations() == []
    finally:
        second.stop()
