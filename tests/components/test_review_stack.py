"""A review stack under mocks: a Supabase branch instead of the project, every Render object in its own project's
environment pr-<n>, every vendor name tagged, nothing on the shared zone or in GitHub."""
import json

import pytest

from components import naming
from components.database import role_grants
from tests.components.platform_mocks import BRANCH_REF, REVIEW_PARENT_REF, REVIEW_PR, password_of, run_review_stack
from tests.components.stack_cases import config_of

BRANCH = "pulumi-python:dynamic/supabase:Branch"
PROJECT = "pulumi-python:dynamic/render:Project"
SERVICE = "pulumi-python:dynamic/render:Service"
ENV_GROUP = "pulumi-python:dynamic/render:EnvGroup"
ENV_VARS = "pulumi-python:dynamic/render:EnvVars"
ROLE = "pulumi-python:dynamic/supabase:SqlRole"
EXTENSION = "pulumi-python:dynamic/supabase:Extension"
ENVIRONMENT_ID = f"evm-mock-pr-{REVIEW_PR}"


@pytest.fixture(scope="module", params=["local", "staging"])
def base(request):
    """The committed stack the review stack is derived from."""
    return request.param


@pytest.fixture(scope="module")
def run(base):
    return run_review_stack(base, head_branch="feature/po-approvals")


def test_the_database_is_a_branch_of_the_parent_project(run):
    branch = run.one(BRANCH)
    assert branch.inputs["name"] == f"pr-{REVIEW_PR}"
    assert branch.inputs["parent_project_ref"] == REVIEW_PARENT_REF
    assert branch.inputs["git_branch"] == "feature/po-approvals"
    supabase = {r.type.rsplit(":", 1)[-1] for r in run.resources if "/supabase:" in r.type}
    assert supabase == {"Branch", "SqlRole", "Extension"}  # no Project, settings, pooler, network, keys, PITR, backup
    assert run.outputs["database_branch_ref"] == BRANCH_REF


def test_the_roles_and_extensions_are_on_the_branch(run, base):
    cfg = config_of(base).database  # the derive rule keeps the base's roles and extensions
    roles, extensions = run.of_type(ROLE), run.of_type(EXTENSION)
    assert sorted(r.inputs["name"] for r in roles) == sorted(role.name for role in cfg.roles)
    assert sorted(e.inputs["name"] for e in extensions) == sorted(cfg.extensions)
    # On the branch's ref, waiting on the branch (GET /v1/projects/{branch ref} is 404); the project's grants.
    assert {(r.inputs["project_ref"], r.inputs["branch"]) for r in roles + extensions} == {(BRANCH_REF, True)}
    for role in cfg.roles:
        [declared] = [r for r in roles if r.inputs["name"] == role.name]
        assert declared.inputs["grants"] == role_grants(role) and declared.inputs["login"] is True
        assert declared.inputs["password"] == password_of(f"database-role-{role.name}-password")


def test_every_render_object_is_in_the_pull_requests_environment(run):
    project = run.one(PROJECT)
    assert project.inputs["name"] == f"procurement-pr-{REVIEW_PR}"
    assert list(project.inputs["environments"]) == [f"pr-{REVIEW_PR}"]
    placed = run.of_type(SERVICE) + run.of_type(ENV_GROUP)
    assert len(run.of_type(SERVICE)) == 5  # four backend services and the static site
    assert {r.name: r.inputs.get("environment_id") for r in placed} == {r.name: ENVIRONMENT_ID for r in placed}


def test_every_vendor_name_carries_the_tag(run):
    # Roles and extensions are named inside the branch's database, which is the tagged object.
    named = [r for r in run.resources if r.type.startswith("pulumi-python:dynamic/") and "name" in r.inputs
             and r.type not in (ROLE, EXTENSION)]
    assert named
    assert {r.name: naming.review_pr_of(r.inputs["name"]) for r in named} == {r.name: REVIEW_PR for r in named}


def test_nothing_on_the_shared_zone_in_github_or_on_a_custom_domain(run):
    assert not [r.type for r in run.resources if r.type.split(":")[0] in ("cloudflare", "github", "docker")]
    assert not run.of_type("pulumi-python:dynamic/render:CustomDomain")
    assert run.outputs["api_url"] == f"https://procurement-pr-{REVIEW_PR}-api.onrender.com"
    assert run.outputs["frontend_url"] == f"https://procurement-pr-{REVIEW_PR}-app.onrender.com"
    assert run.outputs["review"] == {"pr": str(REVIEW_PR), "expires_at": "2026-12-09T12:00:00Z"}


def test_no_service_gets_the_branch_superuser(run):
    inputs = json.dumps([r.inputs for r in run.resources if "/render:" in r.type], default=str)
    assert "MockBranchPw" not in inputs and "postgresql://postgres" not in inputs


def test_each_service_gets_its_own_role_on_the_branch(run, base):
    cfg = config_of(base)
    for service in cfg.backend.services:
        env = run.one(ENV_VARS, f"backend-{service.name}-env")
        assert env.is_secret("variables")
        role = cfg.database.role_for(service.name).name
        password = password_of(f"database-role-{role}-password")
        # The branch's own host and port (no pooler), TLS required as on a project (enforceSsl's default).
        assert env.inputs["variables"]["DATABASE_URL"] == \
            f"postgresql://{role}:{password}@db.{BRANCH_REF}.supabase.co:5432/postgres?sslmode=require"
        assert not {"SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SECRET_KEY"} & set(env.inputs["variables"])
