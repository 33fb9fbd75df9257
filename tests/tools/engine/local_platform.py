"""The `local` stack driven exactly as the README prints it (`tools/scripts/sandbox.sh start`, then
`tools/scripts/local-stack.sh up|recover|preview`), with the real engine and the sandbox as its own
process, plus what the interruption tests need: kill the `pulumi` CLI when the sandbox journal
shows a given request, find every process of ours, and count what the sandbox holds (through its
control API, `tools/sandbox/client.py`).

Every process a run starts carries a marker in its environment (`PROCUREMENT_TEST_RUN`), inherited
by the CLI, the language host, the program and the dynamic-provider processes; "no leftover
process" means no process with that marker is alive any more. Only those processes are ever
signalled: the CLI by its pid, found as the child of the script this test started.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterator, Optional

from tools.engine.testing import REPO_ROOT
from tools.sandbox import data_dirs
from tools.sandbox.client import SandboxControl
from tools.sandbox.testing import wait_for

STACK = "local"
PASSPHRASE = "procurement-local"  # docs/explanation/secrets.md: guards the sandbox's test tokens only
MARKER = "PROCUREMENT_TEST_RUN"


def _ppid_and_comm(pid: int) -> tuple[Optional[int], str]:
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None, ""
    comm = raw[raw.index(b"(") + 1:raw.rindex(b")")].decode(errors="replace")
    fields = raw[raw.rindex(b")") + 2:].split()
    return (None if fields[0] == b"Z" else int(fields[1])), comm


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _subcommand(pid: int) -> list[str]:
    """The words of a `pulumi` command line that are not options (`pulumi --cwd X up ...` -> [up, ...])."""
    words, skip = [], False
    for word in _cmdline(pid).split()[1:]:
        if skip:
            skip = False
        elif word in ("--cwd", "-C"):
            skip = True
        elif not word.startswith("-"):
            words.append(word)
    return words[:1]


def wait_until(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.02):
    """``wait_for`` failing as a test assertion that names what it waited for."""
    try:
        return wait_for(condition, timeout=timeout, interval=interval)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}") from None


class Server:
    """One of the sandbox's servers through its control API, with the calls the tests make."""

    def __init__(self, control: SandboxControl) -> None:
        self.control = control
        self.faults = SimpleNamespace(clear=control.clear_faults)

    def add_fault(self, kind: str, **fields: Any) -> dict:
        return self.control.add_fault(kind, **fields)

    def edit(self, collection: str, key: str, set: dict) -> dict:  # noqa: A002 - the control API's name
        return self.control.edit(collection, key, set)


class Sandbox:
    """The sandbox process `tools/scripts/sandbox.sh start` runs for SANDBOX_DIR, seen through its control API."""

    def __init__(self, sandbox_dir: Path) -> None:
        urls = json.loads(next(line for line in (sandbox_dir / "sandbox.log").read_text().splitlines()
                               if line.startswith("{") and '"render":' in line))
        self.render, self.supabase = (Server(SandboxControl(re.match(r"^(http://[^/]+)", urls[name]).group(1),
                                                             token_file=urls["control_token_file"]))
                                      for name in ("render", "supabase"))

    def journal(self) -> list:
        """Both servers' journals in arrival order, entries with attribute access (like sandbox.journal)."""
        entries = [SimpleNamespace(**e) for server in (self.render, self.supabase) for e in server.control.journal()]
        return sorted(entries, key=lambda e: e.seq)

    def response_violations(self) -> list:
        return [e for e in self.journal() if e.response_violations]


