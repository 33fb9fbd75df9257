"""The Branch provider's decisions against an in-memory branches API (branch_fake.py): lookup by name before
create and takeover, a lost POST answer, waiting for the status, secrets, update, delete of a persistent or
missing branch, refresh of a deleted one."""
from __future__ import annotations

import pytest

from dynamic_providers.core.provider import AdoptionRequiredError
from dynamic_providers.supabase.branches import BranchFailedError, BranchProvider
from branch_fake import PARENT, FakeBranchesApi
from supabase_engine import FAST_HTTP, EngineDriver

WAIT = {"wait_timeout_seconds": 30, "poll_interval_seconds": 0.01}


@pytest.fixture
def api():
    return FakeBranchesApi()


@pytest.fixture
def provider(api, monkeypatch):
    p = BranchProvider(http=FAST_HTTP)
    monkeypatch.setattr(p, "transport", lambda: api)
    return p


def program(**over):
    return {"parent_project_ref": PARENT, "name": "pr-42", "git_branch": "feature/x", **WAIT, **over}


def posts(api):
    return [s for s in api.sent if s[0] == "POST"]


def test_create_waits_until_ready_and_outputs_the_database(api, provider):
    state = EngineDriver().create(provider, program())
    branch = api.named("pr-42")[0]
    assert state.id == branch["project_ref"] and state.outputs["branch_id"] == branch["id"]
    assert state.outputs["status"] == "MIGRATIONS_PASSED"
    assert state.outputs["db_password"] == branch["_db_pass"] and state.outputs["db_port"] == 5432
    assert state.outputs["db_host"] == f"db.{state.id}.supabase.co" and state.outputs["jwt_secret"] == "jwt-secret"
    assert posts(api)[0][2] == {"branch_name": "pr-42", "persistent": False, "with_data": False,
                                "git_branch": "feature/x"}
    # the name was looked up before the POST
    assert api.sent[0] == ("GET", f"/v1/projects/{PARENT}/branches/pr-42", None)


def test_passwords_are_secret_outputs():
    assert set(BranchProvider.secret_names()) == {"db_password", "jwt_secret"}


def test_a_second_create_takes_the_branch_over(api, provider):
    first = EngineDriver().create(provider, program())
    second = EngineDriver().create(provider, program(git_branch="feature/y"))
    assert second.id == first.id and len(api.named("pr-42")) == 1 and len(posts(api)) == 1
    assert api.named("pr-42")[0]["git_branch"] == "feature/y"  # converged to the declared inputs


def test_the_default_branch_is_never_taken_over(api, provider):
    with pytest.raises(AdoptionRequiredError, match="default \\(production\\) branch"):
        EngineDriver().create(provider, program(name="main"))
    assert not posts(api)


def test_a_lost_post_answer_makes_one_branch(api, provider):
    api.lose_next_post = True
    state = EngineDriver().create(provider, program())
    assert len(api.named("pr-42")) == 1 and len(posts(api)) == 1 and state.id == api.named("pr-42")[0]["project_ref"]


def test_a_failed_status_ends_the_wait_naming_it_and_rolls_back(api, provider):
    api.fail_with = "MIGRATIONS_FAILED"
    with pytest.raises(BranchFailedError) as failed:
        EngineDriver().create(provider, program())
    assert "MIGRATIONS_FAILED" in str(failed.value) and "\n" not in str(failed.value)
    assert failed.value.concise and not api.named("pr-42")


def test_update_patches_persistent_and_git_branch_only(api, provider):
    d = EngineDriver()
    state = d.up(provider, d.create(provider, program()), program(persistent=True, git_branch="feature/z"))
    patch = [s for s in api.sent if s[0] == "PATCH"][-1]
    assert patch == ("PATCH", f"/v1/branches/{state.id}", {"persistent": True, "git_branch": "feature/z"})
    assert api.branches[state.id]["persistent"] is True
    diff, _ = d.preview(provider, state, program(persistent=True, git_branch="feature/z", with_data=True))
    assert diff.replaces == ["with_data"]


def test_a_persistent_branch_is_demoted_then_deleted(api, provider):
    d = EngineDriver()
    state = d.create(provider, program(persistent=True))
    d.destroy(provider, state)
    assert state.id not in api.branches
    writes = [s[:2] for s in api.sent if s[0] in ("PATCH", "DELETE")]
    assert writes == [("PATCH", f"/v1/branches/{state.id}"), ("DELETE", f"/v1/branches/{state.id}")]
    assert [s[2] for s in api.sent if s[0] == "DELETE"] == [{"force": True}]


def test_a_branch_made_persistent_out_of_band_is_demoted_on_422(api, provider):
    d = EngineDriver()
    state = d.create(provider, program())
    api.branches[state.id]["persistent"] = True
    d.destroy(provider, state)
    assert state.id not in api.branches


def test_deleting_a_missing_branch_is_done(api, provider):
    d = EngineDriver()
    state = d.create(provider, program())
    del api.branches[state.id]
    d.destroy(provider, state)
    assert d.refresh(provider, state) is None  # refresh: GET /v1/branches/{ref} answers 404, so it is gone


def test_refresh_shows_drift(api, provider):
    d = EngineDriver()
    state = d.create(provider, program())
    api.branches[state.id]["git_branch"] = "elsewhere"
    refreshed = d.refresh(provider, state)
    assert refreshed.inputs["git_branch"] == "elsewhere"
    assert d.preview(provider, refreshed, program())[0].changes


def test_check_refuses_a_bad_parent_ref(provider):
    result = provider.check({}, program(parent_project_ref="Not-A-Ref"))
    assert [f.property for f in result.failures] == ["parent_project_ref"]
