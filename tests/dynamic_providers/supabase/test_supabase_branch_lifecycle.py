"""``Branch`` against the sandbox's branch endpoints: create waits for the branch and a database one can log in
to, a second create takes the branch over, a lost POST answer makes one branch, a persistent branch is demoted
and deleted, deleting a missing branch is done, refresh of a deleted branch says gone, the passwords are secret."""
from __future__ import annotations

import psycopg
import pytest

from dynamic_providers.supabase.branches import BranchProvider
from dynamic_providers.supabase.resources import _opts
from supabase_engine import FAST_HTTP, FAST_WAIT
from test_supabase_lost_responses import make_project


def provider() -> BranchProvider:
    return BranchProvider(http=FAST_HTTP)


def program(parent: str, **over):
    return {"parent_project_ref": parent, "name": "pr-42", "git_branch": "feature/pr-42", **FAST_WAIT, **over}


def branches_named(sandbox, parent: str, name: str) -> list[dict]:
    return [b for b in sandbox.supabase.store.data["branches"].values()
            if b["parent_project_ref"] == parent and b["name"] == name]


@pytest.fixture
def parent(supabase_env) -> str:
    return make_project(supabase_env)


def test_create_waits_for_a_database_one_can_log_in_to(supabase_env, parent, engine):
    state = engine.create(provider(), program(parent))
    [branch] = branches_named(supabase_env, parent, "pr-42")
    assert state.id == branch["project_ref"] == state.outputs["project_ref"] != parent
    assert state.outputs["branch_id"] == branch["id"] and state.outputs["status"] == "MIGRATIONS_PASSED"
    with psycopg.connect(host=state.outputs["db_host"], port=state.outputs["db_port"], dbname="postgres",
                         user=state.outputs["db_user"], password=state.outputs["db_password"],
                         connect_timeout=5) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert not engine.preview(provider(), state, program(parent))[0].changes
    refreshed = engine.refresh(provider(), state)
    assert refreshed.outputs == state.outputs and not engine.preview(provider(), refreshed, program(parent))[0].changes


def test_a_second_create_takes_the_branch_made_for_its_name_over(supabase_env, parent, engine):
    first = engine.create(provider(), program(parent))
    second = engine.create(provider(), program(parent, persistent=True))
    [branch] = branches_named(supabase_env, parent, "pr-42")
    assert second.id == first.id and branch["persistent"] is True
    assert supabase_env.supabase.journal.count("POST", "/v1/projects/{ref}/branches") == 1


def test_a_lost_create_answer_makes_one_branch(supabase_env, parent, engine):
    supabase_env.supabase.add_fault("drop_response", method="POST", path="/v1/projects/{ref}/branches", count=1)
    state = engine.create(provider(), program(parent))
    [branch] = branches_named(supabase_env, parent, "pr-42")
    assert state.id == branch["project_ref"]
    assert any(e.fault and e.fault["kind"] == "drop_response" for e in supabase_env.journal())


def test_a_persistent_branch_is_demoted_then_deleted_and_a_missing_one_is_done(supabase_env, parent, engine):
    state = engine.create(provider(), program(parent, persistent=True))
    engine.destroy(provider(), state)
    assert not branches_named(supabase_env, parent, "pr-42")
    assert engine.refresh(provider(), state) is None  # GET /v1/branches/{ref}: 404, gone
    engine.destroy(provider(), state)  # 404 on delete: done


def test_the_database_secrets_are_secret_outputs():
    secret = set(_opts(BranchProvider, None).additional_secret_outputs)
    assert {"db_password", "jwt_secret"} <= secret