class LocalPlatform:
    """One `local` stack (its own state directory) against its own sandbox process."""

    def __init__(self, tmp: Path, pulumi_home: Path) -> None:
        self.sandbox_dir = tmp / "sandbox"
        self.state_dir = tmp / "state"
        self.logs = tmp / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.marker = uuid.uuid4().hex
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "RENDER_", "SUPABASE_"))}
        self.env = {**base, "PULUMI_HOME": str(pulumi_home), "SANDBOX_DIR": str(self.sandbox_dir),
                    "LOCAL_STATE_DIR": str(self.state_dir), "SANDBOX_RENDER_PORT": "0", "SANDBOX_SUPABASE_PORT": "0",
                    "SANDBOX_ARGS": "--deploy-delay 0.2 --project-ready-delay 0.2"}
        self.runs = 0
        started = subprocess.run(["bash", "tools/scripts/sandbox.sh", "start"], cwd=REPO_ROOT, env=self.env,
                                 capture_output=True, text=True, timeout=120)
        assert started.returncode == 0, started.stdout + started.stderr
        self.sandbox = Sandbox(self.sandbox_dir)
        self.env[MARKER] = self.marker  # the processes of the runs below, not the sandbox's

    def stop_sandbox(self) -> None:
        """Stops the sandbox this platform started (by its pid file) and removes its databases."""
        env = {k: v for k, v in self.env.items() if k != MARKER}
        subprocess.run(["bash", "tools/scripts/sandbox.sh", "stop"], cwd=REPO_ROOT, env=env, capture_output=True,
                       timeout=120)
        link = data_dirs.link_of(self.sandbox_dir / "state.json")
        if link.is_symlink():
            shutil.rmtree(os.readlink(link), ignore_errors=True)

    # ------------------------------------------------------------------ running the documented commands
    def start(self, *args: str) -> subprocess.Popen:
        """Starts `bash tools/scripts/local-stack.sh <args>`; its output goes to the returned process's `.log`."""
        self.runs += 1
        path = self.logs / f"{self.runs:02d}-{'-'.join(args)[:40]}.log"
        with open(path, "w") as log:
            proc = subprocess.Popen(["bash", "tools/scripts/local-stack.sh", *args], cwd=REPO_ROOT, env=self.env,
                                    stdout=log, stderr=subprocess.STDOUT, text=True)
        proc.log = path  # type: ignore[attr-defined]
        return proc

    def run(self, *args: str, ok: bool = True, timeout: float = 600) -> str:
        proc = self.start(*args)
        proc.wait(timeout=timeout)
        output = self.last_log()
        if ok:
            assert proc.returncode == 0, f"local-stack.sh {' '.join(args)} exited {proc.returncode}:\n{output[-6000:]}"
        return output

    def last_log(self) -> str:
        return sorted(self.logs.iterdir())[-1].read_text()

    def pulumi(self, *args: str) -> str:
        """A plain `pulumi` command on the same stack (what local-stack.sh sets up), e.g. stack export."""
        env = {**self.env, "PATH": f"{REPO_ROOT / '.engine' / 'bin'}:{self.env['PATH']}",
               "PULUMI_BACKEND_URL": f"file://{self.state_dir}", "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
               "PULUMI_SKIP_UPDATE_CHECK": "true"}
        done = subprocess.run(["pulumi", *args, "--stack", STACK, "--non-interactive"], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def export(self) -> dict:
        return json.loads(self.pulumi("stack", "export"))["deployment"]

    def pending(self) -> list[tuple[str, str]]:
        """(operation, type) of every pending operation in the state, read from the file backend's
        checkpoint itself: right after a kill the CLI may not load it (recover.sh repairs that)."""
        files = list((self.state_dir / ".pulumi" / "stacks").rglob(f"{STACK}.json"))
        assert len(files) == 1, files
        deployment = json.loads(files[0].read_text())["checkpoint"]["latest"]
        return [(op["type"], op["resource"]["type"]) for op in deployment.get("pending_operations") or []]

    # ------------------------------------------------------------------ interrupting
    def cli_of(self, script: subprocess.Popen, command: str) -> int:
        """The pid of the `pulumi <command>` CLI the script started (its child), once it runs."""
        def child() -> Optional[int]:
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    ppid, comm = _ppid_and_comm(int(entry.name))
                    if ppid == script.pid and comm == "pulumi" and command in _subcommand(int(entry.name)):
                        return int(entry.name)
            return None
        return wait_until(child, 120, f"`pulumi {command}` to start", interval=0.05)

    def interrupt_when(self, script: subprocess.Popen, command: str, seen: Callable[[list], bool], *,
                       sigint_twice: bool = False, timeout: float = 180) -> None:
        """Waits until ``seen(journal entries)`` holds, then kills the `pulumi <command>` CLI: SIGKILL,
        or SIGINT twice (the second once the CLI said it is cancelling)."""
        cli = self.cli_of(script, command)
        wait_until(lambda: seen(self.sandbox.journal()) or script.poll() is not None, timeout, "the moment to kill")
        assert script.poll() is None, "the command finished before the moment to interrupt it came:\n" + self.last_log()
        if sigint_twice:
            os.kill(cli, signal.SIGINT)
            wait_until(lambda: "cancel" in self.last_log().lower() or script.poll() is not None, 30,
                       "the CLI to acknowledge the first Ctrl-C")
            if script.poll() is None:
                os.kill(cli, signal.SIGINT)
        else:
            os.kill(cli, signal.SIGKILL)
        script.wait(timeout=120)

    # ------------------------------------------------------------------ processes
    def our_processes(self) -> list[str]:
        found = []
        needle = f"{MARKER}={self.marker}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if needle in environ.split(b"\0") and _ppid_and_comm(int(entry.name))[0] is not None:
                found.append(f"{entry.name}: {_cmdline(int(entry.name))}")
        return found

    def assert_no_processes_left(self, timeout: float = 20) -> None:
        """Every process of ours exits on its own (the providers' engine watch polls every 0.5 s)."""
        try:
            wait_until(lambda: not self.our_processes(), timeout, "our processes to exit", interval=0.1)
        except AssertionError:
            raise AssertionError("processes outlived the CLI:\n" + "\n".join(self.our_processes())) from None

    def kill_leftovers(self) -> None:
        """After a failed test: end the processes this platform started (marked), one by one by pid."""
        for line in self.our_processes():
            try:
                os.kill(int(line.split(":", 1)[0]), signal.SIGKILL)
            except ProcessLookupError:
                pass

    # ------------------------------------------------------------------ the sandbox's objects
    def render(self, collection: str) -> dict:
        return self.sandbox.render.control.state(collection)

    def supabase(self, collection: str) -> dict:
        return self.sandbox.supabase.control.state(collection)


HOLD_SECONDS = 120  # longer than any test waits: the sandbox wakes held requests when it stops


@contextmanager
def checked_platform(tmp_path: Path, pulumi_home: Path) -> Iterator[LocalPlatform]:
    """A LocalPlatform that fails the test, on the way out, on any answer the vendor specs refuse and on any
    process left running, and always stops its sandbox (and kills leftovers only when that assertion failed)."""
    platform = LocalPlatform(tmp_path, pulumi_home)
    try:
        yield platform
        broken = platform.sandbox.response_violations()
        assert not broken, [(e.method, e.path, e.response_violations) for e in broken]
    finally:
        try:
            platform.assert_no_processes_left()
        finally:
            platform.kill_leftovers()
            platform.stop_sandbox()


def hold(server, method: str, path: str, count: Optional[int] = None, seconds: float = HOLD_SECONDS) -> None:
    """From now on, requests to ``method path`` (a fault path pattern; the next ``count`` of them, or
    all) are carried out and committed, and their answers held back (the sandbox's `slow` fault): the
    operation is in flight for sure when the CLI is killed. Take it away with
    ``server.faults.clear()`` before recovering. (The dynamic-provider process serves 4 calls at a
    time: holding more than that stops everything else until the providers' read timeout.)"""
    server.add_fault("slow", method=method, path=path, delay=seconds, count=count)


def held(method: str, pattern: str, where: Optional[Callable[[object], bool]] = None) -> Callable[[list], bool]:
    """A journal condition: a request like ``request`` was carried out and its answer is being held."""
    made = request(method, pattern, where)
    return lambda entries: made([e for e in entries if e.fault and e.fault["kind"] == "slow"])


def request(method: str, pattern: str, where: Optional[Callable[[object], bool]] = None) -> Callable[[list], bool]:
    """A journal condition: a request with this method whose path matches ``pattern`` (a regex) was made."""
    regex = re.compile(pattern)
    return lambda entries: any(e.method == method and regex.fullmatch(e.path) and (where is None or where(e))
                               for e in entries)
