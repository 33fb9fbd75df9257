"""run_program.py: the program process ends quietly on the engine's shutdown interrupts (issue 22)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from engine.language_host import run_program

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
