"""The real `pulumi` CLI against the stricter sandbox: waits are visible, queued deploys are followed to live,
failed deploys fail `up` naming the deploy, and a stack creating more services than one rate-limit window allows
converges (waiting visibly) or stops with one line naming the bucket and its reset, as configured.

Progress reaches the CLI through the engine's Log service (dynamic_providers/core/progress.py): the
non-interactive output prints the resource's row again with each status, and the event log (what the
automation API reads) carries them as ephemeral diagnostic events.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tools.engine.testing import pulumi_engine, pulumi_env, pulumi_home, ephemeral_messages, python_project_yaml, run_pulumi  # noqa: F401

DIGEST_1 = "sha256:" + "1" * 64
DIGEST_2 = "sha256:" + "2" * 64

DEPLOY_PROGRAM = """
import pulumi
from dynamic_providers.render import Deploy, Service

api = Service("api", name="api", owner_id={owner!r}, service_type="web_service", image="ghcr.io/acme/api",
              image_digest={digest1!r}, region="frankfurt")
release = Deploy("release", service_id=api.id, image_digest={digest2!r}, timeout_seconds=300)
pulumi.export("service_deploy_id", api.deploy_id)
pulumi.export("deploy_id", release.id)
pulumi.export("deploy_status", release.status)
pulumi.export("live_deploy_id", release.live_deploy_id)
"""

SERVICES_PROGRAM = """
import pulumi
from dynamic_providers.render import Service

for i in range({count}):
    Service(f"worker-{{i}}", name=f"worker-{{i}}", owner_id={owner!r}, service_type="background_worker",
            image="ghcr.io/acme/worker", image_digest={digest!r}, region="frankfurt")
