"""``Project`` against the sandbox: create waits through a slow COMING_UP, read/diff converge, rename,
adopt rules, terminal statuses, and every fault kind ends converged without a duplicate project."""
from __future__ import annotations

import threading
import time

import pytest
import requests

from dynamic_providers.core.errors import AuthError
from dynamic_providers.core.provider import AdoptionRequiredError
from dynamic_providers.core import MissingCredentialsError
from dynamic_providers.supabase.health import ProjectFailedError, WaitTimeoutError
from dynamic_providers.supabase.project import ProjectProvider
from supabase_engine import FAST_HTTP, FAST_WAIT


def program(sandbox, **over):
    return {"organization_slug": sandbox.supabase.organization_slug, "name": "procurement-test",
            "region": "eu-central-1", "db_password": "initial-db-password", **FAST_WAIT, **over}


def provider():
    return ProjectProvider(http=FAST_HTTP)


def projects_named(sandbox, name):
    return [p for p in sandbox.supabase.store.data["projects"].values() if p["name"] == name]


def api_calls(sandbox, method=None, path=None):
    return sandbox.supabase.journal.count(method, path)


@pytest.mark.sandbox_settings(project_ready_delay=1.5)
def test_create_waits_for_slow_project_then_converges(supabase_env, engine):
    sb = supabase_env
    p = provider()
    state = engine.create(p, program(sb))
    assert state.outputs["status"] == "ACTIVE_HEALTHY"
    assert state.id == state.outputs["ref"] and len(state.id) == 20
    assert state.outputs["database_host"] and state.outputs["postgres_engine"]
    assert state.outputs["db_password"] == "initial-db-password"  # echoed input, marked secret by the Resource
    # It really waited: several status polls through COMING_UP, then the health check.
    assert api_calls(sb, "GET", "/v1/projects/{ref}") >= 3
    assert api_calls(sb, "GET", "/v1/projects/{ref}/health") >= 1
    assert len(projects_named(sb, "procurement-test")) == 1

    # A second `up` with the same program changes nothing and makes no API call.
    sb.clear_journal()
    diff, _ = engine.preview(p, state, program(sb))
    assert not diff.changes and api_calls(sb) == 0

    # refresh: outputs and inputs come back unchanged, so the next preview is clean.
    refreshed = engine.refresh(p, state)
    assert refreshed.inputs["name"] == "procurement-test" and refreshed.inputs["region"] == "eu-central-1"
    assert refreshed.inputs["db_password"] == "initial-db-password"  # write-only: kept
    assert not engine.preview(p, refreshed, program(sb))[0].changes

    # Rename in place.
    renamed = engine.up(p, refreshed, program(sb, name="procurement-renamed"))
    assert renamed.id == state.id and renamed.outputs["name"] == "procurement-renamed"
    assert sb.supabase.store.data["projects"][state.id]["name"] == "procurement-renamed"

    # A rename made out of band is found by refresh and undone by up.
    sb.supabase.edit("projects", state.id, set={"name": "renamed-in-dashboard"})
    drifted = engine.refresh(p, renamed)
    assert drifted.inputs["name"] == "renamed-in-dashboard"
    assert engine.preview(p, drifted, program(sb, name="procurement-renamed"))[0].changes
    restored = engine.up(p, drifted, program(sb, name="procurement-renamed"))
    assert sb.supabase.store.data["projects"][state.id]["name"] == "procurement-renamed"

    engine.destroy(p, restored)
    assert state.id not in sb.supabase.store.data["projects"]
    engine.destroy(p, restored)  # already gone: a 404 on delete is done
    assert engine.refresh(p, restored) is None  # read of a deleted project: gone


def test_region_or_organization_change_replaces(supabase_env, engine):
    sb = supabase_env
    p = provider()
    state = engine.create(p, program(sb))
    diff, _ = engine.preview(p, state, program(sb, region="us-east-1"))
    assert diff.replaces == ["region"] and diff.delete_before_replace
    new = engine.up(p, state, program(sb, region="us-east-1"))
    assert new.id != state.id and new.outputs["region"] == "us-east-1"
    assert [p_["ref"] for p_ in projects_named(sb, "procurement-test")] == [new.id]
    engine.destroy(p, new)


