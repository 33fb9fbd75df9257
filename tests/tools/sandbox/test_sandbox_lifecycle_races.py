"""`make sandbox` / `make sandbox-stop` racing each other on one SANDBOX_DIR (tools/scripts/sandbox.sh): the sandbox
publishes its pid and URLs together (sandbox.ready), starts and stops take turns (sandbox.lock), and a second
start waits for the first and uses its sandbox instead of being told to restart it."""

import fcntl
import json
import os
import subprocess
import sys

import pytest

from tools.sandbox.testing import wait_for

ROOT = __import__("pathlib").Path(__file__).resolve().parents[3]


@pytest.fixture
def sandbox_env(tmp_path):
    env = {**os.environ, "SANDBOX_DIR": str(tmp_path / "sandbox"), "LOCAL_STATE_DIR": str(tmp_path / "state"),
           "SANDBOX_RENDER_PORT": "0", "SANDBOX_SUPABASE_PORT": "0"}
    yield env
    subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "sandbox-stop"], env=env, capture_output=True)


def make(env, *targets, **kw):
    return subprocess.Popen(["make", "--no-print-directory", "-s", "-C", str(ROOT), *targets], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def finish(process):
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def ready(env):
    return json.loads((ROOT / env["SANDBOX_DIR"] / "sandbox.ready").read_text())


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def test_two_starts_at_once_share_one_sandbox(sandbox_env):
    first, second = make(sandbox_env, "sandbox"), make(sandbox_env, "sandbox")
    results = [finish(first), finish(second)]
    assert [code for code, _, _ in results] == [0, 0], results
    outputs = "".join(out for _, out, _ in results)
    assert outputs.count("sandbox up:") == 1 and outputs.count("sandbox already running") == 1, outputs
    published = ready(sandbox_env)
    assert alive(published["pid"])
    # Both were given the same sandbox, pid and URLs together.
    for _, out, _ in results:
        line = json.loads(out[out.index("{"):].splitlines()[0])
        assert line == published
    assert "Traceback" not in "".join(err for _, _, err in results)


def test_start_and_stop_take_turns_and_a_held_lock_is_one_line(sandbox_env):
    assert finish(make(sandbox_env, "sandbox"))[0] == 0
    published = ready(sandbox_env)
    lock = open(os.path.join(sandbox_env["SANDBOX_DIR"], "sandbox.lock"), "a")
    fcntl.flock(lock, fcntl.LOCK_EX)  # another start or stop under way
    try:
        code, out, err = finish(make({**sandbox_env, "SANDBOX_LOCK_WAIT": "1"}, "sandbox-stop"))
    finally:
        lock.close()
    assert code != 0
    message = [line for line in err.splitlines() if "still holds" in line]
    assert len(message) == 1 and "run this command again" in message[0], err
    assert "Traceback" not in err
    assert alive(published["pid"]) and ready(sandbox_env) == published  # the sandbox untouched

    # A stop and a start at once: they take turns, and whichever comes last decides; the files agree with it.
    stop, start = make(sandbox_env, "sandbox-stop"), make(sandbox_env, "sandbox")
    assert finish(stop)[0] == 0 and finish(start)[0] == 0
    status = finish(make(sandbox_env, "sandbox-status"))
    path = os.path.join(sandbox_env["SANDBOX_DIR"], "sandbox.ready")
    if status[0] == 0:
        assert alive(ready(sandbox_env)["pid"]) and str(ready(sandbox_env)["pid"]) in status[1]
    else:
        assert not os.path.exists(path) and not alive(published["pid"])


def test_a_started_sandbox_without_its_ready_file_is_starting_not_dead(sandbox_env, tmp_path):
    """The gap between start and ready: status says starting (not a dead sandbox to restart); a sandbox whose
    ready file names a process that is gone is not running, and the next start replaces it."""
    sandbox_dir = tmp_path / "sandbox"
    sandbox_dir.mkdir()
    # A process that looks like this SANDBOX_DIR's sandbox (its --state), not ready yet.
    standin = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "--state",
                                str(sandbox_dir / "state.json")])
    try:
        (sandbox_dir / "sandbox.pid").write_text(f"{standin.pid}\n")
        code, out, _ = finish(make(sandbox_env, "sandbox-status"))
        assert code != 0 and "sandbox starting" in out, out
    finally:
        standin.kill()
        standin.wait()
    (sandbox_dir / "sandbox.ready").write_text(json.dumps({"pid": standin.pid, "render": "http://127.0.0.1:1/v1"}))
    code, out, _ = finish(make(sandbox_env, "sandbox-status"))
    assert code != 0 and "sandbox not running" in out
    code, out, err = finish(make(sandbox_env, "sandbox"))
    assert code == 0 and "sandbox up:" in out, err
    assert ready(sandbox_env)["pid"] != standin.pid and alive(ready(sandbox_env)["pid"])
