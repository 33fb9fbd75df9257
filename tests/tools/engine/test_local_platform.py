"""The local platform as a newcomer meets it, with the real engine, sandbox and Postgres.

A copy of this checkout's files (what `git clone` would give, uncommitted edits included) goes into a fresh
private directory (mode 700, as root's home is), with the reference material beside it as `../shared`; there the
README's main command runs exactly as printed, as the user the tests run as (root on CI): default SANDBOX_DIR and
state dir, default sandbox delays, only the ports from the environment (others on this machine use the defaults).
Then, on that clone: restarts of the sandbox (stopped, and killed) change nothing the stack depends on, and taken
ports fail `make up` with one line and a non-zero exit code.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest

from tools.engine.testing import REPO_ROOT
from tools.sandbox import data_dirs
from tools.sandbox.client import SandboxControl
from tools.sandbox.postgres import free_port

def readme_resource_count() -> int:
    """How many resources README's "Two commands" promises `make up` brings up ("...: 49 resources, in about 25 s")."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme[readme.index("## Two commands"):readme.index("\n## ", readme.index("## Two commands") + 1)]
    return int(re.search(r":\s+(\d+) resources, in about", section).group(1))


RESOURCES = readme_resource_count()  # what the README promises, so the two cannot drift apart

# The tests share one clone (the module fixture `clone`, two `make up`s): under `make test`'s workers
# (pytest-xdist, --dist loadgroup) they run in one worker, so the clone is made once.
pytestmark = pytest.mark.xdist_group("local-platform-clone")


def readme_main_command() -> str:
    """The first command of README's "Two commands" block, as printed (without its comment)."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme[readme.index("## Two commands"):]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return block.splitlines()[0].split("#")[0].strip()


def copy_checkout(destination: Path) -> None:
    """The files a clone of this checkout has: tracked and not ignored, as they are in the working tree."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


def summary(output: str) -> str:
    return output[output.rindex("Resources:"):].split("\n\n")[0].strip()


