"""A preview branch's ref on the project-scoped `database/query` endpoints: a ready branch runs the SQL on its own
database (not the parent's), a branch still coming up answers 400 "not ready", and everything else under
/v1/projects/{branch ref} stays 404 (terraform-provider-supabase #345; tools/sandbox/supabase/common.database_project)."""

import pytest

from tests.tools.sandbox.supabase_projects import new_project
from tests.tools.sandbox.test_sandbox_supabase_branches import create_branch, login, slow_parent, wait_passed


def query(api, ref, sql, read_only=False):
    path = f"/v1/projects/{ref}/database/query" + ("/read-only" if read_only else "")
    return api.post(path, json={"query": sql})


def test_a_ready_branch_runs_sql_on_its_own_database(sandbox):
    sandbox.supabase.settings["branch_migrations_delay"] = 0.2
    api, parent = new_project(sandbox, "staging", "parent-pass-1234")
    branch_ref = create_branch(api, parent, "pr-21")["project_ref"]
    wait_passed(api, parent, "pr-21")

    made = query(api, branch_ref, "CREATE TABLE public.only_on_the_branch (id int); SELECT current_user AS who")
    assert made.status_code == 201, made.text
    assert made.json() == [{"who": "postgres"}]
    # The branch's own server has it; the parent's does not.
    with login(api.get(f"/v1/branches/{branch_ref}").json()) as conn:
        assert conn.execute("SELECT to_regclass('public.only_on_the_branch') IS NOT NULL").fetchone() == (True,)
    on_parent = query(api, parent, "SELECT to_regclass('public.only_on_the_branch') IS NULL AS absent")
    assert on_parent.json() == [{"absent": True}]

    read = query(api, branch_ref, "SELECT count(*) AS n FROM public.only_on_the_branch", read_only=True)
    assert read.status_code == 201 and read.json() == [{"n": 0}]
    refused = query(api, branch_ref, "INSERT INTO public.only_on_the_branch VALUES (1)", read_only=True)
    assert refused.status_code == 400 and "read-only" in refused.json()["message"]

    # Only the database endpoints: the branch is still no project, and has no settings or health of its own.
    for path in ("", "/health?services=db", "/config/database/pooler", "/ssl-enforcement", "/api-keys"):
        assert api.get(f"/v1/projects/{branch_ref}{path}").status_code == 404, path

    assert api.delete(f"/v1/branches/{branch_ref}").status_code == 200
    assert query(api, branch_ref, "SELECT 1").status_code == 404


@pytest.mark.sandbox_settings(project_ready_delay=30)
def test_a_branch_coming_up_answers_not_ready(sandbox):
    api, parent = slow_parent(sandbox)
    branch_ref = create_branch(api, parent, "pr-22")["project_ref"]
    assert api.get(f"/v1/branches/{branch_ref}").json()["status"] == "COMING_UP"
    for read_only in (False, True):
        answer = query(api, branch_ref, "SELECT 1", read_only=read_only)
        assert answer.status_code == 400 and answer.json()["message"] == "Project is not ready: status COMING_UP"
    assert api.get(f"/v1/projects/{branch_ref}").status_code == 404
