"""The control API needs the sandbox's token, and no server answers a request a web page could have made (a
foreign Host: DNS rebinding; a foreign Origin: a cross-site request), with no CORS to let a page read anything."""

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tools.sandbox.client import ControlError, SandboxControl
from tools.sandbox.postgres import free_port
from tools.sandbox.runner import Sandbox

ROOT = Path(__file__).resolve().parents[3]
HEADER = "X-Sandbox-Control-Token"
LISTS = {"render": "/owners", "supabase": "/v1/organizations"}  # one API call each server answers
pytestmark = pytest.mark.sandbox_settings(postgres=False)


@pytest.fixture(params=["render", "supabase"])
def server(request, sandbox):
    return getattr(sandbox, request.param)


def test_control_requests_need_the_token(server):
    url = server.origin + "/_sandbox/state"
    missing = requests.get(url, timeout=5)
    assert missing.status_code == 401 and HEADER in missing.json()["error"]
    wrong = requests.get(url, headers={HEADER: server.control_token + "x"}, timeout=5)
    assert wrong.status_code == 401 and "wrong" in wrong.json()["error"]
    api_token = requests.get(url, headers={HEADER: server.token, **server.auth_headers}, timeout=5)
    assert api_token.status_code == 401  # the vendor API's token opens nothing here
    assert requests.get(url, headers=server.control_headers, timeout=5).status_code == 200
    # Nothing changes without it: a reset, a token rotation.
    rotate = requests.patch(server.origin + "/_sandbox/settings", json={"token": "stolen"}, timeout=5)
    assert rotate.status_code == 401 and server.token != "stolen"
    # Liveness stays open: it says nothing but that a sandbox serves here.
    assert requests.get(server.origin + "/_sandbox/health", timeout=5).json()["ok"] is True


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1.evil.example:{port}", "127.0.0.1:1"])
def test_a_foreign_host_is_refused_even_with_the_tokens(server, host):
    headers = {"Host": host.format(port=server.port)}
    control = requests.get(server.origin + "/_sandbox/state", headers={**headers, **server.control_headers}, timeout=5)
    assert control.status_code == 403 and "addressed to 127.0.0.1" in control.json()["error"]
    before = len(server.journal.entries())
    api = requests.get(server.url(LISTS[server.name]), headers={**headers, **server.auth_headers}, timeout=5)
    assert api.status_code == 403 and "addressed to 127.0.0.1" in api.text
    assert len(server.journal.entries()) == before  # refused before the API saw it


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "LOCALHOST:{port}"])
def test_loopback_hosts_are_served(server, host):
    headers = {"Host": host.format(port=server.port), **server.control_headers}
    assert requests.get(server.origin + "/_sandbox/state", headers=headers, timeout=5).status_code == 200


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1.evil.example", "null"])
def test_a_foreign_origin_is_refused(server, origin):
    headers = {"Origin": origin, **server.control_headers}
    refused = requests.post(server.origin + "/_sandbox/reset", headers=headers, timeout=5)
    assert refused.status_code == 403 and "web origin" in refused.json()["error"]


def test_a_loopback_origin_is_served_without_cors(server):
    headers = {"Origin": f"http://localhost:{server.port}", **server.control_headers}
    served = requests.get(server.origin + "/_sandbox/journal", headers=headers, timeout=5)
    assert served.status_code == 200
    # No CORS at all: a page of another origin can neither read an answer nor pass a preflight for the header.
    preflight = requests.options(server.origin + "/_sandbox/journal", timeout=5,
                                 headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET",
                                          "Access-Control-Request-Headers": HEADER})
    for answer in (served, preflight):
        assert not [name for name in answer.headers if name.lower().startswith("access-control-")]