"""


def make_project(tmp_path: Path, env: dict, sandbox, program: str, **config: str) -> tuple[Path, dict]:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(python_project_yaml("render-waits-test"))
    (project / "__main__.py").write_text(program)
    # The token from the environment, as every stack gets it (docs/explanation/secrets.md); --event-log needs the flag.
    env = {**env, "RENDER_API_URL": sandbox.render.base_url, "RENDER_API_KEY": sandbox.render.token,
           "PULUMI_DEBUG_COMMANDS": "true"}
    env.pop("RENDER_MAX_RATE_LIMIT_WAIT_SECONDS", None)
    run_pulumi(["stack", "init", "test"], cwd=project, env=env)
    for key, value in config.items():
        run_pulumi(["config", "set", key, value], cwd=project, env=env)
    return project, env


def up(project: Path, env: dict, events: Path, check: bool = True):
    return run_pulumi(["up", "--yes", "--skip-preview", "--event-log", str(events)], cwd=project, env=env,
                      check=check)


def outputs(project: Path, env: dict) -> dict:
    return json.loads(run_pulumi(["stack", "output", "--json"], cwd=project, env=env).stdout)


@pytest.mark.sandbox_settings(deploy_delay=14)
def test_queued_deploy_and_rate_limit_waits_are_visible_and_followed_to_live(tmp_path, pulumi_env, sandbox):
    program = DEPLOY_PROGRAM.format(owner=sandbox.render.owner_id, digest1=DIGEST_1, digest2=DIGEST_2)
    project, env = make_project(tmp_path, pulumi_env, sandbox, program)
    # One injected 429 on the deploy request: the provider waits the 10 s Render asks for, visibly; the
    # service's first deploy (14 s) is still running after it, so ours is queued.
    sandbox.render.add_fault("rate_limit", method="POST", path="/v1/services/{id}/deploys", retry_after=10)
    events = tmp_path / "events.jsonl"
    done = up(project, env, events)

    out = outputs(project, env)
    posts = [e for e in sandbox.render.journal.entries() if e.method == "POST" and e.path.endswith("/deploys")]
    assert [e.status for e in posts] == [429, 202]  # then queued behind the service's first deploy
    assert out["deploy_id"] != out["service_deploy_id"]  # ours, not the one that was running
    assert out["deploy_status"] == "live" and out["live_deploy_id"] == out["deploy_id"]
    assert sandbox.render.store["deploys"][out["service_deploy_id"]]["status"] == "deactivated"

    # Visible in the CLI's non-interactive output: the Deploy row, printed again with each status.
    rows = [line for line in done.stdout.splitlines() if "dynamic/render:Deploy" in line and " release " in line]
    assert any("Render API rate limit on POST /v1/services/{id}/deploys" in row and "waiting" in row for row in rows)
    assert any(f"Render deploy {out['deploy_id']} of service" in row and ": queued (" in row for row in rows), rows
    assert any(f"Render deploy {out['deploy_id']} of service" in row and ": update_in_progress (" in row
               for row in rows), rows
    # ... and in the event log the automation API reads, as ephemeral diagnostics on the Deploy's URN.
    statuses = ephemeral_messages(events, "release")
    assert any(": queued (" in m for m in statuses) and any(": update_in_progress (" in m for m in statuses)
    assert any("rate limit" in m for m in statuses)
    # The long rate-limit wait also leaves a permanent note in the summary.
    assert "Render API rate limit on POST /v1/services/{id}/deploys (limit 10 per window): waiting 10s until" \
        in done.stdout.split("Diagnostics:", 1)[1]


@pytest.mark.sandbox_settings(deploy_delay=1)
def test_a_failed_deploy_fails_up_naming_the_deploy_and_its_status(tmp_path, pulumi_env, sandbox):
    program = DEPLOY_PROGRAM.format(owner=sandbox.render.owner_id, digest1=DIGEST_1, digest2=DIGEST_2)
    project, env = make_project(tmp_path, pulumi_env, sandbox, program)
    sandbox.render.add_fault("deploy_fail", deploy_status="update_failed", method="POST",
                             path="/v1/services/{id}/deploys")
    done = up(project, env, tmp_path / "events.jsonl", check=False)
    assert done.returncode != 0
    (failed,) = [k for k, v in sandbox.render.store["deploys"].items() if v["status"] == "update_failed"]
    (sid,) = sandbox.render.store["services"]
    assert f"Render deploy {failed} of service {sid} ended 'update_failed' after " in done.stdout + done.stderr


def _at_window_start(window: float) -> None:
    """Sleep until just after a rate-limit window begins, so the test knows how long the next reset is away."""
    time.sleep(window - time.time() % window + 0.2)


# Two service creates per 20 s window (Render: 20 per clock hour), so four services need two windows.
SCALED = dict(time_scale=20 / 3600, capacity_scale=0.1,
              reason="a stack creating more services than one window allows, in seconds instead of an hour")


@pytest.mark.sandbox_rate_limits(**SCALED)
def test_more_services_than_one_window_allows_converge_with_the_wait_shown(tmp_path, pulumi_env, sandbox):
    program = SERVICES_PROGRAM.format(count=4, owner=sandbox.render.owner_id, digest=DIGEST_1)
    project, env = make_project(tmp_path, pulumi_env, sandbox, program)
    _at_window_start(20)
    events = tmp_path / "events.jsonl"
    done = up(project, env, events)
    creates = [e.status for e in sandbox.render.journal.entries() if e.method == "POST" and e.path == "/v1/services"]
    assert sorted(creates) == [201, 201, 201, 201, 429, 429]  # two refused, then created after the reset
    assert sorted(s["name"] for s in sandbox.render.store["services"].values()) == [f"worker-{i}" for i in range(4)]
    waits = [m for i in range(4) for m in ephemeral_messages(events, f"worker-{i}") if "rate limit" in m]
    assert waits and all("POST /v1/services (limit 2 per window): waiting" in m for m in waits)
    assert "Render API rate limit on POST /v1/services (limit 2 per window): waiting" in done.stdout


@pytest.mark.sandbox_rate_limits(**SCALED)
def test_past_the_configured_wait_up_fails_in_one_line_then_a_rerun_converges(tmp_path, pulumi_env, sandbox):
    program = SERVICES_PROGRAM.format(count=4, owner=sandbox.render.owner_id, digest=DIGEST_1)
    project, env = make_project(tmp_path, pulumi_env, sandbox, program,
                                **{"procurement:renderMaxRateLimitWaitSeconds": "2"})
    _at_window_start(20)
    done = up(project, env, tmp_path / "events.jsonl", check=False)
    assert done.returncode != 0
    text = done.stdout + done.stderr
    lines = [line.strip() for line in text.splitlines() if "rate limit for POST /v1/services" in line]
    assert lines, text
    assert all(line.endswith("(HTTP 429: rate limit exceeded: resource creates (POST /services, /postgres, /redis, "
                              "/key-value); 2 requests per window, the window resets in " + line.rsplit("resets in ", 1)[1])
               for line in lines)
    assert "beyond the 2s this stack waits; raise it with procurement:renderMaxRateLimitWaitSeconds or " \
           "RENDER_MAX_RATE_LIMIT_WAIT_SECONDS. The refused call changed nothing; re-run after the reset" in lines[0]
    assert len(sandbox.render.store["services"]) == 2  # the two the window allowed; nothing half-made

    _at_window_start(20)
    up(project, env, tmp_path / "events-2.jsonl")
    names = sorted(s["name"] for s in sandbox.render.store["services"].values())
    assert names == [f"worker-{i}" for i in range(4)]  # converged, no duplicate
    run_pulumi(["preview", "--expect-no-changes"], cwd=project, env=env)
