"""tools/engine/language_host/watchdog.py: the host exits when the engine that started it is gone, and a killed CLI
(SIGINT or SIGKILL, with the real engine) leaves no language host or program process behind."""

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
import pytest

from tools.engine.language_host import watchdog
from tools.engine.testing import REPO_ROOT, python_project_yaml, run_pulumi


def alive(pid: int) -> bool:
    """A process that exists and is no zombie (a reparented child waits for init to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pids, timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [pid for pid in pids if alive(pid)]
        if not left:
            return []
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


def test_parent_change_stops_the_host(monkeypatch):
    monkeypatch.setattr(watchdog, "WATCHDOG_INTERVAL_SECONDS", 0.05)
    stop = threading.Event()
    dog = watchdog.EngineWatchdog(stop)
    assert not stop.wait(0.3), "the parent is still there"
    monkeypatch.setattr(watchdog.os, "getppid", lambda: dog.parent + 1)  # reparented: the engine died
    assert stop.wait(5)


def test_failing_engine_health_stops_the_host_but_unimplemented_does_not(monkeypatch):
    monkeypatch.setattr(watchdog, "HEALTHCHECK_INTERVAL_SECONDS", 0.05)
    # An engine without a health service answers UNIMPLEMENTED: that is no reason to stop.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        stop = threading.Event()
        watchdog.EngineWatchdog(stop).watch_engine(f"127.0.0.1:{port}")
        assert not stop.wait(0.5)
        stop.set()
    finally:
        server.stop(grace=None)
    # Nothing listens any more: the engine is gone.
    stop = threading.Event()
    watchdog.EngineWatchdog(stop).watch_engine(f"127.0.0.1:{port}")
    assert stop.wait(40)


def test_the_executable_exits_when_its_parent_is_killed(tmp_path):
    executor = tmp_path / "exec"
    executor.write_text("")
    parent = subprocess.Popen([sys.executable, "-c", f"""
import subprocess, sys, time
host = subprocess.Popen([sys.executable, {str(REPO_ROOT / 'tools' / 'engine' / 'pulumi-language-python')!r},
                         '-use-executor', {str(executor)!r}], stdout=subprocess.PIPE)
host.stdout.readline()  # serving
print(host.pid, flush=True)
time.sleep(60)
"""], stdout=subprocess.PIPE, text=True)
    host_pid = int(parent.stdout.readline())
    assert alive(host_pid)
    parent.kill()
    parent.wait()
    assert wait_gone([host_pid], timeout=20) == [], "the host outlived the process that started it"


PROGRAM = """
import os, pathlib, time
pathlib.Path(os.environ["PIDS_FILE"]).write_text(f"{os.getpid()} {os.getppid()}")
time.sleep(300)
"""


@pytest.mark.parametrize("how", ["SIGKILL of the CLI", "SIGINT of the CLI", "Ctrl-C (SIGINT to the group)"])
def test_no_orphans_when_the_cli_is_interrupted(how, tmp_path, pulumi_env):
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(python_project_yaml("orphans"))
    (project / "__main__.py").write_text(PROGRAM)
    run_pulumi(["stack", "init", "test"], cwd=project, env=pulumi_env)
    pids_file = tmp_path / "pids"
    cli = subprocess.Popen(["pulumi", "up", "--yes", "--skip-preview", "--non-interactive"], cwd=project,
                           env={**pulumi_env, "PIDS_FILE": str(pids_file)}, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (pids_file.exists() and pids_file.read_text()) and time.monotonic() < deadline:
            assert cli.poll() is None, "pulumi up ended before the program ran"
            time.sleep(0.1)
        program, host = map(int, pids_file.read_text().split())
        assert Path(f"/proc/{host}/cmdline").read_bytes().split(b"\0")[1].endswith(b"pulumi-language-python")
        if how.startswith("SIGKILL"):
            cli.kill()
        elif how.startswith("SIGINT"):
            cli.send_signal(signal.SIGINT)
        else:
            os.killpg(cli.pid, signal.SIGINT)
        cli.wait(timeout=60)
        # The watchdog polls every 2 s and the host gives the program 5 s to stop before killing it.
        assert wait_gone([host, program], timeout=30) == [], f"left running after {how}"
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
