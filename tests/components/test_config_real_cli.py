"""Under the real `pulumi` CLI: the project loads, the local stack runs, a bad stack fails cleanly.

The mock tests cover the config logic; these check what only the engine can: Pulumi.yaml's
declarations are accepted, the local stack's secure: values decrypt with the documented
passphrase and arrive as secrets, the harness's outputs match the engine's, and a ConfigError
is shown as a plain error message (no Python traceback) with nothing created.
"""
import json
import shutil
import sys

import yaml

from engine.testing import run_pulumi
from stack_cases import ESC_SECRETS
from tests.mock_harness import PROJECT_ROOT, run_program

LOCAL_PASSPHRASE = "procurement-local"  # documented in README and the Makefile; guards sandbox tokens only


def project_copy(tmp_path, *stack_files):
    """The program and its stack files in a scratch directory, so state and stack edits stay out of the repo."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", *stack_files):
        shutil.copy(PROJECT_ROOT / name, root / name)
    (root / ".venv").symlink_to(sys.prefix)  # Pulumi.yaml names the project venv `.venv`
    return root


def test_local_stack_runs_under_the_real_engine_as_under_mocks(tmp_path, pulumi_env):
    root = project_copy(tmp_path, "Pulumi.local.yaml")
    env = {**pulumi_env, "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE}
    run_pulumi(["stack", "init", "local"], cwd=root, env=env)
    run_pulumi(["up", "--yes", "--stack", "local"], cwd=root, env=env)
    outputs = json.loads(run_pulumi(["stack", "output", "--json", "--stack", "local"], cwd=root, env=env).stdout)
    assert outputs == run_program("local").outputs

    # The sandbox tokens decrypt and are known to the program as secrets.
    shown = json.loads(run_pulumi(["config", "--json", "--show-secrets", "--stack", "local"], cwd=root,
                                  env=env).stdout)
    assert shown["procurement:renderApiKey"] == {"value": "rnd_sandbox_local_token", "secret": True}
    assert shown["procurement:supabaseAccessToken"] == {"value": "sbp_sandbox_local_token", "secret": True}


def test_bad_stack_fails_preview_with_one_clean_message(tmp_path, pulumi_env):
    root = project_copy(tmp_path, "Pulumi.production.yaml")
    stack = yaml.safe_load((root / "Pulumi.production.yaml").read_text())
    config = stack["config"]
    config["procurement:backend"]["minInstances"] = 1
    config["procurement:database"]["deletionProtection"] = False
    config["procurement:domian"] = "acme-procurement.com"
    config["procurement:renderApiKey"] = "rnd_plaintext_in_the_stack_file"
    (root / "Pulumi.bad.yaml").write_text(yaml.safe_dump(stack))
    run_pulumi(["stack", "init", "bad"], cwd=root, env=pulumi_env)
    for key, secret in ESC_SECRETS["production"].items():  # what the production ESC environment supplies
        run_pulumi(["config", "set", "--secret", "--stack", "bad", key, secret.value], cwd=root, env=pulumi_env)

    done = run_pulumi(["preview", "--stack", "bad"], cwd=root, env=pulumi_env, check=False)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "Stack 'bad' has 4 configuration problems" in output
    for key in ("procurement:backend.minInstances", "procurement:database.deletionProtection",
                "procurement:domian", "procurement:renderApiKey"):
        assert f"- {key}: " in output, output
    assert "Traceback" not in output and "rnd_plaintext_in_the_stack_file" not in output
    assert "+ 1 to create" in output  # only the root stack: no resource was declared


def test_staging_and_production_stack_files_pass_the_cli_and_the_program(tmp_path, pulumi_env):
    # The CLI type-checks each stack file against Pulumi.yaml before the program runs.
    root = project_copy(tmp_path, "Pulumi.staging.yaml", "Pulumi.production.yaml")
    for stack in ("staging", "production"):
        run_pulumi(["stack", "init", stack], cwd=root, env=pulumi_env)
        for key, secret in ESC_SECRETS[stack].items():
            run_pulumi(["config", "set", "--secret", "--stack", stack, key, secret.value], cwd=root, env=pulumi_env)
        done = run_pulumi(["preview", "--stack", stack, "--json"], cwd=root, env=pulumi_env)
        preview = json.loads(done.stdout)
        assert "pulumi:pulumi:Stack" in {step["newState"]["type"] for step in preview["steps"]}
        assert not [d for d in preview.get("diagnostics", []) if d.get("severity") == "error"]
