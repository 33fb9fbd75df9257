"""The real Pulumi CLI for tests: install/locate it, and run it offline against a throwaway backend.

Use from a conftest.py:

    from tools.engine.testing import pulumi_engine, pulumi_env  # noqa: F401  (registers the fixtures)

The fixtures (``pulumi_engine``, ``pulumi_home``, ``pulumi_env``): tools/engine/README.md, "For tests". If the
engine cannot be provided the test FAILS with the install script's message; it is never skipped.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

import pytest

from tools import REPO_ROOT

INSTALL_SCRIPT = REPO_ROOT / "tools" / "scripts" / "install-engine.sh"
VERSIONS_FILE = REPO_ROOT / "tools" / "scripts" / "engine-versions.env"
# Passphrase of throwaway test stacks only; real stacks take theirs from the environment.
TEST_PASSPHRASE = "procurement-infra-test-passphrase"

OFFLINE_ENV = {
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    "PULUMI_DISABLE_REGISTRY_RESOLVE": "true",
}


class EngineUnavailable(RuntimeError):
    """tools/scripts/install-engine.sh could not provide the engine; the message says why."""


def read_versions(path: Path = VERSIONS_FILE) -> dict[str, str]:
    versions = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            versions[key.strip()] = value.strip()
    return versions


@dataclass(frozen=True)
class Engine:
    bin_dir: Path
    cli_version: str  # without the leading "v", e.g. "3.274.1"
    sdk_version: str

    @property
    def pulumi(self) -> Path:
        return self.bin_dir / "pulumi"

    def environ(
        self,
        *,
        pulumi_home: Path,
        backend_url: Optional[str] = None,
        passphrase: Optional[str] = None,
        extra: Optional[Mapping[str, str]] = None,
    ) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
        env.update(OFFLINE_ENV)
        env["PATH"] = f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env["PULUMI_HOME"] = str(pulumi_home)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        if backend_url is not None:
            env["PULUMI_BACKEND_URL"] = backend_url
        if passphrase is not None:
            env["PULUMI_CONFIG_PASSPHRASE"] = passphrase
        env.update(extra or {})
        return env


def install_engine() -> Engine:
    """Run tools/scripts/install-engine.sh (idempotent) and return the engine it provides."""
    done = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True)
    if done.returncode != 0:
        raise EngineUnavailable(
            f"tools/scripts/install-engine.sh exited {done.returncode}:\n{done.stderr.strip()}\n{done.stdout.strip()}"
        )
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise EngineUnavailable(f"tools/scripts/install-engine.sh printed no bin directory:\n{done.stderr.strip()}")
    versions = read_versions()
    return Engine(Path(lines[-1]), versions["PULUMI_CLI_VERSION"], versions["PULUMI_SDK_VERSION"])


def run_pulumi(
    args: Sequence[str], *, cwd: Path, env: Mapping[str, str], check: bool = True, timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run `pulumi <args> --non-interactive`; with check=True a failure shows the CLI's output."""
    command = ["pulumi", *args, "--non-interactive"]
    done = subprocess.run(command, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(
            f"`{' '.join(command)}` exited {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
    return done


@pytest.fixture(scope="session")
def pulumi_engine() -> Engine:
    try:
        return install_engine()
    except EngineUnavailable as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def pulumi_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pulumi-home")


@pytest.fixture
def pulumi_env(pulumi_engine: Engine, pulumi_home: Path, tmp_path: Path) -> dict[str, str]:
    backend = tmp_path / "pulumi-state"
    backend.mkdir()
    return pulumi_engine.environ(
        pulumi_home=pulumi_home, backend_url=backend.as_uri(), passphrase=TEST_PASSPHRASE
    )


def ephemeral_messages(events: Path, name: str) -> list[str]:
    """The ephemeral status messages (what a provider reports while it waits) the engine received for
    the resource named ``name``, from a `--event-log` file (`PULUMI_DEBUG_COMMANDS=true`)."""
    out = []
    for line in events.read_text().splitlines():
        diag = json.loads(line).get("diagnosticEvent") or {}
        if diag.get("ephemeral") and diag.get("urn", "").endswith("::" + name):
            out.append(diag["message"])
    return out


def python_project_yaml(name: str, virtualenv: str = sys.prefix) -> str:
    """Pulumi.yaml for a throwaway Python project running in the given (default: this) venv."""
    return f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: {virtualenv}\n"