def test_the_token_file_is_private_and_replaced_at_each_start(tmp_path):
    token_file = tmp_path / "control-token"
    token_file.write_text("a token from before\n")
    token_file.chmod(0o644)
    first = Sandbox(state_file=tmp_path / "state.json", postgres=False).start()
    try:
        assert first.control_token_file == token_file  # beside the state file
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert token_file.read_text().strip() == first.control_token == first.supabase.control_token
        assert len(first.control_token) >= 40  # secrets.token_urlsafe(32)
        refused = requests.get(first.render.origin + "/_sandbox/state", timeout=5).json()["error"]
        assert str(token_file) in refused  # a 401 says where the token is
    finally:
        first.stop()
    second = Sandbox(state_file=tmp_path / "state.json", postgres=False).start()
    try:
        assert second.control_token != first.control_token
        assert token_file.read_text().strip() == second.control_token
    finally:
        second.stop()


def _script(env: dict, command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "tools/scripts/sandbox.sh", command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def _cli(env: dict, port: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.sandbox", "--render-port", str(port), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_the_command_line_and_the_client_find_the_token_of_make_sandbox(tmp_path):
    sandbox_dir = tmp_path / "sandbox"
    env = {**{k: v for k, v in os.environ.items() if k != "SANDBOX_CONTROL_TOKEN"}, "SANDBOX_DIR": str(sandbox_dir),
           "SANDBOX_RENDER_PORT": str(free_port()), "SANDBOX_SUPABASE_PORT": str(free_port()),
           "SANDBOX_ARGS": "--no-postgres"}  # fixed ports: the client below outlives a restart
    started = _script(env, "start")
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        log = (sandbox_dir / "sandbox.log").read_text()
        urls = json.loads(log.splitlines()[0])
        token_file = sandbox_dir / "control-token"
        assert urls["control_token_file"] == str(token_file)
        token = token_file.read_text().strip()
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600 and token not in log  # never logged
        port = int(urls["render"].rsplit(":", 1)[1].split("/")[0])

        # The CLI reads $SANDBOX_DIR/control-token on its own.
        assert _cli(env, port, "fault", "add", "--server", "render", "--kind", "error").returncode == 0
        listed = _cli(env, port, "fault", "list", "--server", "render")
        assert listed.returncode == 0 and json.loads(listed.stdout)["render"][0]["kind"] == "error"
        # Pointed at another directory, it fails with one line saying where it looked.
        elsewhere = _cli({**env, "SANDBOX_DIR": str(tmp_path / "other")}, port, "journal", "--server", "render")
        assert elsewhere.returncode == 1 and "Traceback" not in elsewhere.stderr
        assert str(tmp_path / "other" / "control-token") in elsewhere.stderr

        # The client reads the file at every call, so it follows a restart's new token.
        client = SandboxControl(urls["render"], token_file=token_file)
        assert client.faults()[0]["kind"] == "error"
        assert _script(env, "stop").returncode == 0
        assert _script(env, "start").returncode == 0
        assert token_file.read_text().strip() != token
        assert client.faults() == []
        with pytest.raises(ControlError, match="401"):
            SandboxControl(urls["render"], token=token).faults()  # the old token opens nothing
    finally:
        _script(env, "stop")


def test_a_sandbox_without_state_takes_its_token_from_the_environment(tmp_path):
    env = {**os.environ, "SANDBOX_CONTROL_TOKEN": "test-control-token"}
    server = subprocess.Popen([sys.executable, "-m", "tools.sandbox", "--no-postgres", "--render-port", "0",
                               "--supabase-port", "0"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        urls = json.loads(server.stdout.readline())
        token_file = Path(urls["control_token_file"])  # a private directory of its own, not $SANDBOX_DIR's file
        assert token_file.read_text().strip() == "test-control-token"
        assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
        origin = urls["supabase"]
        assert requests.get(origin + "/_sandbox/journal", headers={HEADER: "test-control-token"},
                            timeout=5).status_code == 200
        assert SandboxControl(origin, token_file=token_file).journal() == []
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
    assert not token_file.parent.exists()
