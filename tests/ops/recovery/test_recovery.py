"""The decisions tools/scripts/recover.sh makes (ops/recovery/): what to adopt after an interrupted update, whether a
lock is provably dead, and the temporary config. The whole procedure with the real engine:
tests/tools/engine/test_interruptions.py."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
import yaml

from ops.recovery.config_file import with_adopt
from ops.recovery.locks import lock_status
from ops.recovery.state import adopt_entries, known_deploys, pending_operations
from tools.sandbox.testing import wait_for

R = "pulumi-python:dynamic/render:"
STACK = "urn:pulumi:staging::procurement::procurement:backend:Backend$"
SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:..."}


def resource(kind: str, name: str, **fields) -> dict:
    return {"urn": f"{STACK}{kind}::{name}", "type": kind, **fields}


def export(resources=(), pending=()) -> dict:
    return {"version": 3, "deployment": {"resources": list(resources), "pending_operations": list(pending)}}


STATE = [
    resource(R + "Service", "backend-api", id="srv-api", outputs={"deploy_id": "dep-first"}),
    resource(R + "Deploy", "backend-api-deploy", id="dep-old", inputs={"service_id": "srv-api"},
             outputs={"previous_deploy_id": "dep-first", "live_deploy_id": "dep-old"}),
    resource(R + "EnvVars", "backend-api-env", id="srv-api/env-vars", inputs={"service_id": "srv-api"},
             outputs={"deploy_id": None}),
    resource(R + "Deploy", "backend-worker-deploy", id="dep-worker", inputs={"service_id": "srv-worker"}),
]


def test_pending_creates_of_adoptable_kinds_become_adopt_entries():
    pending = [
        {"type": "creating", "resource": resource(R + "Service", "backend-worker", inputs={"name": "x"})},
        {"type": "creating", "resource": resource(R + "Deploy", "backend-api-deploy",
                                                  inputs={"service_id": "srv-api"})},
        {"type": "creating", "resource": resource("pulumi-python:dynamic/supabase:Extension", "database-extension-x")},
        {"type": "creating", "resource": resource("pulumi-python:dynamic/random:RandomPassword", "database-password")},
        {"type": "updating", "resource": resource(R + "EnvGroup", "backend-env-group")},
        {"type": "deleting", "resource": resource(R + "CustomDomain", "backend-api-domain")},
    ]
    state = export(STATE, pending)
    assert len(pending_operations(state)) == 6
    # A Deploy is bounded by every deploy the state knows for its service; nothing else is.
    assert adopt_entries(state) == ["backend-api-deploy@dep-first,dep-old", "backend-worker"]


def test_a_deploy_with_nothing_known_or_an_unreadable_service_is_adopted_unbounded():
    assert known_deploys(export(STATE), "srv-new") == []
    pending = [{"type": "creating", "resource": resource(R + "Deploy", "backend-x-deploy",
                                                         inputs={"service_id": SECRET})}]
    assert adopt_entries(export(STATE, pending)) == ["backend-x-deploy"]


def test_no_pending_operations_nothing_to_adopt():
    assert adopt_entries(export(STATE)) == [] and pending_operations({"deployment": {}}) == []


def test_the_temporary_config_adds_entries_and_keeps_everything_else(tmp_path):
    stack_file = tmp_path / "Pulumi.staging.yaml"
    stack_file.write_text(yaml.safe_dump({
        "secretsprovider": "awskms://alias/x", "environment": ["procurement/staging"],
        "config": {"procurement:domain": "acme.test", "procurement:registryPassword": {"secure": "v1:abc"},
                   "procurement:adopt": ["backend-api-deploy@dep-1", "database-project"]}}))
    out = tmp_path / "recover.yaml"
    result = with_adopt(stack_file, ["backend-api-deploy@dep-2", "backend-api"], out)
    assert result == ["backend-api", "backend-api-deploy@dep-2", "database-project"]
    doc = yaml.safe_load(out.read_text())
    assert doc["secretsprovider"] == "awskms://alias/x" and doc["environment"] == ["procurement/staging"]
    assert doc["config"]["procurement:registryPassword"] == {"secure": "v1:abc"}
    assert doc["config"]["procurement:adopt"] == result
    assert "backend-api\n" not in stack_file.read_text()  # the stack file itself is untouched
    with_adopt(tmp_path / "missing.yaml", ["backend-api"], out)
    assert yaml.safe_load(out.read_text()) == {"config": {"procurement:adopt": ["backend-api"]}}


def write_lock(root, pid, host="here"):
    locks = root / ".pulumi" / "locks" / "organization" / "procurement" / "local"
    locks.mkdir(parents=True, exist_ok=True)
    (locks / "0b1c.json").write_text(json.dumps({"pid": pid, "username": "root", "hostname": host,
                                                 "timestamp": "2026-01-01T00:00:00Z"}))


def test_lock_of_a_dead_cli_on_this_host_is_dead(tmp_path):
    url = tmp_path.as_uri()
    assert lock_status(url, "procurement", "local", hostname="here").state == "none"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    write_lock(tmp_path, gone.pid)
    status = lock_status(url, "procurement", "organization/procurement/local", hostname="here")
    assert status.state == "dead" and str(gone.pid) in status.detail


def test_lock_of_a_running_pulumi_is_alive_and_a_foreign_one_unknown(tmp_path):
    cli = subprocess.Popen(["bash", "-c", "exec -a pulumi sleep 30"])
    try:
        wait_for(lambda: open(f"/proc/{cli.pid}/cmdline", "rb").read().startswith(b"pulumi\0"), timeout=10)
        write_lock(tmp_path, cli.pid)
        assert lock_status(tmp_path.as_uri(), "procurement", "local", hostname="here").state == "alive"
        write_lock(tmp_path, cli.pid, host="ci-runner-7")
        assert lock_status(tmp_path.as_uri(), "procurement", "local", hostname="here").state == "unknown"
    finally:
        cli.kill()
        cli.wait()
    # A pid reused by something that is not pulumi: the update is gone.
    write_lock(tmp_path, os.getpid())
    assert lock_status(tmp_path.as_uri(), "procurement", "local", hostname="here").state == "dead"


@pytest.mark.parametrize("url", ["https://api.pulumi.com", "s3://bucket/state"])
def test_other_backends_cannot_be_judged_here(url):
    assert lock_status(url, "procurement", "staging", hostname=socket.gethostname()).state == "unknown"


def test_command_line(tmp_path):
    state = tmp_path / "export.json"
    state.write_text(json.dumps(export(STATE, [{"type": "creating",
                                                "resource": resource(R + "Service", "backend-worker")}])))
    run = lambda *a: subprocess.run([sys.executable, "-m", "ops.recovery", *map(str, a)], capture_output=True,  # noqa: E731
                                    text=True, check=True).stdout
    assert run("pending", state) == f"creating {STACK}{R}Service::backend-worker\n"
    assert run("adopt-config", state, tmp_path / "none.yaml", tmp_path / "out.yaml") == "backend-worker\n"
    assert yaml.safe_load((tmp_path / "out.yaml").read_text())["config"]["procurement:adopt"] == ["backend-worker"]
    assert run("lock", tmp_path.as_uri(), "procurement", "local").split()[0] == "none"


def test_a_checkpoint_the_kill_left_unreadable_is_repaired(tmp_path):
    from ops.recovery.checkpoint import repair
    stacks = tmp_path / ".pulumi" / "stacks" / "procurement"
    stacks.mkdir(parents=True)
    good = json.dumps(export(STATE))
    (stacks / "local.json").write_text(good)
    (stacks / "local.json.attrs").write_text("")  # what a kill between the two writes leaves
    (stacks / "local.json.bak").write_text(good)
    (stacks / "local.json.bak.attrs").write_text('{"user.cache_control": ""}')
    done = repair(tmp_path.as_uri(), "procurement", "local")
    assert len(done) == 1 and "metadata" in done[0]
    assert not (stacks / "local.json.attrs").exists() and (stacks / "local.json.bak.attrs").exists()
    assert repair(tmp_path.as_uri(), "procurement", "local") == []  # nothing else to do

    (stacks / "local.json").write_text(good[:100])  # cut short
    done = repair(tmp_path.as_uri(), "procurement", "local")
    assert "restored the previous checkpoint" in done[0]
    assert (stacks / "local.json").read_text() == good and list(stacks.glob("local.json.broken-*"))
    assert repair("https://api.pulumi.com", "procurement", "staging") == []