def test_existing_project_is_never_taken_over_silently(supabase_env, engine):
    sb = supabase_env
    existing = requests.post(sb.supabase.base_url + "/v1/projects", headers=sb.supabase.auth_headers, json={
        "name": "procurement-test", "organization_slug": sb.supabase.organization_slug, "db_pass": "someone-elses",
        "region": "eu-central-1"}, timeout=10).json()["ref"]
    p = provider()
    with pytest.raises(AdoptionRequiredError, match="adopt=True"):
        engine.create(p, program(sb))
    assert len(projects_named(sb, "procurement-test")) == 1

    adopted = engine.create(p, program(sb, adopt=True))
    assert adopted.id == existing and len(projects_named(sb, "procurement-test")) == 1
    assert not engine.preview(p, adopted, program(sb, adopt=True))[0].changes
    engine.destroy(p, adopted)


def test_adopting_with_a_different_region_is_refused(supabase_env, engine):
    sb = supabase_env
    p = provider()
    state = engine.create(p, program(sb))
    with pytest.raises(AdoptionRequiredError, match="region"):
        engine.create(p, program(sb, region="us-west-1", adopt=True))
    engine.destroy(p, state)


@pytest.mark.sandbox_settings(project_ready_delay=30)
def test_timeout_leaves_the_project_and_says_how_to_continue(supabase_env, engine):
    sb = supabase_env
    with pytest.raises(WaitTimeoutError, match=r"left in place.*adopt=True"):
        engine.create(provider(), program(sb, wait_timeout_seconds=1))
    assert len(projects_named(sb, "procurement-test")) == 1


