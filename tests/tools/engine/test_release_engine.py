"""Releases under live traffic, on the real engine and the sandbox (issue 25; docs/explanation/releases.md).

A loop sends requests to the API service's traffic without pause while `pulumi up` releases one image after
another, and counts the failed answers: none for a healthy release; none for a bad image, which the green
candidate stops before it reaches the service; and, for an image that breaks only after the switch, the
failures until the automatic switch-back, which the `up` reports with the switch-back time. Counts are asserted,
never durations.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from dynamic_providers.render.watch import SWITCH_BACK_REPORT
from tools.engine.testing import run_pulumi
from tools.sandbox.client import SandboxControl
from tools.sandbox.traffic_loop import TrafficLoop
from tests.tools.engine.local_project import local_project, pulumi, without_database

REPOSITORY = "ghcr.io/acme-procurement/procurement-system"
SMOKE_PATH = "/api/v1/orders"
WATCH_SECONDS = 4


def digest(name: str) -> str:
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


def ref(name: str) -> str:
    return f"{REPOSITORY}@{digest(name)}"


def release_config(config: dict) -> None:
    without_database(config)
    config["procurement:backendImageDigest"] = ref("release-1")
    config["procurement:release"] = {"candidate": True, "watchSeconds": WATCH_SECONDS,
                                     "smokeChecks": [{"path": SMOKE_PATH, "status": 200}]}


@pytest.fixture
def project(tmp_path: Path, pulumi_env: dict, sandbox) -> tuple[Path, dict]:
    return local_project(tmp_path, pulumi_env, sandbox, edit_config=release_config)


def control(sandbox) -> SandboxControl:
    return SandboxControl(sandbox.render.origin, token=sandbox.control_token)


def release(root: Path, env: dict, name: str, ok: bool = True):
    pulumi(root, env, "config", "set", "procurement:backendImageDigest", ref(name))
    return run_pulumi(["up", "--yes", "--skip-preview", "--stack", "local"], cwd=root, env=env, check=ok,
                      timeout=300)


def api_deploys(sandbox, sid: str) -> list[dict]:
    return sorted((d for d in sandbox.render.store.data["deploys"].values() if d["_serviceId"] == sid),
                  key=lambda d: d["createdAt"])


def deploy_count(sandbox) -> int:
    return len(sandbox.render.store.data["deploys"])


def previews(sandbox) -> list[dict]:
    return [s for s in sandbox.render.store.data["services"].values()
            if (s.get("serviceDetails") or {}).get("parentServer")]


@pytest.mark.sandbox_settings(deploy_delay=0.3)
@pytest.mark.sandbox_rate_limits(time_scale=0.05, reason="five releases of four services in a minute: more deploys "
                                                       "than Render's hourly window allows")
def test_releases_under_live_traffic(project, sandbox):
    root, env = project
    pulumi(root, env, "up", "--yes", "--skip-preview")
    sid = json.loads(pulumi(root, env, "stack", "output", "backend_service_ids", "--json").stdout)["api"]
    loop = TrafficLoop(control(sandbox).traffic(sid)["url"], SMOKE_PATH)
    loop.start()
    try:
        loop.more()
        # The plan names the candidate and its checks before anything runs.
        pulumi(root, env, "config", "set", "procurement:backendImageDigest", ref("release-2"))
        plan = json.loads(pulumi(root, env, "preview", "--json").stdout)
        replaced = {s["urn"].rsplit("::", 1)[1] for s in plan["steps"] if s["op"] == "replace"}
        assert {"backend-api-candidate", "backend-api-deploy"} <= replaced, replaced
        notes = [d["message"] for d in plan.get("diagnostics") or [] if d.get("urn", "").endswith("::backend-api-candidate")]
        assert any(f"GET {SMOKE_PATH} -> 200" in note for note in notes), plan.get("diagnostics")

        # 1. A healthy release: the candidate passes, the switch drops no request.
        done = release(root, env, "release-2")
        loop.more()
        assert loop.failed == 0, loop.failures
        assert re.search(rf"GET {re.escape(SMOKE_PATH)} -> 200", done.stdout), done.stdout
        healthy = api_deploys(sandbox, sid)[-1]
        assert healthy["status"] == "live" and loop.served_by[-1] == healthy["id"]
        assert not previews(sandbox)  # the candidate is deleted

        # 2. An image failing its health check, 3. one answering 500 on a smoke path: both stop at the
        # candidate; nothing reaches the service.
        # Render gives up on a failing health check after 15 minutes; the sandbox here after 2 s.
        control(sandbox).settings(health_check_timeout=2.0, unhealthy_images=[f"*{digest('release-3')}"],
                                  error_path_images={f"*{digest('release-4')}": [SMOKE_PATH]})
        for name, why in (("release-3", "/health -> "), ("release-4", f"{SMOKE_PATH} -> 500")):
            deploys = deploy_count(sandbox)
            failed = release(root, env, name, ok=False)
            assert deploy_count(sandbox) == deploys  # no service deployed it: not the API, not a worker
            assert failed.returncode != 0 and why in failed.stdout + failed.stderr, failed.stdout + failed.stderr
            loop.more()
            assert loop.failed == 0, loop.failures
            assert api_deploys(sandbox, sid)[-1]["id"] == healthy["id"]  # never deployed
            assert not previews(sandbox)

        # 4. An image that breaks after the switch: the watch sees it and switches back to the last good deploy.
        # It breaks once it has answered 20 requests: the candidate sends two, production traffic many more.
        control(sandbox).settings(failing_after_requests_images={f"*{digest('release-5')}": 20})
        deploys = deploy_count(sandbox)
        failed = release(root, env, "release-5", ok=False)
        said = failed.stdout + failed.stderr
        switched = SWITCH_BACK_REPORT.search(said)
        assert switched and switched["previous"] == healthy["id"], said
        loop.more()
        back = api_deploys(sandbox, sid)[-1]
        assert back["id"] == switched["rollback"] and back["status"] == "live" and back["trigger"] == "rollback", back
        assert loop.served_by[-1] == back["id"]
        assert deploy_count(sandbox) == deploys + 2  # the API's deploy and its switch-back; no worker deployed it
        assert loop.failed > 0, "the watch only sees a failure the service served"
        print(f"after-switch failure: {loop.failed} failed requests, switch-back {switched['seconds']} s")

        # Back to the good image: the stack converges with no failed request, and then has nothing to change.
        failed_before = loop.failed
        release(root, env, "release-2")
        loop.more()
        assert loop.failed == failed_before, loop.failures
    finally:
        loop.stop()
    pulumi(root, env, "preview", "--expect-no-changes")
