"""The real program on the `local` stack in a scratch directory, pointed at a test's sandbox.

What the real-engine tests of the program share: a copy of `Pulumi.yaml`, `__main__.py` and
`Pulumi.local.yaml` (its API URLs replaced by the sandbox's, then edited by the test), the test
runner's venv as the project's `.venv`, the stack `local` initialised, and the environment
`tools/scripts/local-stack.sh` would export (the passphrase; the vendor tokens, unless a test hands them
out itself).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable, Optional

import yaml

from tools.engine.testing import run_pulumi
from tests.mock_harness import PROJECT_ROOT

PASSPHRASE = "procurement-local"  # docs/explanation/secrets.md: guards the local state's secrets


def local_project(tmp_path: Path, pulumi_env: dict, sandbox, *,
                  edit_config: Optional[Callable[[dict], None]] = None,
                  with_tokens: bool = True, extra_env: Optional[dict] = None,
                  source: Path = PROJECT_ROOT) -> tuple[Path, dict]:
    """(project root, environment) with the stack `local` initialised. ``edit_config`` changes the
    `config` mapping of Pulumi.local.yaml (already pointed at the sandbox) before the stack exists.
    ``source``: the checkout whose program runs (an earlier release's, for upgrade tests)."""
    root = tmp_path / "project"
    root.mkdir()
    (root / ".venv").symlink_to(sys.prefix)  # Pulumi.yaml names the project venv `.venv`
    use_program(root, sandbox, source, edit_config)
    env = {**pulumi_env, "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, **(extra_env or {})}
    if source != PROJECT_ROOT:  # the program and the provider host import that checkout's packages
        env["PYTHONPATH"] = str(source)
    if with_tokens:
        env.update({"RENDER_API_KEY": sandbox.render.token, "SUPABASE_ACCESS_TOKEN": sandbox.supabase.token})
    run_pulumi(["stack", "init", "local"], cwd=root, env=env)
    return root, env


def use_program(root: Path, sandbox, source: Path = PROJECT_ROOT,
                edit_config: Optional[Callable[[dict], None]] = None) -> None:
    """Puts ``source``'s `Pulumi.yaml`, `__main__.py` and `Pulumi.local.yaml` (pointed at the sandbox)
    into ``root``. Every release's file carries the same passphrase salt its secure values need."""
    for name in ("Pulumi.yaml", "__main__.py"):
        (root / name).write_bytes((source / name).read_bytes())
    stack_file = root / "Pulumi.local.yaml"
    doc = yaml.safe_load((source / "Pulumi.local.yaml").read_text())
    doc["config"]["procurement:renderApiUrl"] = sandbox.render.base_url
    doc["config"]["procurement:supabaseApiUrl"] = sandbox.supabase.base_url
    if "procurement:renderTrafficGatewayUrl" in doc["config"]:  # the release checks (releases before them: none)
        doc["config"]["procurement:renderTrafficGatewayUrl"] = sandbox.traffic_gateway_url
    if edit_config is not None:
        edit_config(doc["config"])
    stack_file.write_text(yaml.safe_dump(doc, sort_keys=False))


def without_database(config: dict) -> None:
    """``edit_config`` for tests about the Render side only: no Supabase project to wait for."""
    config["procurement:tiers"]["database"] = False
    del config["procurement:database"]


def pulumi(root: Path, env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """A pulumi command on the stack `local` of ``root``."""
    return run_pulumi([*args, "--stack", "local"], cwd=root, env=env, check=check)