@pytest.mark.sandbox_settings(project_ready_delay=30)
def test_init_failed_fails_fast_with_a_hint(supabase_env, engine):
    sb = supabase_env

    def fail_when_created():
        for _ in range(200):
            found = projects_named(sb, "procurement-test")
            if found:
                sb.supabase.edit("projects", found[0]["ref"], set={"status": "INIT_FAILED"})
                return
            time.sleep(0.02)

    threading.Thread(target=fail_when_created, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(ProjectFailedError, match="INIT_FAILED.*delete"):
        engine.create(provider(), program(sb, wait_timeout_seconds=20))
    assert time.monotonic() - started < 15  # did not sit out the timeout
    # The dead project no longer counts as "the project with this name": a retry creates a new one.
    retry_ok = [p for p in projects_named(sb, "procurement-test") if p["status"] != "INIT_FAILED"]
    assert not retry_ok


def test_bad_token_is_a_clear_error_without_the_token(supabase_env, engine, monkeypatch):
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", "sbp_wrong_token_value")
    with pytest.raises(AuthError) as info:
        engine.create(provider(), program(supabase_env))
    text = str(info.value)
    assert "GET /v1/projects" in text and "401" in text and "sbp_wrong_token_value" not in text
    assert "check SUPABASE_ACCESS_TOKEN" in text  # which variable to fix


def test_missing_token_names_the_variable_and_the_esc_key(supabase_env, engine, monkeypatch):
    monkeypatch.delenv("SUPABASE_ACCESS_TOKEN")
    with pytest.raises(MissingCredentialsError, match=r"SUPABASE_ACCESS_TOKEN is not set.*"
                                                      r"environmentVariables\.SUPABASE_ACCESS_TOKEN"):
        engine.create(provider(), program(supabase_env))


@pytest.mark.sandbox_settings(project_ready_delay=1.5)
def test_delete_of_a_project_still_coming_up_waits_until_it_is_accepted(supabase_env, engine):
    sb = supabase_env
    ref = requests.post(sb.supabase.base_url + "/v1/projects", headers=sb.supabase.auth_headers, json={
        "name": "procurement-test", "organization_slug": sb.supabase.organization_slug, "db_pass": "pw-12345",
        "region_selection": {"type": "specific", "code": "eu-central-1"}}, timeout=10).json()["ref"]
    provider().delete(ref, {**program(sb), "ref": ref})
    assert ref not in sb.supabase.store.data["projects"]
    refused = [e for e in sb.supabase.journal.entries() if e.method == "DELETE" and e.status == 400]
    assert refused  # "Project not ready for deletion." was answered at least once, then retried


# ---------------------------------------------------------------------------------------- faults
def test_lost_create_response_is_recovered_without_a_duplicate(supabase_env, engine):
    sb = supabase_env
    sb.supabase.add_fault("drop_response", method="POST", path="/v1/projects")
    state = engine.create(provider(), program(sb))
    assert [p["ref"] for p in projects_named(sb, "procurement-test")] == [state.id]
    assert api_calls(sb, "POST", "/v1/projects") == 1  # never blindly re-posted
    assert state.outputs["status"] == "ACTIVE_HEALTHY"


def test_create_timeout_after_commit_is_recovered_without_a_duplicate(supabase_env, engine):
    sb = supabase_env
    sb.supabase.add_fault("slow", method="POST", path="/v1/projects", delay=FAST_HTTP.read_timeout + 2)
    state = engine.create(provider(), program(sb))
    assert [p["ref"] for p in projects_named(sb, "procurement-test")] == [state.id]
    assert api_calls(sb, "POST", "/v1/projects") == 1


def test_create_5xx_before_commit_is_retried_once_known_absent(supabase_env, engine):
    sb = supabase_env
    sb.supabase.add_fault("error", method="POST", path="/v1/projects", status=503)
    state = engine.create(provider(), program(sb))
    # The 503 was ambiguous, the lookup found nothing, so the create was repeated: one project.
    assert [p["ref"] for p in projects_named(sb, "procurement-test")] == [state.id]
    assert api_calls(sb, "POST", "/v1/projects") == 2


@pytest.mark.parametrize("fault", [
    {"kind": "rate_limit", "count": 2, "retry_after": 1},
    {"kind": "error", "status": 502, "count": 3},
    {"kind": "reset", "count": 2},
    {"kind": "slow", "delay": FAST_HTTP.read_timeout + 1, "count": 1},
], ids=["429", "5xx-burst", "reset", "timeout"])
def test_read_faults_are_retried_to_the_same_result(supabase_env, engine, fault):
    sb = supabase_env
    p = provider()
    state = engine.create(p, program(sb))
    clean = engine.refresh(p, state)
    sb.supabase.add_fault(method="GET", path="/v1/projects/{ref}", **fault)
    faulted = engine.refresh(p, state)
    assert faulted.outputs == clean.outputs and faulted.inputs == clean.inputs
    assert not sb.supabase.faults.list()  # every injected fault was actually hit


@pytest.mark.parametrize("fault", [
    {"kind": "rate_limit", "count": 1, "retry_after": 1},
    {"kind": "error", "status": 500, "count": 2},
    {"kind": "reset", "count": 1},
], ids=["429", "5xx-burst", "reset"])
def test_faults_during_the_health_wait_do_not_break_create(supabase_env, engine, fault):
    sb = supabase_env
    sb.supabase.add_fault(method="GET", path="/v1/projects/{ref}/health", **fault)
    state = engine.create(provider(), program(sb))
    assert state.outputs["status"] == "ACTIVE_HEALTHY"
    assert len(projects_named(sb, "procurement-test")) == 1
    assert not sb.supabase.faults.list()


def test_rename_survives_a_lost_response(supabase_env, engine):
    sb = supabase_env
    p = provider()
    state = engine.create(p, program(sb))
    sb.supabase.add_fault("drop_response", method="PATCH", path="/v1/projects/{ref}")
    renamed = engine.up(p, state, program(sb, name="procurement-renamed"))  # PATCH is idempotent: retried
    assert sb.supabase.store.data["projects"][state.id]["name"] == "procurement-renamed"
    assert renamed.outputs["name"] == "procurement-renamed"
