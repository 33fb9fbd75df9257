"""run_program.py: the program process ends quietly on the engine's shutdown interrupts (issue 22)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tools.engine.language_host import run_program

# Stands in for pulumi-language-python-exec while a failed run winds down: handling the run's error when the
# engine's interrupt (then the host's) arrives.
WINDING_DOWN = """
import sys, time
print(sys.argv[1:], sys.path[0], flush=True)
try:
    raise RuntimeError("the run failed")
except RuntimeError:
    print("handling", flush=True)
    time.sleep(30)
"""


def start(tmp_path: Path, env: dict) -> subprocess.Popen:
    executor = tmp_path / "bin" / "pulumi-language-python-exec"
    executor.parent.mkdir()
    executor.write_text(WINDING_DOWN)
    return subprocess.Popen([sys.executable, run_program.__file__, str(executor), "--stack", "local", "."],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env})


def test_interrupts_end_the_program_without_a_traceback(tmp_path):
    program = start(tmp_path, {run_program.DEBUG_ENV: ""})
    assert program.stdout.readline().strip() == f"['--stack', 'local', '.'] {tmp_path / 'bin'}"
    assert program.stdout.readline().strip() == "handling"
    program.send_signal(signal.SIGINT)  # the engine's, to the process group
    program.send_signal(signal.SIGINT)  # the host's (processes.stop_process)
    out, err = program.communicate(timeout=30)
    assert program.returncode == run_program.EXIT_INTERRUPTED and err == "", err


def test_with_procurement_debug_the_interrupt_shows_where_the_program_was(tmp_path):
    program = start(tmp_path, {run_program.DEBUG_ENV: "1"})
    program.stdout.readline()
    assert program.stdout.readline().strip() == "handling"
    program.send_signal(signal.SIGINT)
    _, err = program.communicate(timeout=30)
    assert "Traceback" in err and "KeyboardInterrupt" in err and "the run failed" in err


# Stands in for the exec script and the SDK it imports: the program's run fails as the SDK reports a call the
# engine abandoned, and the exec script prints what reaches it, as the real one does (with its traceback).
SDK_RUNTIME = """
async def run_in_stack(func):
    func()
"""
EXEC_SCRIPT = """
import asyncio, sys, traceback
import pulumi.runtime
def run():
    raise Exception(sys.argv[1])
try:
    asyncio.new_event_loop().run_until_complete(pulumi.runtime.run_in_stack(run))
except Exception:
    print("Program failed with an unhandled exception:", traceback.format_exc(), file=sys.stderr)
    sys.exit(32)
"""


def run_failing(tmp_path: Path, error: str, debug: str = "") -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    (bin_dir / "pulumi").mkdir(parents=True)
    (bin_dir / "pulumi" / "__init__.py").write_text("")
    (bin_dir / "pulumi" / "runtime.py").write_text(SDK_RUNTIME)
    (bin_dir / "pulumi-language-python-exec").write_text(EXEC_SCRIPT)
    return subprocess.run([sys.executable, run_program.__file__, str(bin_dir / "pulumi-language-python-exec"), error],
                          capture_output=True, text=True, timeout=60, env={**os.environ, run_program.DEBUG_ENV: debug})


CANCELED = "invoke of cloudflare:index/getZone:getZone failed: Invoke: getProviderFromSource: context canceled"


def test_a_call_the_engine_abandoned_ends_the_program_quietly(tmp_path):
    done = run_failing(tmp_path, CANCELED)
    assert done.returncode == run_program.EXIT_INTERRUPTED and done.stderr == "", done.stderr


def test_any_other_failure_still_reaches_the_exec_script(tmp_path):
    done = run_failing(tmp_path, "invoke of cloudflare:index/getZone:getZone failed: zone not found")
    assert done.returncode == 32 and "zone not found" in done.stderr


def test_with_procurement_debug_an_abandoned_call_shows_its_traceback(tmp_path):
    done = run_failing(tmp_path, CANCELED, debug="1")
    assert done.returncode == 32 and "Traceback" in done.stderr and "context canceled" in done.stderr


def test_an_abandoned_call_is_found_in_the_errors_it_caused():
    try:
        try:
            raise Exception(CANCELED)
        except Exception as canceled:
            raise RuntimeError("registering the zone's records failed") from canceled
    except RuntimeError as error:
        assert run_program.canceled_by_engine(error)
    assert not run_program.canceled_by_engine(RuntimeError("the context was canceled by a person"))
