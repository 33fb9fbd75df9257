"""A review stack on the real engine and the sandbox (issue 26): derived from Pulumi.local.yaml with the local
stack's Supabase project as the parent, `up` makes one branch pr-<n> and puts every service in the Render
environment pr-<n>; `destroy` leaves nothing named pr-<n> behind."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from components import naming
from components.config.review import stack_file_text
from engine.testing import run_pulumi
from tests.engine.local_project import local_project, pulumi

PR = 41
STACK = naming.review_stack(PR)


def database_only(config: dict) -> None:
    """The parent: the local stack's Supabase project alone (no services to wait for)."""
    config["procurement:tiers"].update(backend=False, frontend=False, observability=False)
    config["procurement:database"]["roles"] = []


def review(root: Path, env: dict, *args: str, check: bool = True):
    return run_pulumi([*args, "--stack", STACK], cwd=root, env=env, check=check, timeout=600)


def tagged(sandbox) -> dict[str, list[str]]:
    """Every vendor object in the sandbox whose name carries the review stack's tag, by kind."""
    render, supabase = sandbox.render.store.data, sandbox.supabase.store.data
    found = {
        "render services": [s["name"] for s in render["services"].values()],
        "render projects": [p["name"] for p in render["projects"].values()],
        "render env groups": [g["name"] for g in render["env_groups"].values()],
        "supabase branches": [b["name"] for b in supabase["branches"].values()],
    }
    return {kind: [n for n in names if naming.review_pr_of(n) == PR] for kind, names in found.items()}


@pytest.mark.sandbox_settings(deploy_delay=0.3)
def test_a_review_stack_comes_up_as_a_branch_and_an_environment_and_goes_away(tmp_path, pulumi_env, sandbox):
    root, env = local_project(tmp_path, pulumi_env, sandbox, edit_config=database_only)
    pulumi(root, env, "up", "--yes", "--skip-preview")
    parent = json.loads(pulumi(root, env, "stack", "output", "supabase_project_ref", "--json").stdout)

    base = yaml.safe_load((root / "Pulumi.local.yaml").read_text())  # the sandbox-pointed local file
    # Undo the parent's edits: the review stack is the whole local platform.
    base["config"]["procurement:tiers"].update(backend=True, frontend=True, observability=True)
    base["config"]["procurement:database"] = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "Pulumi.local.yaml").read_text())["config"]["procurement:database"]
    text = stack_file_text("Pulumi.local.yaml", base, PR, parent, head_branch="feature/review")
    (root / f"Pulumi.{STACK}.yaml").write_text(text)
    run_pulumi(["stack", "init", STACK], cwd=root, env=env)
    review(root, env, "up", "--yes", "--skip-preview")

    supabase, render = sandbox.supabase.store.data, sandbox.render.store.data
    branches = [b for b in supabase["branches"].values() if not b["is_default"]]
    assert [(b["name"], b["parent_project_ref"]) for b in branches] == [(STACK, parent)]
    outputs = json.loads(review(root, env, "stack", "output", "--json").stdout)
    assert outputs["database_branch_ref"] == branches[0]["project_ref"]
    assert outputs["review"]["pr"] == str(PR) and outputs["environment"] == "review"
    [project] = [p for p in render["projects"].values() if p["name"] == f"procurement-{STACK}"]
    [environment] = [render["environments"][e] for e in project["environmentIds"]]
    assert environment["name"] == STACK
    services = [s for s in render["services"].values() if naming.review_pr_of(s["name"]) == PR]
    assert len(services) == 5  # four backend services and the static site
    assert {s["name"]: s.get("environmentId") for s in services} == {s["name"]: environment["id"] for s in services}
    assert sorted(environment["serviceIds"]) == sorted(s["id"] for s in services)
    assert outputs["api_url"] == f"https://{render['services'][outputs['api_service_id']]['slug']}.onrender.com"

    review(root, env, "destroy", "--yes", "--skip-preview")
    assert tagged(sandbox) == {kind: [] for kind in tagged(sandbox)}
    assert [p["name"] for p in supabase["projects"].values() if "_branch_of" not in p]  # the parent stays
