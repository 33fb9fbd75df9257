"""`make up` twice at once, and `make up` during `make down`, on one checkout (a private SANDBOX_DIR and
LOCAL_STATE_DIR, free ports): every run ends in success or in one line saying another run holds the lock, never
the engine's lock error or a "restart the sandbox" advice, and the sandbox they share is untouched (same pid,
still serving). Real engine, sandbox and Postgres."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tools.engine.testing import REPO_ROOT
from tools.sandbox import data_dirs

LOCK_LINE = "local-stack: another update of the local stack is running"


@pytest.fixture
def platform(pulumi_engine, pulumi_home, tmp_path):
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("PULUMI_", "RENDER_", "SUPABASE_", "SANDBOX_", "LOCAL_STATE_DIR", "MAKE", "MFLAGS"))}
    env = {**base, "PULUMI_HOME": str(pulumi_home), "SANDBOX_DIR": str(tmp_path / "sandbox"),
           "LOCAL_STATE_DIR": str(tmp_path / "state"), "SANDBOX_RENDER_PORT": "0", "SANDBOX_SUPABASE_PORT": "0",
           "SANDBOX_ARGS": "--deploy-delay 0.2 --project-ready-delay 0.2"}
    yield env
    subprocess.run(["make", "-s", "-C", str(REPO_ROOT), "sandbox-stop"], env=env, capture_output=True, timeout=120)
    link = data_dirs.link_of(tmp_path / "sandbox" / "state.json")
    if link.is_symlink():  # as root: the databases' root under ~postgres
        subprocess.run(["rm", "-rf", os.readlink(link)], check=False)


def make(env, target):
    return subprocess.Popen(["make", "-s", "--no-print-directory", "-C", str(REPO_ROOT), target], env=env,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process):
    out, err = process.communicate(timeout=900)
    return process.returncode, out, err


def sandbox_pid(env) -> int:
    return json.loads((Path(env["SANDBOX_DIR"]) / "sandbox.ready").read_text())["pid"]


def assert_success_or_lock_line(results) -> int:
    """Each run succeeded or said, in one line, that another held the lock; returns how many succeeded."""
    for code, out, err in results:
        assert "Traceback" not in err and "restart it" not in err and "pulumi cancel" not in err, err
        if code != 0:
            failures = [line for line in err.splitlines() if line.startswith(("local-stack:", "sandbox:", "error:"))
                        and "waiting for" not in line]  # progress: a start waits for another
            assert len(failures) == 1 and failures[0].startswith(LOCK_LINE), err
            assert "run this command again" in failures[0]
    return sum(code == 0 for code, _, _ in results)


def test_two_make_up_at_once_and_make_up_during_make_down(platform):
    first, second = make(platform, "up"), make(platform, "up")
    results = [finish(first), finish(second)]
    assert assert_success_or_lock_line(results) >= 1, results
    pid = sandbox_pid(platform)
    assert "sandbox up:" in "".join(out for _, out, _ in results)

    # `make up` while `make down` runs: started once `make down`'s destroy holds the stack's lock.
    down = make(platform, "down")
    lock = Path(platform["LOCAL_STATE_DIR"]) / "local-stack.lock"
    while down.poll() is None and "destroy" not in (lock.read_text() if lock.exists() else ""):
        time.sleep(0.02)
    up = make(platform, "up")
    results = [finish(down), finish(up)]
    assert assert_success_or_lock_line(results) >= 1, results
    assert sandbox_pid(platform) == pid and Path(f"/proc/{pid}").exists(), "the sandbox was restarted or stopped"

    # Nothing is left half-done: a plain `make up` converges (and the sandbox is still the same one).
    code, out, err = finish(make(platform, "up"))
    assert code == 0, err
    assert sandbox_pid(platform) == pid