class Clone:
    def __init__(self, private: Path):
        self.root = private / "procurement-infra"
        self.root.mkdir()
        copy_checkout(self.root)
        # The reference material beside the clone, as the README asks (never copied into the repo).
        shared = Path(os.environ.get("PROCUREMENT_SHARED_DIR") or REPO_ROOT.parent / "shared").resolve()
        (private / "shared").symlink_to(shared)
        self.ports = {"SANDBOX_RENDER_PORT": str(free_port()), "SANDBOX_SUPABASE_PORT": str(free_port())}
        # A newcomer's environment: nothing of ours set, except the ports (the defaults may be taken here).
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("PULUMI_", "RENDER_", "SUPABASE_", "SANDBOX_", "LOCAL_STATE_DIR"))
                and k not in ("PROCUREMENT_SHARED_DIR", "VIRTUAL_ENV", "PYTHONPATH")
                and not k.startswith(("MAKE", "MFLAGS"))}  # under `make test`: not a sub-make of it
        self.env = {**base, **self.ports}

    def run(self, command: str, env: dict | None = None, timeout: float = 900,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", command], cwd=cwd or self.root, env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=timeout)

    def ok(self, command: str, **kw) -> subprocess.CompletedProcess:
        done = self.run(command, **kw)
        assert done.returncode == 0, f"`{command}` exited {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    @property
    def sandbox_dir(self) -> Path:
        return self.root / ".sandbox-state"

    def controls(self) -> dict[str, SandboxControl]:
        line = (self.sandbox_dir / "sandbox.log").read_text().splitlines()[0]
        urls = json.loads(line)
        return {name: SandboxControl(urls[name], token_file=urls["control_token_file"])
                for name in ("render", "supabase")}

    def outputs(self) -> dict:
        return json.loads(self.ok("bash tools/scripts/local-stack.sh output --json --show-secrets").stdout)

    def database_reachable(self) -> None:
        """The stack's database_url and the API service's DATABASE_URL (as Render holds it) log in."""
        shown = self.outputs()
        api_vars = self.controls()["render"].state("env_vars", shown["api_service_id"])
        assert api_vars["DATABASE_URL"] == shown["database_url"]
        with psycopg.connect(shown["database_url"], connect_timeout=10) as conn:
            assert conn.execute("select current_user").fetchone()[0] == "procurement_api"

    def no_changes_after_refresh(self, **kw) -> None:
        preview = self.ok(f"bash {self.root}/tools/scripts/local-stack.sh preview --refresh --expect-no-changes", **kw)
        assert summary(preview.stdout) == f"Resources:\n    {RESOURCES} unchanged", preview.stdout


@pytest.fixture(scope="module")
def clone(pulumi_engine):
    # The engine is built/cached once for the session (pulumi_engine); the clone's `make up` finds it in the cache.
    private = Path(tempfile.mkdtemp(prefix="newcomer-"))
    private.chmod(0o700)
    clone = Clone(private)
    command = readme_main_command()
    assert command == "make up"
    started = time.monotonic()
    clone.first = clone.ok(command)
    clone.second = clone.ok(command)
    clone.duration = time.monotonic() - started
    try:
        yield clone
    finally:
        clone.run("make sandbox-stop", timeout=120)
        link = data_dirs.link_of(clone.sandbox_dir / "state.json")
        if link.is_symlink():  # as root: the databases' root under ~postgres
            shutil.rmtree(os.readlink(link), ignore_errors=True)
        shutil.rmtree(private, ignore_errors=True)


def test_readme_main_command_in_a_fresh_private_clone(clone):
    assert re.search(rf"\+ {RESOURCES} created", summary(clone.first.stdout)), clone.first.stdout
    assert "sandbox up:" in clone.first.stdout and "Traceback" not in clone.first.stderr
    assert summary(clone.second.stdout) == f"Resources:\n    {RESOURCES} unchanged", clone.second.stdout
    # One program run per `make up` on `local` (--skip-preview): the update, no preview pass before it.
    for run in (clone.first, clone.second):
        assert "Updating (local)" in run.stdout and "Previewing update" not in run.stdout, run.stdout
    # Everything the main command made stays in the clone (and the engine's per-user cache); with root the
    # databases are the exception, in a root of their own under ~postgres linked from the sandbox state.
    assert (clone.root / ".venv" / "bin" / "python").exists() and (clone.root / ".pulumi-state").is_dir()
    link = data_dirs.link_of(clone.sandbox_dir / "state.json")
    assert link.is_dir()
    if os.geteuid() == 0:
        assert Path(os.readlink(link)).parent == data_dirs.shared_base("postgres")
    clone.database_reachable()
    # The summary ends with how to use what it made; its database command logs in as printed.
    use = clone.second.stdout[clone.second.stdout.index("Use it:"):]
    database = next(line.split(None, 1)[1] for line in use.splitlines() if line.strip().startswith("database "))
    who = clone.ok(f"{database} -Atc 'select current_user'")
    assert who.stdout.strip() == "procurement_api", who
    # ... and its API line is a URL the sandbox serves: the API service's health check answers.
    api = next(line.split()[1] for line in use.splitlines() if line.strip().startswith("api "))
    assert api.startswith("http://127.0.0.1:") and api.endswith("/health"), use
    with urllib.request.urlopen(api, timeout=30) as answer:
        assert answer.status == 200 and json.loads(answer.read())["service"] == clone.outputs()["api_service_id"]
    # The local loop's Render windows are scaled (docs/tutorials/local-platform.md "Rate limits"): an hourly window lasts seconds.
    assert clone.controls()["render"].settings()["rate_limit_time_scale"] == 0.01


def test_sandbox_restart_and_crash_change_nothing_the_stack_depends_on(clone):
    clone.ok("make sandbox")
    before = clone.outputs()["database_url"]

    stopped = clone.ok("make sandbox-stop")
    assert "sandbox stopped" in stopped.stdout
    again = clone.ok("make up")
    assert summary(again.stdout) == f"Resources:\n    {RESOURCES} unchanged", again.stdout
    clone.no_changes_after_refresh()
    # A refresh on `local` reads every object once: no preview pass that reads them all before.
    refreshed = clone.ok(f"bash {clone.root}/tools/scripts/local-stack.sh refresh")
    assert "Refreshing (local)" in refreshed.stdout and "Previewing refresh" not in refreshed.stdout, refreshed.stdout
    assert summary(refreshed.stdout) == f"Resources:\n    {RESOURCES} unchanged", refreshed.stdout
    assert clone.outputs()["database_url"] == before
    clone.database_reachable()

    # A crash: SIGKILL leaves the project's Postgres running and a stale pid file; `make up` starts over cleanly,
    # here run from another directory, as every target and script may be.
    pid = int((clone.sandbox_dir / "sandbox.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.1)
    status = clone.run(f"make -f {clone.root}/Makefile sandbox-status", cwd=Path("/"))
    assert status.returncode != 0 and "sandbox not running" in status.stdout, status.stdout + status.stderr
    again = clone.ok(f"make -C {clone.root} up", cwd=Path("/"))
    assert summary(again.stdout) == f"Resources:\n    {RESOURCES} unchanged", again.stdout
    assert not (Path("/") / ".sandbox-state").exists() and not (Path("/") / ".pulumi-state").exists()
    clone.no_changes_after_refresh(cwd=Path("/"))
    clone.database_reachable()


def hold_port(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen()
    return sock


def assert_one_line_failure(done: subprocess.CompletedProcess, *needles: str) -> str:
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines()
             if not line.startswith("install-engine: cache hit") and not re.match(r"make(\[\d+\])?: \*\*\*", line)]
    assert len(lines) == 1, done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_taken_ports_fail_make_up_with_one_clear_line(clone):
    clone.ok("make sandbox-stop")

    api_port = free_port()
    with hold_port(api_port):
        done = clone.run("make up", env={"SANDBOX_SUPABASE_PORT": str(api_port)})
    assert_one_line_failure(done, f"port {api_port}", "Supabase Management API", "SANDBOX_RENDER_PORT",
                            "SANDBOX_SUPABASE_PORT")
    assert not (clone.sandbox_dir / "sandbox.pid").exists()

    # A project's database port taken while the sandbox was down: the restart refuses to move it.
    state = json.loads((clone.sandbox_dir / "state.json").read_text())
    (ref, project), = state["supabase"]["projects"].items()
    db_port = project["_db"]["port"]
    with hold_port(db_port):
        done = clone.run("make up")
    assert_one_line_failure(done, f"project {ref}", f"port {db_port}")
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", db_port)) != 0, "nothing of the failed start keeps listening"

    clone.ok("make up")
    clone.no_changes_after_refresh()


def docs_block(containing: str) -> str:
    """The ```bash block of the docs (README and docs/) that contains ``containing``, as printed."""
    for doc in [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]:
        for block in re.findall(r"```bash\n(.*?)```", doc.read_text() if doc.exists() else "", re.S):
            if containing in block:
                return block
    raise AssertionError(f"no bash block of the docs contains {containing!r}")


def test_a_consumer_reads_the_outputs_as_the_docs_print_it_and_never_touches_the_platform(clone):
    """Another team's first step (examples/consumer) in the environment the docs give: its own project and stack,
    the platform's stack, config and state untouched."""
    config = (clone.root / "Pulumi.local.yaml").read_bytes()
    stacks = sorted(p.name for p in (clone.root / ".pulumi-state" / ".pulumi" / "stacks" / "procurement").iterdir())
    steps = docs_block("cd examples/consumer")
    done = clone.ok(steps)
    assert (clone.root / "Pulumi.local.yaml").read_bytes() == config
    assert not (clone.root / "Pulumi.dev.yaml").exists()
    assert (clone.root / "examples" / "consumer" / "Pulumi.dev.yaml").exists()
    assert sorted(p.name for p in (clone.root / ".pulumi-state" / ".pulumi" / "stacks" / "procurement").iterdir()) \
        == stacks
    read = json.loads(clone.ok(f"eval \"$(bash tools/scripts/local-stack.sh env)\" && cd examples/consumer && "
                               "pulumi stack output --json --show-secrets").stdout)
    platform = clone.outputs()
    assert read["platform_environment"] == platform["environment"] == "local", done.stdout
    assert read["api_service_id"] == platform["api_service_id"]
    assert read["database_url"] == platform["database_url"]
    # The platform's stack has nothing to do after the consumer ran.
    clone.no_changes_after_refresh()


def test_a_yaml_mistake_in_the_stack_file_is_named_at_its_line(clone):
    path = clone.root / "Pulumi.local.yaml"
    good = path.read_text()
    lines = good.splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line == "    minInstances: 1\n") + 1
    lines[number - 1] = "      minInstances: 1\n"  # indented one level too deep
    path.write_text("".join(lines))
    try:
        done = clone.run("bash tools/scripts/local-stack.sh preview")
    finally:
        path.write_text(good)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: Pulumi.local.yaml:{number}:"), done.stderr
    assert "check the indentation" in last and "Traceback" not in done.stderr, done.stderr


def test_make_down_names_a_stack_rm_that_keeps_the_committed_config(clone):
    done = clone.ok("make down")
    hint = next(line for line in done.stdout.splitlines() if line.startswith("local-stack: to forget"))
    clone.ok(hint.split(": ", 2)[2])
    assert (clone.root / "Pulumi.local.yaml").exists()
    stacks = clone.root / ".pulumi-state" / ".pulumi" / "stacks" / "procurement"
    assert not (stacks / "local.json").exists() and not (stacks / "local.json.gz").exists()
    clone.ok("make up")  # and the loop starts again from nothing
