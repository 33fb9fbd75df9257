"""Application configuration end to end: the `pulumi config set` commands of docs/tutorials/first-change.md on the real
`local` stack, the real engine and the sandbox.

A plain variable for every backend service, a secret variable and a secret file for the API
service, and a frontend build variable go in through stack config; `up` puts each where it
belongs in Render (the env group, the service's variables and secret files, the static site) and
redeploys; no secret value is in the state in plain text; a second `up` changes nothing; removing
them from config removes them from Render.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.tools.engine.local_project import local_project, pulumi, without_database

SECRET_VALUE = "sk_live_51Hq8procurementSecretValue"
SECRET_FILE = "-----BEGIN PRIVATE KEY-----\nMIIBVprocurementSigningKey\n-----END PRIVATE KEY-----"
# The tutorial's commands (docs/tutorials/first-change.md), with this test's values; the file's content
# is read from standard input (`... < signing.pem`), as the tutorial shows.
SET = [
    (["config", "set", "--path", "procurement:backend.env.LOG_LEVEL", "info"], None),
    (["config", "set", "--path", "procurement:frontend.env.VITE_FEATURE_FLAGS", "reports,approvals"], None),
    (["config", "set", "--secret", "--path", "procurement:appSecrets.services.api.env.STRIPE_API_KEY", SECRET_VALUE],
     None),
    (["config", "set", "--secret", "--path", 'procurement:appSecrets.services.api.files["signing.pem"]'],
     SECRET_FILE + "\n"),
]
REMOVE = [
    ["config", "rm", "--path", "procurement:backend.env.LOG_LEVEL"],
    ["config", "rm", "--path", "procurement:frontend.env.VITE_FEATURE_FLAGS"],
    ["config", "rm", "procurement:appSecrets"],
]


@pytest.fixture
def project(tmp_path: Path, pulumi_env: dict, sandbox) -> tuple[Path, dict]:
    # The database tier is not what this test is about: without it, faster.
    return local_project(tmp_path, pulumi_env, sandbox, edit_config=without_database)


def service_id(root: Path, env: dict, name: str) -> str:
    return json.loads(pulumi(root, env, "stack", "output", "backend_service_ids", "--json").stdout)[name]


def deploy_counts(store: dict, *service_ids: str) -> dict[str, int]:
    return {sid: sum(1 for d in store["deploys"].values() if d["_serviceId"] == sid) for sid in service_ids}


def test_variables_secrets_and_files_from_config_reach_render_and_leave_with_it(project, sandbox):
    root, env = project
    pulumi(root, env, "up", "--yes", "--skip-preview")
    store = sandbox.render.store.data
    api, worker = service_id(root, env, "api"), service_id(root, env, "worker")
    site = json.loads(pulumi(root, env, "stack", "output", "frontend_service_id", "--json").stdout)
    (group,) = store["env_groups"].values()
    before = deploy_counts(store, api, worker)

    for command, stdin in SET:
        done = subprocess.run(["pulumi", *command, "--stack", "local", "--non-interactive"], cwd=root, env=env,
                              input=stdin, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    stack_file = (root / "Pulumi.local.yaml").read_text()
    assert SECRET_VALUE not in stack_file and "BEGIN PRIVATE KEY" not in stack_file  # stored encrypted
    pulumi(root, env, "up", "--yes", "--skip-preview")

    assert store["env_groups"][group["id"]]["_envVars"]["LOG_LEVEL"] == "info"  # every backend service
    assert store["env_vars"][api]["STRIPE_API_KEY"] == SECRET_VALUE
    assert "STRIPE_API_KEY" not in store["env_vars"][worker]  # the api's own only
    assert store["secret_files"][api] == {"signing.pem": SECRET_FILE}
    assert store["env_vars"][site]["VITE_FEATURE_FLAGS"] == "reports,approvals"
    assert deploy_counts(store, api, worker) == {sid: n + 1 for sid, n in before.items()}  # one deploy each

    exported = pulumi(root, env, "stack", "export").stdout
    assert "render:SecretFiles" in exported
    assert SECRET_VALUE not in exported and "procurementSigningKey" not in exported

    pulumi(root, env, "preview", "--expect-no-changes")
    pulumi(root, env, "up", "--yes", "--skip-preview", "--expect-no-changes")

    for command in REMOVE:
        pulumi(root, env, *command)
    pulumi(root, env, "up", "--yes", "--skip-preview")
    assert "LOG_LEVEL" not in store["env_groups"][group["id"]]["_envVars"]
    assert "STRIPE_API_KEY" not in store["env_vars"][api] and not store["secret_files"].get(api)
    assert "VITE_FEATURE_FLAGS" not in store["env_vars"][site]
    # The worker redeployed once (the shared variable went); the api once for its variables and once
    # more after its last secret file was removed (deletes run last in an `up`), so what runs has none.
    assert deploy_counts(store, api, worker) == {api: before[api] + 3, worker: before[worker] + 2}
    pulumi(root, env, "preview", "--expect-no-changes")
    pulumi(root, env, "destroy", "--yes", "--skip-preview")
