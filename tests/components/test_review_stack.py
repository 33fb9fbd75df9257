"""A review stack under mocks: a Supabase branch instead of the project, every Render object in its own project's
environment pr-<n>, every vendor name tagged, nothing on the shared zone or in GitHub."""
import json

import pytest

from components import naming
from tests.components.platform_mocks import BRANCH_REF, REVIEW_PARENT_REF, REVIEW_PR, run_review_stack

BRANCH = "pulumi-python:dynamic/supabase:Branch"
PROJECT = "pulumi-python:dynamic/render:Project"
SERVICE = "pulumi-python:dynamic/render:Service"
ENV_GROUP = "pulumi-python:dynamic/render:EnvGroup"
ENVIRONMENT_ID = f"evm-mock-pr-{REVIEW_PR}"


@pytest.fixture(scope="module", params=["local", "staging"])
def run(request):
    return run_review_stack(request.param, head_branch="feature/po-approvals")


def test_the_database_is_a_branch_of_the_parent_project(run):
    branch = run.one(BRANCH)
    assert branch.inputs["name"] == f"pr-{REVIEW_PR}"
    assert branch.inputs["parent_project_ref"] == REVIEW_PARENT_REF
    assert branch.inputs["git_branch"] == "feature/po-approvals"
    supabase = {r.type.rsplit(":", 1)[-1] for r in run.resources if "/supabase:" in r.type}
    assert supabase == {"Branch"}  # no Project, settings, pooler, network, keys, PITR or backup
    assert run.outputs["database_branch_ref"] == BRANCH_REF


def test_every_render_object_is_in_the_pull_requests_environment(run):
    project = run.one(PROJECT)
    assert project.inputs["name"] == f"procurement-pr-{REVIEW_PR}"
    assert list(project.inputs["environments"]) == [f"pr-{REVIEW_PR}"]
    placed = run.of_type(SERVICE) + run.of_type(ENV_GROUP)
    assert len(run.of_type(SERVICE)) == 5  # four backend services and the static site
    assert {r.name: r.inputs.get("environment_id") for r in placed} == {r.name: ENVIRONMENT_ID for r in placed}


def test_every_vendor_name_carries_the_tag(run):
    named = [r for r in run.resources if r.type.startswith("pulumi-python:dynamic/") and "name" in r.inputs]
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
    assert "MockBranchPw" not in inputs and "DATABASE_URL" not in inputs
