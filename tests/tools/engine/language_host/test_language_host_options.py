"""tools/engine/language_host/options.py: runtime options of Pulumi.yaml and the program's Python."""

import os
import sys

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import language_pb2

from tools.engine.language_host.errors import HostError
from tools.engine.language_host.options import PythonOptions, is_virtualenv, run_python, system_python


def info(root="/project", **options) -> language_pb2.ProgramInfo:
    program = language_pb2.ProgramInfo(root_directory=root, program_directory=root)
    if options:
        struct = struct_pb2.Struct()
        struct.update(options)
        program.options.CopyFrom(struct)
    return program


def test_defaults_without_options():
    opts = PythonOptions(info())
    assert (opts.virtualenv, opts.toolchain, opts.typechecker) == ("", "pip", "")
    assert opts.virtualenv_path == ""


def test_virtualenv_is_relative_to_the_project_root():
    assert PythonOptions(info(virtualenv=".venv")).virtualenv_path == "/project/.venv"
    assert PythonOptions(info(virtualenv="/abs/venv")).virtualenv_path == "/abs/venv"
    assert PythonOptions(info(virtualenv=".venv")).python() == "/project/.venv/bin/python"


@pytest.mark.parametrize("options, message", [
    ({"toolchain": "poetry"}, "toolchain option 'poetry' is not supported"),
    ({"toolchain": "uv"}, "toolchain option 'uv' is not supported"),
    ({"toolchain": "conda"}, "unsupported toolchain option: conda"),
    ({"typechecker": "pylint"}, "unsupported typechecker option: pylint"),
    ({"virtualenv": 3}, "virtualenv option must be a string"),
])
def test_unsupported_options_are_errors(options, message):
    with pytest.raises(HostError, match=message):
        PythonOptions(info(**options))


def test_environ_activates_the_virtualenv():
    opts = PythonOptions(info(virtualenv="/abs/venv"))
    env = opts.environ({"PATH": "/usr/bin", "PYTHONHOME": "/x", "KEEP": "1"})
    assert env == {"PATH": "/abs/venv/bin" + os.pathsep + "/usr/bin", "VIRTUAL_ENV": "/abs/venv", "KEEP": "1"}
    assert PythonOptions(info()).environ({"PATH": "/usr/bin"}) == {"PATH": "/usr/bin"}


def test_a_missing_virtualenv_names_the_commands_that_create_it(tmp_path):
    opts = PythonOptions(info(root=str(tmp_path), virtualenv="venv"))
    with pytest.raises(HostError) as failure:
        opts.validate_venv()
    message = str(failure.value)
    assert "doesn't exist" in message and f"python3 -m venv {tmp_path}/venv" in message
    (tmp_path / "venv").mkdir()
    with pytest.raises(HostError, match="doesn't appear to be a virtual environment"):
        opts.validate_venv()
    assert not is_virtualenv(str(tmp_path / "venv"))
    assert is_virtualenv(sys.prefix)


def test_system_python_honours_pulumi_python_cmd(monkeypatch):
    monkeypatch.setenv("PULUMI_PYTHON_CMD", sys.executable)
    assert system_python() == sys.executable
    monkeypatch.setenv("PULUMI_PYTHON_CMD", "no-such-python-here")
    with pytest.raises(HostError, match="failed to locate any of"):
        system_python()


def test_run_python_returns_stdout_and_reports_failures():
    opts = PythonOptions(info(virtualenv=sys.prefix))
    assert run_python(opts, ["-c", "print('hello')"]) == "hello\n"
    with pytest.raises(HostError, match=r"exit status 3: oops"):
        run_python(opts, ["-c", "import sys; sys.stderr.write('oops'); sys.exit(3)"])
