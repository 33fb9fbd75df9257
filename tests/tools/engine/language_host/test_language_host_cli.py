"""tools/engine/language_host/cli.py: the engine's command line (Go `flag` syntax) and start-up."""

import subprocess
import sys

import pytest

from tools.engine.language_host.cli import main, parse_command_line
from tools.engine.testing import REPO_ROOT


@pytest.mark.parametrize("argv, flags, rest", [
    (["127.0.0.1:1234"], {}, ["127.0.0.1:1234"]),
    (["-tracing", "x", "addr"], {"tracing": "x"}, ["addr"]),
    (["--tracing=x", "addr"], {"tracing": "x"}, ["addr"]),
    (["-v=7", "--logtostderr", "addr"], {"v": "7", "logtostderr": True}, ["addr"]),
    (["-logtostderr=false", "addr"], {"logtostderr": False}, ["addr"]),
    (["-root", "/p", "-virtualenv", "venv", "-use-executor", "/e", "addr"],
     {"root": "/p", "virtualenv": "venv", "use-executor": "/e"}, ["addr"]),
    (["--", "-not-a-flag"], {}, ["-not-a-flag"]),
    ([], {}, []),
])
def test_go_flag_syntax(argv, flags, rest):
    assert parse_command_line(argv) == (flags, rest)


def test_unknown_flag_and_missing_value_are_errors():
    with pytest.raises(SystemExit, match="flag provided but not defined: -bogus"):
        parse_command_line(["-bogus", "addr"])
    with pytest.raises(SystemExit, match="flag needs an argument: -tracing"):
        parse_command_line(["-tracing"])


def test_missing_executor_is_an_error(tmp_path, capsys):
    assert main(["-use-executor", str(tmp_path / "missing"), "127.0.0.1:1"], executable_dir=str(tmp_path)) == 1
    assert "missing executor" in capsys.readouterr().err


def test_the_executable_prints_its_port_first_and_stops_on_sigterm(tmp_path):
    # The repo's thin executable imports the package from beside itself and serves; the engine reads the port.
    executor = tmp_path / "pulumi-language-python-exec"
    executor.write_text("")
    host = subprocess.Popen([sys.executable, str(REPO_ROOT / "tools" / "engine" / "pulumi-language-python"),
                             "-use-executor", str(executor)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        port = host.stdout.readline().strip()
        assert port.isdigit() and int(port) > 0, host.stderr.read()
        host.terminate()
        assert host.wait(timeout=20) == 0
    finally:
        if host.poll() is None:
            host.kill()
