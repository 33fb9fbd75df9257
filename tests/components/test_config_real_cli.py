"""Under the real `pulumi` CLI: the project loads, the local stack runs, a bad stack fails cleanly.

The mock tests cover the config logic; these check what only the engine can: Pulumi.yaml's
declarations are accepted, the local stack's secure: values decrypt with the documented
passphrase and arrive as secrets, and a ConfigError is shown as a plain error message (no Python
traceback) with nothing created. (The local stack's real `up`: tests/engine/test_main_job.py.)
"""
import json
import re
import shutil
import sys

import yaml

from engine.testing import run_pulumi
from stack_cases import ESC_SECRETS
from tests.mock_harness import PROJECT_ROOT

LOCAL_PASSPHRASE = "procurement-local"  # documented in README and the Makefile; guards sandbox tokens only
MISSING_PLUGIN = re.compile(r"no resource plugin 'pulumi-resource-(cloudflare|github|docker)' found")


def project_copy(tmp_path, *stack_files):
    """The program and its stack files in a scratch directory, so state and stack edits stay out of the repo."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", *stack_files):
        shutil.copy(PROJECT_ROOT / name, root / name)
    (root / ".venv").symlink_to(sys.prefix)  # Pulumi.yaml names the project venv `.venv`
    return root


def test_local_stack_opens_with_the_documented_passphrase_and_holds_no_credential(tmp_path, pulumi_env):
    # The local stack's `up` against the sandbox, and its outputs against the harness's, are the
    # main job's test (tests/engine/test_main_job.py); here only what the stack file itself holds.
    root = project_copy(tmp_path, "Pulumi.local.yaml")
    env = {**pulumi_env, "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE}
    run_pulumi(["stack", "init", "local"], cwd=root, env=env)
    # The passphrase opens the stack (its salt is committed); the config holds no token, secret or not:
    # scripts/local-stack.sh exports the sandbox's tokens, as the stacks' ESC environments do.
    shown = json.loads(run_pulumi(["config", "--json", "--show-secrets", "--stack", "local"], cwd=root,
                                  env=env).stdout)
    assert shown["procurement:environment"] == {"value": "local", "secret": False}
    assert not [key for key, value in shown.items() if value["secret"]]
    assert not [key for key in shown if "Key" in key or "Token" in key or "Password" in key]


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
    # The CLI type-checks each stack file against Pulumi.yaml before the program runs; the program
    # then validates the config and declares the tiers. The first thing that stops these previews
    # on this machine is a bridged provider plugin (Cloudflare, GitHub, Docker), which cannot be
    # built here (README "Tests"): getting that far means the CLI and the program accepted the stack.
    root = project_copy(tmp_path, "Pulumi.staging.yaml", "Pulumi.production.yaml")
    for stack in ("staging", "production"):
        run_pulumi(["stack", "init", stack], cwd=root, env=pulumi_env)
        for key, secret in ESC_SECRETS[stack].items():
            run_pulumi(["config", "set", "--secret", "--stack", stack, key, secret.value], cwd=root, env=pulumi_env)
        done = run_pulumi(["preview", "--stack", stack, "--json"], cwd=root, env=pulumi_env, check=False)
        preview = json.loads(done.stdout)
        errors = [d["message"] for d in preview.get("diagnostics", []) if d.get("severity") == "error"]
        assert errors, f"{stack}: expected the missing bridged plugins to stop the preview"
        assert any(MISSING_PLUGIN.search(e) for e in errors), (stack, errors)
        text = "\n".join(errors)
        assert "configuration problem" not in text and "must be of type" not in text, (stack, text)
