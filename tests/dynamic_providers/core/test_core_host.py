"""The provider process's engine watch (core/host.py): real processes, real signals.

The process chain of the engine's dynamic-provider plugin is rebuilt here: a stand-in for the CLI
starts a shell script named like the official host (`pulumi-resource-pulumi-python`), which runs
Python without `exec`, exactly as the official script does. (The whole thing, with the real CLI,
is tests/tools/engine/test_interruptions.py.)
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dynamic_providers.core import host

REPO = Path(__file__).resolve().parents[3]

PROVIDER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    from dynamic_providers.core import host
    host.PARENT_INTERVAL, host.ENGINE_INTERVAL = 0.1, 0.2
    assert host.start_watch(force=True, argv=sys.argv)
    print("watching", flush=True)
    time.sleep(120)
""")

CLI = textwrap.dedent("""
    import subprocess, sys, time
    child = subprocess.Popen([sys.argv[1], sys.argv[2]], stdout=sys.stdout)
    print(child.pid, flush=True)
    time.sleep(120)
""")


def wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if host.parent_of(pid) is None:  # a zombie of ours: reaped below
            return True
        time.sleep(0.05)
    return False


def descendants(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and host.parent_of(int(entry.name)) == pid:
            out.append(int(entry.name))
            out.extend(descendants(int(entry.name)))
    return out


@pytest.fixture
def wrapper(tmp_path):
    """A shell script named like the official host that runs the watching provider without exec."""
    script = tmp_path / "pulumi-resource-pulumi-python"
    provider = tmp_path / "provider.py"
    provider.write_text(PROVIDER.format(repo=str(REPO)))
    script.write_text(f'#!/bin/sh\n"{sys.executable}" -u "{provider}" $@\n')
    script.chmod(0o755)
    return script


def test_engine_address_is_the_last_host_argument():
    assert host.engine_address(["python", "127.0.0.1:40123"]) == ("127.0.0.1", 40123)
    assert host.engine_address(["python", "-v=9", "[::1]:5"]) == ("::1", 5)
    assert host.engine_address(["python"]) is None


def test_watch_starts_only_in_the_provider_host():
    # pytest is not `python -m pulumi.dynamic`: configure() in tests and programs starts nothing.
    assert host.in_provider_host() is False
    assert host.start_watch() is False


def test_provider_exits_when_the_cli_is_killed(wrapper, tmp_path):
    cli_script = tmp_path / "cli.py"
    cli_script.write_text(CLI)
    # An address nothing listens on would end the provider through the engine probe too; give it
    # one that answers, so only the parent chain can end it.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    cli = subprocess.Popen([sys.executable, "-u", str(cli_script), str(wrapper), f"127.0.0.1:{port}"],
                           stdout=subprocess.PIPE, text=True)
    try:
        shell_pid = int(cli.stdout.readline())
        assert cli.stdout.readline().strip() == "watching"
        chain = [shell_pid, *descendants(shell_pid)]
        assert len(chain) == 2, chain  # the shell and the provider under it
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait()
        for pid in chain:
            assert wait_gone(pid), f"process {pid} ({host.command_line(pid)}) outlived the killed CLI"
    finally:
        listener.close()
        cli.kill()


def test_provider_exits_when_the_engine_stops_answering(wrapper):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # Parent (this test) and its shell stay alive: only the engine probe can end the provider.
    shell = subprocess.Popen([str(wrapper), f"127.0.0.1:{port}"], stdout=subprocess.PIPE, text=True)
    try:
        assert shell.stdout.readline().strip() == "watching"
        provider = descendants(shell.pid)[0]
        time.sleep(0.6)  # a few probes while the engine answers: nothing happens
        assert host.parent_of(provider) == shell.pid
        listener.close()
        assert shell.wait(timeout=10) == 1  # the provider exited (1), so did the shell running it
    finally:
        listener.close()
        shell.kill()
