"""tools/engine/language_host/install.py: the virtualenv and pip steps, and a failing step named with its stderr."""

import os

import pytest

from tools.engine.language_host.errors import HostError
from tools.engine.language_host.install import install_dependencies
from tools.engine.language_host.options import PythonOptions
from tests.tools.engine.language_host.test_language_host_options import info


def fake_python(tmp_path, exit_code):
    """A `python` that records its arguments and exits with ``exit_code`` (no network, no real venv)."""
    script = tmp_path / "fake-python"
    script.write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path}/calls\necho 'step failed' >&2\nexit {exit_code}\n")
    script.chmod(0o755)
    return script


def test_a_failing_step_is_named_with_its_stderr(tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_PYTHON_CMD", str(fake_python(tmp_path, 7)))
    opts = PythonOptions(info(root=str(tmp_path), virtualenv="venv"))
    out, err = [], []
    with pytest.raises(HostError) as failure:
        install_dependencies(opts, str(tmp_path), out.append, err.append)
    assert f"creating virtual environment at '{tmp_path}/venv'" in str(failure.value)
    assert "exit status 7: step failed" in str(failure.value)
    assert b"Creating virtual environment...\n" in out and b"step failed\n" in err


def test_steps_of_an_install_in_order(tmp_path, monkeypatch):
    # The venv "exists" as a directory with a bin/python that is our fake: every step succeeds and is recorded.
    python = fake_python(tmp_path, 0)
    monkeypatch.setenv("PULUMI_PYTHON_CMD", str(python))
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    os.symlink(python, tmp_path / "venv" / "bin" / "python")
    (tmp_path / "requirements.txt").write_text("requests\n")
    opts = PythonOptions(info(root=str(tmp_path), virtualenv="venv"))
    install_dependencies(opts, str(tmp_path), lambda b: None, lambda b: None)
    assert (tmp_path / "calls").read_text().splitlines() == [
        f"-m venv {tmp_path}/venv",
        "-m pip install --upgrade pip setuptools wheel",
        "-m pip install -r requirements.txt",
    ]
