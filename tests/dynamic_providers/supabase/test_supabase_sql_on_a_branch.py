"""``SqlRole`` and ``Extension`` with ``branch=True`` on a Supabase preview branch (sandbox, real Postgres).

They wait on ``GET /v1/branches/{ref}`` (a branch ref answers 404 on ``GET /v1/projects/{ref}``:
terraform-provider-supabase #345), then run their SQL on the branch's own database, never the parent's; on a
project they wait as before and never ask for a branch."""
from __future__ import annotations

import threading

import psycopg
import pytest

from dynamic_providers.core.errors import ApiError
from dynamic_providers.supabase.extension import ExtensionProvider
from dynamic_providers.supabase.sql_role import SqlRoleProvider
from tools.sandbox.testing import wait_for
from supabase_engine import FAST_HTTP, FAST_WAIT
from tests.tools.sandbox.supabase_projects import new_project

PASSWORD = "reviews-api-password-1"
GRANTS = [{"on": "database", "privileges": ["CONNECT"]},
          {"on": "schema", "schema": "public", "privileges": ["USAGE"]},
          {"on": "all_tables", "schema": "public", "privileges": ["SELECT"]}]


@pytest.fixture
def branch(supabase_env):
    """(api, parent ref, branch ref) of a branch just created: its database is still coming up."""
    api, parent = new_project(supabase_env, "staging", "parent-pass-1234")
    created = api.post(f"/v1/projects/{parent}/branches", json={"branch_name": "pr-5"})
    assert created.status_code == 201, created.text
    return api, parent, created.json()["project_ref"]


def role_program(ref, **over):
    return {"project_ref": ref, "name": "reviews_api", "password": PASSWORD, "grants": GRANTS, **FAST_WAIT, **over}


def gets(sb, path):
    return [e for e in sb.supabase.journal.entries() if e.method == "GET" and e.path == path]


def login(detail, user, password):
    return psycopg.connect(host=detail["db_host"], port=detail["db_port"], dbname="postgres", user=user,
                           password=password, connect_timeout=5, autocommit=True)


def test_a_role_and_an_extension_on_a_branch_wait_for_it_and_live_on_its_database(supabase_env, engine, branch):
    sb = supabase_env
    api, parent, ref = branch
    sb.supabase.journal.clear()
    project = sb.supabase.store["projects"][ref]
    project["_readyAt"] = float("inf")  # held COMING_UP until the provider is seen waiting
    made = {}
    creating = threading.Thread(target=lambda: made.update(extension=engine.create(
        ExtensionProvider(http=FAST_HTTP), {"project_ref": ref, "name": "pg_trgm", "branch": True, **FAST_WAIT})))
    creating.start()
    wait_for(lambda: len(gets(sb, f"/v1/branches/{ref}")) >= 2, timeout=30)
    assert not [e for e in sb.supabase.journal.entries() if "database/query" in e.path]  # nothing ran yet
    project["_readyAt"] = 0.0
    creating.join(timeout=60)
    extension = made["extension"]
    role = engine.create(SqlRoleProvider(http=FAST_HTTP), role_program(ref, branch=True))
    assert role.id == f"{ref}/reviews_api" and extension.outputs["installed_version"]
    # Waited on the branch (its status, polled until ACTIVE_HEALTHY), never on a project of that ref.
    assert gets(sb, f"/v1/branches/{ref}") and not gets(sb, f"/v1/projects/{ref}")
    assert not [e for e in sb.supabase.journal.entries() if e.status and e.status >= 400]

    detail = api.get(f"/v1/branches/{ref}").json()
    with login(detail, "reviews_api", PASSWORD) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("reviews_api",)
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'").fetchone() == (1,)
    on_parent = api.post(f"/v1/projects/{parent}/database/query", json={
        "query": "SELECT count(*) AS n FROM pg_roles WHERE rolname = 'reviews_api'"}).json()
    assert on_parent == [{"n": 0}]  # the branch's server only

    assert engine.refresh(SqlRoleProvider(http=FAST_HTTP), role) is not None
    engine.destroy(SqlRoleProvider(http=FAST_HTTP), role)
    engine.destroy(ExtensionProvider(http=FAST_HTTP), extension)
    with pytest.raises(psycopg.OperationalError):
        login(detail, "reviews_api", PASSWORD)


def test_without_the_branch_input_a_branch_ref_is_no_project(supabase_env, engine, branch):
    ref = branch[2]
    with pytest.raises(ApiError) as failed:
        engine.create(SqlRoleProvider(http=FAST_HTTP), role_program(ref))
    assert failed.value.status == 404 and failed.value.path == f"/v1/projects/{ref}"


def test_on_a_project_the_wait_never_asks_for_a_branch(supabase_env, engine):
    sb = supabase_env
    ref = new_project(sb, "plain", "plain-pass-1234")[1]
    sb.supabase.journal.clear()
    state = engine.create(SqlRoleProvider(http=FAST_HTTP), role_program(ref))
    assert "branch" not in {k for k, v in state.inputs.items() if v is not None}
    assert gets(sb, f"/v1/projects/{ref}")
    assert not [e for e in sb.supabase.journal.entries() if "/branches" in e.path]
