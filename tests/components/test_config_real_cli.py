"""Under the real `pulumi` CLI: the project loads, the local stack runs, a bad stack fails cleanly,
and the file-backend check of docs/how-to/going-live.md of staging and production stops exactly where it says.

The mock tests cover the config logic; these check what only the engine can: Pulumi.yaml's
declarations are accepted, the local stack opens with the documented passphrase and holds no
credential, a ConfigError is shown as a plain error message (no Python traceback) with nothing
created, and the committed staging/production files get as far as this machine allows (their ESC
import, then the bridged plugins). (The local stack's real `up`: tests/tools/engine/test_main_job.py.)
"""
import json
import re
import shutil
import subprocess
import sys

import yaml
from pyrage import x25519

from tools.engine.testing import python_project_yaml, run_pulumi
from stack_cases import ESC_SECRETS
from tests.mock_harness import PROJECT_ROOT

LOCAL_PASSPHRASE = "procurement-local"  # documented in README and the Makefile; guards the local state's secrets
MISSING_PLUGIN = re.compile(r"no resource plugin 'pulumi-resource-(cloudflare|github|docker)' found")
PLUGIN_VERSIONS = {"cloudflare": "6.23.1", "github": "6.15.0", "docker": "5.2.0"}  # requirements.in


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
    # main job's test (tests/tools/engine/test_main_job.py); here only what the stack file itself holds.
    root = project_copy(tmp_path, "Pulumi.local.yaml")
    env = {**pulumi_env, "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE}
    run_pulumi(["stack", "init", "local"], cwd=root, env=env)
    # The passphrase opens the stack (its salt is committed); the config holds no token, secret or not:
    # tools/scripts/local-stack.sh exports the sandbox's tokens, as the stacks' ESC environments do.
    shown = json.loads(run_pulumi(["config", "--json", "--show-secrets", "--stack", "local"], cwd=root,
                                  env=env).stdout)
    assert shown["procurement:environment"] == {"value": "local", "secret": False}
    assert not [key for key, value in shown.items() if value["secret"]]
    assert not [key for key in shown if "Key" in key or "Token" in key or "Password" in key]


def test_bad_stack_fails_preview_with_one_clean_message(tmp_path, pulumi_env):
    root = project_copy(tmp_path, "Pulumi.production.yaml")
    stack = yaml.safe_load((root / "Pulumi.production.yaml").read_text())
    del stack["environment"]  # a file backend opens no ESC environment (docs/how-to/going-live.md)
    config = stack["config"]
    config["procurement:backend"]["minInstances"] = 1
    config["procurement:database"]["deletionProtection"] = False
    config["procurement:domian"] = "acme-procurement.com"
    config["procurement:renderApiKey"] = "rnd_plaintext_in_the_stack_file"
    for entry in config["procurement:backup"]["recipients"]:  # go-live's real keys (docs/how-to/operations.md "Backup keys")
        entry["recipient"] = str(x25519.Identity.generate().to_public())
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


# What stops a staging or production preview on a file backend, in order (docs/how-to/going-live.md,
# "Check it on a file backend"): the stack files' ESC import, then (with the import left out) the
# bridged provider plugins, which cannot be installed on this machine. {host} is the machine's name.
ESC_STOP = ("error: getting stack configuration: opening environment: backend {host} does not support "
            "environments; Pulumi ESC environments require the Pulumi Cloud backend, use `pulumi login` "
            "without arguments to log into the Pulumi Cloud backend")
PLUGIN_STOP = "error: no resource plugin 'pulumi-resource-{plugin}' found in the workspace at version {version} or on your $PATH"
REFERENCE_STOP = "error: Preview failed: organization name must be 'organization'"


def going_live_doc() -> str:
    return (PROJECT_ROOT / "docs" / "how-to" / "going-live.md").read_text()


def test_file_backend_check_stops_exactly_where_the_docs_say(tmp_path, pulumi_env):
    # The doc's commands, from a clone, on a file backend, with no credential at all set: the
    # previews need none (no Render/Supabase call without --refresh).
    root = project_copy(tmp_path, "Pulumi.staging.yaml", "Pulumi.production.yaml")
    (root / "tools" / "scripts").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "tools" / "scripts" / "stack-environment.sh", root / "tools" / "scripts")
    env = {k: v for k, v in pulumi_env.items() if not k.endswith(("_TOKEN", "_API_KEY"))}
    section = going_live_doc()
    esc_stop = re.compile(re.escape(ESC_STOP).replace(re.escape("{host}"), r"\S+"))
    assert ESC_STOP.replace("{host}", "<host>") in section
    assert PLUGIN_STOP.format(plugin="cloudflare", version="v6.23.1") in section
    for stack in ("staging", "production"):
        run_pulumi(["stack", "init", stack], cwd=root, env=env)
        done = run_pulumi(["preview", "--stack", stack], cwd=root, env=env, check=False)
        output = done.stdout + done.stderr
        assert done.returncode != 0 and esc_stop.search(output), output
        assert "Traceback" not in output and "+ 1 to create" not in output  # stopped before the program

        check = tmp_path / f"{stack}-check.yaml"
        written = subprocess.run(["bash", "tools/scripts/stack-environment.sh", stack, "none"], cwd=root,
                                 capture_output=True, text=True, check=True).stdout
        check.write_text(written)
        assert "environment" not in yaml.safe_load(written)
        if stack == "production":
            # Before go-live's backup keys the program refuses the placeholder recipients, one line each, and
            # declares nothing; the doc's remedy for the check: any pair's recipient in the check file.
            done = run_pulumi(["preview", "--stack", stack, "--config-file", str(check)], cwd=root, env=env,
                              check=False)
            output = done.stdout + done.stderr
            assert done.returncode != 0 and "Stack 'production' has 3 configuration problems" in output, output
            for i in (0, 1, 2):
                assert f"- procurement:backup.recipients[{i}].recipient: '<age1... of the " in output, output
            assert "Traceback" not in output and "procurement:backup.recipients[0].recipient: '<age1..." in \
                section.replace("\n", " ")
            for i in (0, 1, 2):
                run_pulumi(["config", "set", "--path", f"procurement:backup.recipients[{i}].recipient",
                            str(x25519.Identity.generate().to_public()), "--stack", stack, "--config-file",
                            str(check)], cwd=root, env=env)
        done = run_pulumi(["preview", "--stack", stack, "--config-file", str(check), "--json"], cwd=root, env=env,
                          check=False)
        preview = json.loads(done.stdout)
        errors = [d["message"] for d in preview.get("diagnostics", []) if d.get("severity") == "error"]
        plugins = [e for e in errors if MISSING_PLUGIN.search(e)]
        assert plugins, f"{stack}: expected the missing bridged plugins to stop the preview: {errors}"
        found = MISSING_PLUGIN.search(plugins[0])
        assert PLUGIN_STOP.format(plugin=found.group(1), version=f"v{PLUGIN_VERSIONS[found.group(1)]}") in \
            plugins[0].strip()
        text = "\n".join(errors)
        # The CLI and the program accepted the stack file: no config problem, no type error, no credential.
        assert "configuration problem" not in text and "must be of type" not in text, (stack, text)
        assert "API token" not in text and "is not set" not in text, (stack, text)


