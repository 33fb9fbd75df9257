"""Removing a setting reverts it, end to end (issue 14): `backend.maxInstances` on the real `local` stack with the real
engine and the sandbox. With it, up turns Render autoscaling on; without it, up turns autoscaling off again (a fixed
instance count), and `preview --refresh --expect-no-changes` passes: drift detection watches autoscaling now, so it
would fail if autoscaling were still on."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.engine.testing import python_project_yaml, run_pulumi
from tests.tools.engine.local_project import local_project, pulumi, without_database



@pytest.fixture
def project(tmp_path: Path, pulumi_env: dict, sandbox) -> tuple[Path, dict]:
    # The database tier is not what this test is about: without it, faster.
    return local_project(tmp_path, pulumi_env, sandbox, edit_config=without_database)


def api_details(root: Path, env: dict, sandbox) -> dict:
    api = json.loads(pulumi(root, env, "stack", "output", "backend_service_ids", "--json").stdout)["api"]
    return sandbox.render.store.data["services"][api]["serviceDetails"]


def test_removing_max_instances_turns_autoscaling_off_and_drift_detection_agrees(project, sandbox):
    root, env = project
    pulumi(root, env, "config", "set", "--path", "procurement:backend.maxInstances", "3")
    pulumi(root, env, "up", "--yes", "--skip-preview")
    scaling = api_details(root, env, sandbox).get("autoscaling") or {}
    assert scaling.get("enabled") is True and scaling.get("max") == 3

    pulumi(root, env, "config", "rm", "--path", "procurement:backend.maxInstances")
    plan = json.loads(pulumi(root, env, "preview", "--json").stdout)
    steps = {step["urn"].rsplit("::", 1)[-1]: step for step in plan.get("steps", [])}
    assert steps["backend-api"]["op"] == "update"  # the removal is a change, not "left to the API"
    pulumi(root, env, "up", "--yes", "--skip-preview")

    details = api_details(root, env, sandbox)
    assert not (details.get("autoscaling") or {}).get("enabled"), details.get("autoscaling")
    assert details["numInstances"] == 1  # back to the fixed count (minInstances)
    pulumi(root, env, "preview", "--refresh", "--expect-no-changes")
    pulumi(root, env, "destroy", "--yes", "--skip-preview")


DISK_PROGRAM = """
import pulumi
from dynamic_providers.render import Service

disk = {{"disk": {{"name": "data", "mount_path": "/data", "size_gb": 1}}}} if pulumi.Config().get_bool("disk") else {{}}
Service("api", name="api", owner_id={owner!r}, service_type="web_service", image="ghcr.io/acme/api:1", **disk)
"""


def test_a_removal_that_cannot_revert_warns_in_the_preview_naming_the_field(tmp_path, pulumi_env, sandbox):
    """The warning travels the engine's Log service (progress.warn) into the CLI's preview and its JSON."""
    project = tmp_path / "disk"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(python_project_yaml("removal-warning-test"))
    (project / "__main__.py").write_text(DISK_PROGRAM.format(owner=sandbox.render.owner_id))
    env = {**pulumi_env, "RENDER_API_URL": sandbox.render.base_url, "RENDER_API_KEY": sandbox.render.token}
    run_pulumi(["stack", "init", "test"], cwd=project, env=env)
    run_pulumi(["config", "set", "disk", "true"], cwd=project, env=env)
    run_pulumi(["up", "--yes", "--skip-preview"], cwd=project, env=env)
    (service_id,) = sandbox.render.store.data["services"]
    run_pulumi(["config", "set", "disk", "false"], cwd=project, env=env)

    done = run_pulumi(["preview", "--diff"], cwd=project, env=env)
    shown = done.stdout + done.stderr
    assert "warning:" in shown and "removing 'disk' does not revert it" in shown, shown
    plan = json.loads(run_pulumi(["preview", "--json"], cwd=project, env=env).stdout)
    warnings = [d for d in plan.get("diagnostics", []) if d.get("severity") == "warning"]
    assert any("'disk'" in d.get("message", "") and d.get("urn", "").endswith("::api") for d in warnings), plan

    run_pulumi(["up", "--yes", "--skip-preview"], cwd=project, env=env)
    assert sandbox.render.store.data["services"][service_id]["serviceDetails"]["disk"]  # kept, as warned
    run_pulumi(["preview", "--refresh", "--expect-no-changes"], cwd=project, env=env)
    run_pulumi(["destroy", "--yes", "--skip-preview"], cwd=project, env=env)
