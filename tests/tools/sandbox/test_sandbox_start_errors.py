"""Expected failures of `python -m tools.sandbox` are one line on stderr and a non-zero exit code, never a traceback:
a taken API or traffic-gateway port (naming the port and the variables that choose others), a bad port variable,
missing specs."""

import contextlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tools.sandbox.postgres import free_port
from tools.sandbox.runner import Sandbox, SandboxStartError

ROOT = Path(__file__).resolve().parents[3]


@contextlib.contextmanager
def taken_port():
    """A loopback port another program listens on, for as long as the block runs."""
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    try:
        yield squatter.getsockname()[1]
    finally:
        squatter.close()


def test_a_taken_api_port_is_one_line_naming_the_variables(tmp_path):
    with taken_port() as port:
        with pytest.raises(SandboxStartError) as failure:
            Sandbox(render_port=port, postgres=False).start()
        assert f"port {port}" in str(failure.value)
        done = subprocess.run([sys.executable, "-m", "tools.sandbox", "--no-postgres", "--state", str(tmp_path / "s.json")],
                              cwd=ROOT, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "SANDBOX_RENDER_PORT": str(free_port()),
                                   "SANDBOX_SUPABASE_PORT": str(port)})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"sandbox: port {port} on 127.0.0.1 (Supabase Management API) is already in use")
    assert "SANDBOX_RENDER_PORT" in lines[0] and "SANDBOX_SUPABASE_PORT" in lines[0]


def test_a_taken_gateway_port_is_one_line_naming_it():
    with taken_port() as port:
        with pytest.raises(SandboxStartError) as failure:
            Sandbox(traffic_port=port, postgres=False).start()
    message = str(failure.value)
    assert message.startswith(f"port {port} on 127.0.0.1 (Render traffic gateway) is already in use")
    assert "SANDBOX_TRAFFIC_PORT" in message and "\n" not in message


def test_a_bad_port_variable_is_one_line():
    done = subprocess.run([sys.executable, "-m", "tools.sandbox", "--no-postgres"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "SANDBOX_RENDER_PORT": "eighty"})
    assert done.returncode != 0
    assert done.stderr.strip() == "sandbox: SANDBOX_RENDER_PORT='eighty' is not a port number (0-65535; 0 = any free port)"


def test_missing_specs_are_one_line_naming_where_they_were_sought(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tools.sandbox", "--no-postgres", "--render-port", "0", "--supabase-port",
                           "0"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PROCUREMENT_SHARED_DIR": str(tmp_path / "nowhere")})
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"sandbox: OpenAPI spec not found at {tmp_path}/nowhere/specs/render/render-openapi.json; "
        "set $PROCUREMENT_SHARED_DIR to the shared/ directory"]