def test_a_file_backend_cannot_resolve_productions_promotion_source(tmp_path, pulumi_env):
    # The next stop on a file backend once the plugins are there: production's promoteFromStack names
    # acme-procurement/procurement/staging, and a file backend only knows the organization
    # `organization`. The doc's remedy: pin a digest in the check's config file.
    root = tmp_path / "reference"
    root.mkdir()
    (root / "Pulumi.yaml").write_text(python_project_yaml("procurement"))
    (root / "__main__.py").write_text("import pulumi\n"
                                      "ref = pulumi.StackReference('promoted-from', "
                                      "stack_name='acme-procurement/procurement/staging')\n"
                                      "pulumi.export('digest', ref.get_output('backend_image_digest'))\n")
    run_pulumi(["stack", "init", "production"], cwd=root, env=pulumi_env)
    done = run_pulumi(["preview", "--stack", "production"], cwd=root, env=pulumi_env, check=False)
    assert done.returncode != 0 and REFERENCE_STOP in done.stdout + done.stderr, done.stdout + done.stderr
    assert REFERENCE_STOP in going_live_doc()


def test_removing_the_last_app_secret_the_documented_way_leaves_a_valid_stack(tmp_path, pulumi_env):
    """`pulumi config rm --path` of a map's last entry leaves `env: {}` in the stack file: the program takes that as
    no secret (not as a plain-text one), so previews keep working."""
    root = project_copy(tmp_path, "Pulumi.local.yaml")
    env = {**pulumi_env, "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE}
    run_pulumi(["stack", "init", "local"], cwd=root, env=env)
    key = "procurement:appSecrets.services.api.env.STRIPE_API_KEY"
    run_pulumi(["config", "set", "--secret", "--path", key, "sk_test_only"], cwd=root, env=env)
    run_pulumi(["config", "rm", "--path", key], cwd=root, env=env)
    left = yaml.safe_load((root / "Pulumi.local.yaml").read_text())["config"]["procurement:appSecrets"]
    assert left == {"services": {"api": {"env": {}}}}, left  # what the CLI leaves behind
    done = run_pulumi(["preview", "--stack", "local"], cwd=root, env=env)
    text = done.stdout + done.stderr
    assert "plain text" not in text and "configuration problem" not in text, text
