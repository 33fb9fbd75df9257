"""State persisted to a file survives a restart (objects and project databases), and the command line serves
and drives a sandbox in another process."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests

from tools.sandbox.postgres import free_port
from tools.sandbox.runner import Sandbox
from tools.sandbox.testing import wait_for

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def shared_tmp():
    # Project databases live beside the state file and Postgres runs as the `postgres` user when we are root, so
    # the directory must be traversable by others (pytest's tmp_path is private to root).
    path = Path(tempfile.mkdtemp(prefix="sandbox-state-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_state_file_survives_a_restart_with_databases(shared_tmp, sandbox_postgres):
    state = shared_tmp / "state.json"
    first = Sandbox(state_file=state, postgres=sandbox_postgres, project_ready_delay=0.1, deploy_delay=0.1).start()
    try:
        render, supabase = first.render.client(), first.supabase.client()
        sid = render.post("/services", json={"type": "web_service", "name": "kept", "ownerId": first.render.owner_id,
                                             "image": {"ownerId": first.render.owner_id, "imagePath": "x/y:1"},
                                             "serviceDetails": {"runtime": "image"}}).json()["service"]["id"]
        ref = supabase.post("/v1/projects", json={"name": "kept", "db_pass": "pw-12345",
                                                  "organization_slug": first.supabase.organization_slug}).json()["ref"]
        wait_for(lambda: supabase.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY", timeout=30)
        supabase.post(f"/v1/projects/{ref}/database/query", json={"query": "create table kept (v text); "
                                                                           "insert into kept values ('still here')"})
    finally:
        first.stop()
    assert json.loads(state.read_text())["render"]["services"][sid]["name"] == "kept"

    second = Sandbox(state_file=state, postgres=sandbox_postgres).start()
    try:
        assert second.render.client().get(f"/services/{sid}").json()["name"] == "kept"
        supabase = second.supabase.client()
        assert supabase.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY"
        rows = supabase.post(f"/v1/projects/{ref}/database/query", json={"query": "select v from kept"}).json()
        assert rows == [{"v": "still here"}]
        assert supabase.delete(f"/v1/projects/{ref}").status_code == 200
    finally:
        second.stop()


def run_cli(ports, token_file, *args):
    command = [sys.executable, "-m", "tools.sandbox", "--render-port", str(ports[0]), "--supabase-port", str(ports[1]),
               "--control-token-file", str(token_file), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_command_line_serves_and_controls_a_sandbox(tmp_path):
    ports = (free_port(), free_port())
    state = tmp_path / "cli-state.json"
    server = subprocess.Popen([sys.executable, "-m", "tools.sandbox", "--render-port", str(ports[0]), "--supabase-port",
                               str(ports[1]), "--state", str(state), "--no-postgres"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        urls = json.loads(server.stdout.readline())
        assert urls["render"] == f"http://127.0.0.1:{ports[0]}/v1"
        token_file = tmp_path / "control-token"
        assert urls["control_token_file"] == str(token_file)  # beside the state
        headers = {"Authorization": "Bearer rnd_sandbox_local_token"}
        body = {"type": "web_service", "name": "cli", "ownerId": urls["render_owner_id"],
                "image": {"ownerId": urls["render_owner_id"], "imagePath": "x/y:1"},
                "serviceDetails": {"runtime": "image", "plan": "starter"}}
        sid = requests.post(urls["render"] + "/services", json=body, headers=headers, timeout=5).json()["service"]["id"]

        added = run_cli(ports, token_file, "fault", "add", "--server", "render", "--kind", "error", "--status", "503",
                        "--count", "2", "--method", "GET", "--path", "/v1/services/{id}")
        assert added.returncode == 0, added.stderr
        statuses = [requests.get(f"{urls['render']}/services/{sid}", headers=headers, timeout=5).status_code
                    for _ in range(3)]
        assert statuses == [503, 503, 200]

        edited = run_cli(ports, token_file, "edit", "--server", "render", "services", sid, "serviceDetails.plan=pro",
                         "serviceDetails.numInstances=2")
        assert edited.returncode == 0, edited.stderr
        service = requests.get(f"{urls['render']}/services/{sid}", headers=headers, timeout=5).json()
        assert service["serviceDetails"]["plan"] == "pro" and service["serviceDetails"]["numInstances"] == 2

        journal = run_cli(ports, token_file, "journal", "--server", "render")
        lines = [json.loads(line) for line in journal.stdout.splitlines()]
        assert [entry["status"] for entry in lines] == [201, 503, 503, 200, 200]
        assert run_cli(ports, token_file, "journal", "--clear").returncode == 0
        assert run_cli(ports, token_file, "journal").stdout == ""

        shown = json.loads(run_cli(ports, token_file, "state", "--server", "render", "services", sid).stdout)
        assert shown["serviceDetails"]["plan"] == "pro"
        settings = json.loads(run_cli(ports, token_file, "settings", "--server", "render", "deploy_delay=0.5").stdout)
        assert settings["deploy_delay"] == 0.5
        listed = json.loads(run_cli(ports, token_file, "fault", "list").stdout)
        assert listed == {"render": [], "supabase": []}

        failed = run_cli(ports, token_file, "edit", "--server", "render", "services", "srv-missing", "name=x")
        assert failed.returncode == 1 and "srv-missing" in failed.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    assert json.loads(state.read_text())["render"]["services"][sid]["serviceDetails"]["plan"] == "pro"


def test_ports_come_from_the_environment(tmp_path):
    ports = (free_port(), free_port(), free_port())
    env = {**os.environ, "SANDBOX_RENDER_PORT": str(ports[0]), "SANDBOX_SUPABASE_PORT": str(ports[1]),
           "SANDBOX_TRAFFIC_PORT": str(ports[2])}
    server = subprocess.Popen([sys.executable, "-m", "tools.sandbox", "--no-postgres"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        urls = json.loads(server.stdout.readline())
        assert urls == {"render": f"http://127.0.0.1:{ports[0]}/v1", "supabase": f"http://127.0.0.1:{ports[1]}",
                        "render_traffic_gateway": f"http://127.0.0.1:{ports[2]}",
                        "render_owner_id": urls["render_owner_id"],
                        "supabase_organization_slug": urls["supabase_organization_slug"],
                        "control_token_file": urls["control_token_file"]}
        assert requests.get(f"http://127.0.0.1:{ports[1]}/_sandbox/health", timeout=5).json()["ok"] is True
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
