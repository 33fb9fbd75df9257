"""The real engine drives a Python dynamic provider from dynamic_providers/ through a whole life:
up, a preview with no changes, outputs, refresh, a replacement, destroy."""

import json
import re
from pathlib import Path

import pytest

from dynamic_providers.random_password import SPECIAL_CHARACTERS
from tools.engine.testing import REPO_ROOT, python_project_yaml, read_versions, run_pulumi

PROGRAM = """
import pulumi
from dynamic_providers.random_password import RandomPassword

config = pulumi.Config()
password = RandomPassword("db-password", length=24, keepers={"rotation": config.get("rotation") or "1"})
pulumi.export("password", password.result)
pulumi.export("password_id", password.id)
pulumi.export("length", password.length)
"""

PASSWORD_TYPE = "pulumi-python:dynamic/random:RandomPassword"


@pytest.fixture
def project(tmp_path: Path, pulumi_env: dict) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(python_project_yaml("engine-test"))
    (project / "__main__.py").write_text(PROGRAM)
    run_pulumi(["stack", "init", "test"], cwd=project, env=pulumi_env)
    return project


def outputs(project: Path, env: dict, *, show_secrets: bool = False) -> dict:
    args = ["stack", "output", "--json"] + (["--show-secrets"] if show_secrets else [])
    return json.loads(run_pulumi(args, cwd=project, env=env).stdout)


def preview_steps(project: Path, env: dict) -> dict:
    """URN -> operation of `pulumi preview --json`."""
    preview = json.loads(run_pulumi(["preview", "--json"], cwd=project, env=env).stdout)
    return {step["urn"]: step["op"] for step in preview.get("steps", [])}, preview["changeSummary"]


def test_cli_and_sdk_versions_are_the_pinned_ones(pulumi_engine, pulumi_env, tmp_path):
    versions = read_versions()
    done = run_pulumi(["version"], cwd=tmp_path, env=pulumi_env)
    assert done.stdout.strip() == f"v{versions['PULUMI_CLI_VERSION']}"
    for name in ("requirements.in", "requirements.txt"):  # the pin and its lock
        requirements = (REPO_ROOT / name).read_text()
        assert re.search(rf"^pulumi=={re.escape(versions['PULUMI_SDK_VERSION'])}( \\)?$", requirements, re.M), (
            f"tools/scripts/engine-versions.env PULUMI_SDK_VERSION must equal the pulumi pin in {name}"
        )


def test_dynamic_provider_lifecycle(project: Path, pulumi_env: dict, tmp_path: Path):
    run_pulumi(["up", "--yes", "--skip-preview"], cwd=project, env=pulumi_env)

    # A second run changes nothing: the preview must say so (and --expect-no-changes enforces it).
    steps, summary = preview_steps(project, pulumi_env)
    assert summary == {"same": 2}, steps
    run_pulumi(["preview", "--expect-no-changes"], cwd=project, env=pulumi_env)

    # The password is a secret output: masked unless asked for.
    masked = outputs(project, pulumi_env)
    assert masked["password"] == "[secret]"
    assert masked["length"] == 24
    password = outputs(project, pulumi_env, show_secrets=True)["password"]
    assert len(password) == 24
    assert not set(password) & set(SPECIAL_CHARACTERS)

    # ...and never stored in plain text: not in the export, not in any backend file.
    exported = run_pulumi(["stack", "export"], cwd=project, env=pulumi_env).stdout
    assert PASSWORD_TYPE in exported
    assert password not in exported
    for state_file in (tmp_path / "pulumi-state").rglob("*"):
        if state_file.is_file():
            assert password.encode() not in state_file.read_bytes(), state_file

    # Refresh reads the resource back without any diff, and leaves the password alone.
    run_pulumi(["refresh", "--yes", "--expect-no-changes"], cwd=project, env=pulumi_env)
    run_pulumi(["preview", "--expect-no-changes"], cwd=project, env=pulumi_env)
    assert outputs(project, pulumi_env, show_secrets=True)["password"] == password

    # Changing a keeper replaces the resource: a new password with a new ID.
    old_id = outputs(project, pulumi_env)["password_id"]
    run_pulumi(["config", "set", "rotation", "2"], cwd=project, env=pulumi_env)
    steps, _ = preview_steps(project, pulumi_env)
    assert any(urn.endswith("::db-password") and op == "replace" for urn, op in steps.items()), steps
    run_pulumi(["up", "--yes", "--skip-preview"], cwd=project, env=pulumi_env)
    rotated = outputs(project, pulumi_env, show_secrets=True)
    assert rotated["password"] != password
    assert rotated["password_id"] != old_id

    run_pulumi(["destroy", "--yes", "--skip-preview"], cwd=project, env=pulumi_env)
    state = json.loads(run_pulumi(["stack", "export"], cwd=project, env=pulumi_env).stdout)
    assert not state["deployment"].get("resources")


def test_bad_input_fails_preview_naming_the_property(project: Path, pulumi_env: dict):
    (project / "__main__.py").write_text(PROGRAM.replace("length=24", "length=4"))
    done = run_pulumi(["preview"], cwd=project, env=pulumi_env, check=False)
    assert done.returncode != 0
    assert "length must be an integer from 8 to 256" in done.stdout + done.stderr


def test_bridged_sdks_in_the_venv_need_no_plugin_download(project: Path, pulumi_env: dict):
    """The venv holds pulumi_cloudflare/github/docker but the program creates none of their
    resources: the language host still reports their plugins (as Pulumi's Go host does), and the
    engine, with automatic plugin acquisition disabled, neither downloads nor needs them."""
    about = json.loads(run_pulumi(["about", "--json"], cwd=project, env=pulumi_env).stdout)
    plugins = {(p["name"], p["version"]) for p in about["plugins"] if p.get("kind") == "resource"}
    assert {("cloudflare", "6.23.1"), ("github", "6.15.0"), ("docker", "5.2.0")} <= plugins, about["plugins"]
    language = [p for p in about["plugins"] if p.get("kind") == "language"]
    assert language == [{"name": "python", "kind": "language", "version": read_versions()["PULUMI_SDK_VERSION"]}]

    done = run_pulumi(["preview", "--diff"], cwd=project, env=pulumi_env)
    output = done.stdout + done.stderr
    assert "Downloading" not in output and "not installed" not in output
    assert "+ 2 to create" in output
