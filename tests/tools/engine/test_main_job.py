"""The main job, for real: the README's `make up` brings the local platform up from nothing.

It runs the README's command itself (`make up`, with the sandbox on ephemeral ports, short
sandbox delays, and the sandbox and file-backend directories in a temporary directory: the
Makefile's documented variables), with the real Pulumi CLI and the real Render and Supabase
providers against the sandbox's emulators and real Postgres. Then: a second `make up` changes
nothing, a preview with `--expect-no-changes` passes, the outputs match the contract (keys and
secrecy) and the mock harness, no secret is in plain text in the state, the API service's
DATABASE_URL logs into Postgres as its own role, the example consumer reads the outputs through a
StackReference, and `make down` leaves the sandbox empty.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional

import psycopg
import pytest

from components.outputs import BY_KEY, expected_keys
from tools.engine.testing import REPO_ROOT, Engine, run_pulumi
from tools.sandbox import data_dirs
from tools.sandbox.client import SandboxControl
from tests.components.platform_mocks import run_stack
from tests.components.stack_cases import config_of

PASSPHRASE = "procurement-local"  # docs/explanation/secrets.md: guards the local state's secrets
SANDBOX_TOKENS = ("rnd_sandbox_local_token", "sbp_sandbox_local_token")
STACK = "organization/procurement/local"  # the file backend's organization


class MainJob:
    def __init__(self, tmp_path: Path, sandbox_dir: Path, engine: Engine, pulumi_home: Path) -> None:
        self.sandbox_dir = sandbox_dir
        self.state_dir = tmp_path / "state"
        self.tmp = tmp_path
        self.make_vars = [f"SANDBOX_DIR={self.sandbox_dir}", "SANDBOX_RENDER_PORT=0", "SANDBOX_SUPABASE_PORT=0",
                          "SANDBOX_ARGS=--deploy-delay 0.2 --project-ready-delay 0.2",
                          f"LOCAL_STATE_DIR={self.state_dir}"]
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "RENDER_", "SUPABASE_"))}
        self.env = {**base, "PULUMI_HOME": str(pulumi_home)}
        # For direct `pulumi` calls on the same stack (what tools/scripts/local-stack.sh sets up).
        self.pulumi_env = engine.environ(pulumi_home=pulumi_home, backend_url=f"file://{self.state_dir}",
                                         passphrase=PASSPHRASE)

    def make(self, target: str, timeout: float = 900) -> subprocess.CompletedProcess:
        done = subprocess.run(["make", target, *self.make_vars], cwd=REPO_ROOT, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, f"make {target} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    def script(self, *args: str, state_dir: Optional[Path] = None) -> subprocess.CompletedProcess:
        env = {**self.env, "SANDBOX_DIR": str(self.sandbox_dir), "LOCAL_STATE_DIR": str(state_dir or self.state_dir)}
        return subprocess.run(["bash", "tools/scripts/local-stack.sh", *args], cwd=REPO_ROOT, env=env, capture_output=True,
                              text=True, timeout=600)

    def pulumi(self, *args: str, cwd: Path = REPO_ROOT) -> str:
        return run_pulumi(list(args), cwd=cwd, env=self.pulumi_env).stdout

    def controls(self) -> dict[str, SandboxControl]:
        line = next(l for l in (self.sandbox_dir / "sandbox.log").read_text().splitlines() if '"render":' in l)
        urls = json.loads(line)
        return {name: SandboxControl(re.match(r"^(http://[^/]+)", urls[name]).group(1),
                                     token_file=urls["control_token_file"])
                for name in ("render", "supabase")}


@pytest.fixture
def job(tmp_path, pulumi_engine, pulumi_home):
    # pytest's tmp_path is private (mode 0700, root's on CI): the sandbox keeps the project databases where
    # Postgres's own user can reach them (tools/sandbox/data_dirs.py), so no directory needs opening up.
    sandbox_dir = tmp_path / "sandbox"
    job = MainJob(tmp_path, sandbox_dir, pulumi_engine, pulumi_home)
    try:
        yield job
    finally:
        # Stops the sandbox this test started (by its pid file) and waits for it and its Postgres servers.
        subprocess.run(["make", "sandbox-stop", *job.make_vars], cwd=REPO_ROOT, env=job.env, capture_output=True,
                       timeout=60)
        link = data_dirs.link_of(sandbox_dir / "state.json")
        if link.is_symlink():
            shutil.rmtree(os.readlink(link), ignore_errors=True)


SECRET_SIG = "4dabf18193072939515e22adb298388d"  # Pulumi's marker of a secret value in a state export


def revealed_values(value):
    """A `stack export --show-secrets` value with every secret object replaced by its plaintext."""
    if isinstance(value, dict) and value.get(SECRET_SIG) and "plaintext" in value:
        return revealed_values(json.loads(value["plaintext"]))
    if isinstance(value, dict):
        return {k: revealed_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [revealed_values(v) for v in value]
    return value


def summary(output: str) -> str:
    return output[output.rindex("Resources:"):].split("\n\n")[0]


def test_make_up_from_nothing_then_nothing_changes_and_down_cleans_up(job):
    first = job.make("up")
    created = re.search(r"\+ (\d+) created", summary(first.stdout))
    assert created, first.stdout
    assert "sandbox up:" in first.stdout and "Outputs:" in first.stdout

    # A preview of a stack with nothing in it yet (a fresh state beside the first) plans the same
    # resources: the values not known before `up` (ids, hosts, keys) do not stop it.
    fresh = job.script("preview", state_dir=job.tmp / "fresh-state")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert re.search(rf"\+ {created.group(1)} to create", fresh.stdout), fresh.stdout

    second = job.make("up")
    assert re.fullmatch(r"Resources:\s+\d+ unchanged", summary(second.stdout).strip()), summary(second.stdout)
    # The update's summary lists the outputs on a no-op up too (make up prints them no other way), masked.
    listed = second.stdout[second.stdout.rindex("Outputs:"):second.stdout.rindex("Resources:")]
    assert "api_url" in listed and re.search(r"supabase_anon_key\s*: \[secret\]", listed), listed
    preview = job.script("preview", "--expect-no-changes")
    assert preview.returncode == 0, preview.stdout + preview.stderr

    # Outputs: the contract's keys for the local stack, the same as under mocks, secret where promised.
    shown = json.loads(job.pulumi("stack", "output", "--json", "--show-secrets", "--stack", "local"))
    masked = json.loads(job.pulumi("stack", "output", "--json", "--stack", "local"))
    assert set(shown) == expected_keys(config_of("local")) == set(run_stack("local").outputs)
    assert {k for k, v in masked.items() if v == "[secret]"} == {k for k in shown if BY_KEY[k].secret}
    assert shown["api_url"] == "https://api.procurement.test"
    assert shown["supabase_url"] == f"https://{shown['supabase_project_ref']}.supabase.co"
    assert set(shown["backend_service_ids"]) == {"api", "worker", "approval-reminders", "exchange-rates"}

    # No plaintext secret anywhere in the state: passwords, keys, database URLs, API tokens.
    plain_state = job.pulumi("stack", "export", "--stack", "local")
    revealed = json.loads(job.pulumi("stack", "export", "--show-secrets", "--stack", "local"))
    secrets = set(SANDBOX_TOKENS) | {shown["supabase_anon_key"], shown["database_url"]}
    for resource in revealed["deployment"]["resources"]:
        outputs = revealed_values(resource.get("outputs", {}))
        for key in ("result", "db_password", "database_url", "anon_key", "service_role_key", "password"):
            if isinstance(outputs.get(key), str):
                secrets.add(outputs[key])
        secrets.update(v for v in (outputs.get("secret_keys") or {}).values() if isinstance(v, str))
        secrets.update(v for v in (outputs.get("variables") or {}).values()
                       if isinstance(v, str) and v.startswith(("postgresql://", "sb_secret", "eyJ")))
    assert len(secrets) > 10
    leaked = [s[:6] + "..." for s in secrets if s in plain_state]
    assert not leaked, f"plaintext secrets in the exported state: {leaked}"

    # The API service's DATABASE_URL, as Render holds it, logs into the real Postgres as its role.
    render, supabase = job.controls()["render"], job.controls()["supabase"]
    api_vars = render.state("env_vars", shown["api_service_id"])
    with psycopg.connect(api_vars["DATABASE_URL"], connect_timeout=10) as conn:
        assert conn.execute("select current_user").fetchone()[0] == "procurement_api"
    assert api_vars["DATABASE_URL"] == shown["database_url"]

    # Another team's program reads the outputs through a StackReference (examples/consumer/).
    consumer = job.tmp / "examples" / "consumer"
    shutil.copytree(REPO_ROOT / "examples" / "consumer", consumer)
    (job.tmp / ".venv").symlink_to(REPO_ROOT / ".venv")  # Pulumi.yaml: virtualenv ../../.venv
    job.pulumi("stack", "init", "consumer", cwd=consumer)
    job.pulumi("config", "set", "platformStack", STACK, "--stack", "consumer", cwd=consumer)
    job.pulumi("up", "--yes", "--stack", "consumer", cwd=consumer)
    read = json.loads(job.pulumi("stack", "output", "--json", "--show-secrets", "--stack", "consumer", cwd=consumer))
    assert read["api_health_url"] == "https://api.procurement.test/health"
    assert read["database_url"] == shown["database_url"]
    masked_read = json.loads(job.pulumi("stack", "output", "--json", "--stack", "consumer", cwd=consumer))
    assert masked_read["database_url"] == "[secret]" and masked_read["supabase_anon_key"] == "[secret]"
    job.pulumi("destroy", "--yes", "--stack", "consumer", cwd=consumer)

    # Every answer the sandbox gave held to the vendors' specs.
    broken = [e for c in (render, supabase) for e in c.journal() if e.get("response_violations")]
    assert not broken, broken[:3]

    job.make("down")
    for collection, objects in render.state().items():
        assert collection == "owners" or not objects, (collection, objects)
    for collection, objects in supabase.state().items():  # seeded organization, the pooler's own port
        assert collection in ("organizations", "pooler") or not objects, (collection, objects)
