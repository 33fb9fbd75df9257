"""Issue 27's Done-when on the real engine and the sandbox: a scripted history of the `local` platform, then
`python -m ops.report --json` and `python -m ops.status --json` as a person runs them (subprocesses).

The history: `pulumi up` (release-1) and a release (release-2) that go live; the worker's deploy of an image that
cannot be pulled (fails, never fixed); the API rolled back to release-1 from the API (what on-call does in the
dashboard); the worker's release-2 deploy made slow (created 15 minutes before it finished: /_sandbox/edit);
traffic through the gateway, some of it answered 500; a week of nightly backups in a file:// target with one
night missed, and two restore test records. Every number the report gives is computed here by hand from that
history (the deploys and requests as the sandbox keeps them); the status goes red for exactly the two broken
parts; its reads are GETs, one list call per collection, counted from the sandbox journal.
"""
from __future__ import annotations

import hashlib
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from ops.backup.targets import open_target
from ops.readings import restore_tests
from tools.sandbox.client import SandboxControl
from tools.sandbox.testing import wait_for
from tests.tools.engine.local_project import local_project, pulumi
from tests.mock_harness import PROJECT_ROOT

REPOSITORY = "ghcr.io/acme-procurement/procurement-system"
OK_PATH, BROKEN_PATH = "/api/v1/orders", "/broken"
OK_REQUESTS, BROKEN_REQUESTS = 40, 3
SLOW = timedelta(minutes=15)
SCHEDULE_HOUR, SCHEDULE_MINUTE = 2, 30  # the backup's default schedule, 30 2 * * *
FINAL = ("live", "deactivated", "update_failed", "build_failed", "pre_deploy_failed", "canceled")
WENT_LIVE, FAILED = ("live", "deactivated"), ("update_failed", "build_failed", "pre_deploy_failed")


def digest(name: str) -> str:
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


def ref(name: str) -> str:
    return f"{REPOSITORY}@{digest(name)}"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # as tools/sandbox/clock.py writes them


def operations_config(config: dict) -> None:
    config["procurement:backendImageDigest"] = ref("release-1")
    config.pop("procurement:release", None)  # deploys go straight to the services: the history is the point


@pytest.fixture
def project(tmp_path: Path, pulumi_env: dict, sandbox) -> tuple[Path, dict]:
    return local_project(tmp_path, pulumi_env, sandbox, edit_config=operations_config)


def deploys_of(sandbox, sid: str) -> list[dict]:
    return sorted((d for d in sandbox.render.store.data["deploys"].values() if d["_serviceId"] == sid),
                  key=lambda d: d["createdAt"])


def settle(sandbox, sid: str, deploy_id: str) -> dict:
    api = sandbox.render.client()
    wait_for(lambda: api.get(f"/services/{sid}/deploys/{deploy_id}").json()["status"] in FINAL, timeout=60)
    return api.get(f"/services/{sid}/deploys/{deploy_id}").json()


def backups_by_hand(target: Path, now: datetime) -> tuple[list[datetime], datetime]:
    """A manifest for each of the last eight nights but the third: (the nights backed up, the one missed)."""
    night = now.replace(hour=SCHEDULE_HOUR, minute=SCHEDULE_MINUTE, second=0, microsecond=0)
    nights = [night - timedelta(days=n) for n in range(9) if night - timedelta(days=n) < now][:8]
    missed = nights[2]
    target.mkdir()
    for taken in (n + timedelta(seconds=7) for n in nights if n != missed):
        (target / f"{taken:%Y%m%dT%H%M%SZ}.json").write_text(json.dumps({"taken_at": taken.isoformat()}))
    return [n for n in nights if n != missed], missed


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.sandbox_settings(deploy_delay=0.3)
@pytest.mark.sandbox_rate_limits(time_scale=0.05, reason="two releases of five services and the scripted deploys "
                                                       "in a minute")
def test_the_report_and_the_status_give_the_scripted_history(project, sandbox, tmp_path):
    root, env = project
    control = SandboxControl(sandbox.render.origin, token=sandbox.control_token)
    render = sandbox.render.client()

    # 1. Two releases go live through the engine.
    pulumi(root, env, "up", "--yes", "--skip-preview")
    outputs = json.loads(pulumi(root, env, "stack", "output", "--json").stdout)
    api_id, worker_id = outputs["backend_service_ids"]["api"], outputs["backend_service_ids"]["worker"]
    services = {**outputs["backend_service_ids"], "frontend": outputs["frontend_service_id"]}
    release_1 = deploys_of(sandbox, api_id)[-1]
    pulumi(root, env, "config", "set", "procurement:backendImageDigest", ref("release-2"))
    pulumi(root, env, "up", "--yes", "--skip-preview")

    # 2. The worker deploys an image that cannot be pulled: failed, and not fixed. (What an image does is frozen
    # into a deploy when it starts: release-1 answers 500 on one path from the rollback on.)
    control.settings(unpullable_images=[f"*{digest('broken')}"],
                     error_path_images={f"*{digest('release-1')}": [BROKEN_PATH]})
    started = render.post(f"/services/{worker_id}/deploys", json={"imageUrl": ref("broken")})
    assert started.status_code == 201, started.text
    assert settle(sandbox, worker_id, started.json()["id"])["status"] == "update_failed"

    # 3. The API rolled back to release-1 (release-2 counts as rolled back).
    rollback = render.post(f"/services/{api_id}/rollback", json={"deployId": release_1["id"]})
    assert rollback.status_code in (200, 201), rollback.text
    assert settle(sandbox, api_id, rollback.json()["id"])["status"] == "live"

    # 4. A slow deploy: the worker's release-2 deploy (still live: the failed one replaced nothing) took 15 minutes.
    slow = next(d for d in deploys_of(sandbox, worker_id) if d["status"] == "live"
                and digest("release-2") in json.dumps(d.get("image")))
    control.edit("deploys", slow["id"], set={"createdAt": iso(at(slow["finishedAt"]) - SLOW),
                                             "startedAt": iso(at(slow["finishedAt"]) - SLOW)})

    # 5. Traffic through the gateway: the live image (release-1 again) answers 500 on one path.
    traffic = control.traffic(api_id)
    answers = Counter(requests.get(traffic["gateway"] + path, headers={"Host": traffic["host"]}, timeout=10).status_code
                      for path in [OK_PATH] * OK_REQUESTS + [BROKEN_PATH] * BROKEN_REQUESTS)
    assert answers == {200: OK_REQUESTS, 500: BROKEN_REQUESTS}, answers
    time.sleep(1.1)  # the report's window ends at the second it starts: these requests are before it

    # 6. Backups (one night missed) and the restore test's records, in a file:// target.
    now = datetime.now(timezone.utc)
    backup_dir = tmp_path / "backups"
    _, missed = backups_by_hand(backup_dir, now)
    target = f"file://{backup_dir}"
    for finished, seconds in ((now - timedelta(days=3), 2400.0), (now - timedelta(hours=1), 1500.5)):
        restore_tests.write(open_target(target), f"{finished:%Y%m%dT%H%M%SZ}",
                            {"result": "ok", "backup": "b", "seconds": seconds, "detail": "deleted",
                             "finished_at": finished.isoformat()})

    command_env = {**env, "BACKUP_TARGET": target}
    for name in ("GITHUB_TOKEN", "REGISTRY_TOKEN", "RESTORE_TEST_RECORD_TARGET"):
        command_env.pop(name, None)

    # The report.
    done = run(command_env, "ops.report", "--stack", "local", "--cwd", str(root), "--json")
    assert done.returncode == 1, done.stdout + done.stderr  # targets are missed
    report = json.loads(done.stdout)
    got = {m["key"]: m for m in report["measures"]}
    start, end = at(report["start"]), at(report["end"])
    assert end - start == timedelta(days=7)

    # By hand: every deploy of the stack's services in the window.
    history = [(name, d) for name, sid in services.items() for d in deploys_of(sandbox, sid)
               if start <= at(d["createdAt"]) < end]
    went_live = [(n, d) for n, d in history if d["status"] in WENT_LIVE]
    shipped = [(n, d) for n, d in went_live if d.get("trigger") != "rollback"]
    failed = [(n, d) for n, d in history if d["status"] in FAILED]
    assert [n for n, _ in failed] == ["worker"]
    release_2 = next(d for n, d in went_live if n == "api" and digest("release-2") in json.dumps(d.get("image")))
    the_rollback = next(d for n, d in history if d.get("trigger") == "rollback")

    def span(a, b):
        return (at(b) - at(a)).total_seconds()

    durations = [span(d["createdAt"], d["finishedAt"]) for _, d in went_live]
    assert got["deployment"]["value"] == max(durations) == SLOW.total_seconds()
    assert got["deployment"]["verdict"] == "missed"
    changes = len(shipped) + len(failed)
    assert got["change_failure_rate"]["value"] == pytest.approx(100 * 2 / changes)  # the failed + the rolled back
    recoveries = [span(release_2["finishedAt"], the_rollback["finishedAt"]),
                  (end - at(failed[0][1]["finishedAt"])).total_seconds()]  # the worker: open till the window's end
    assert got["service_recovery"]["value"] == pytest.approx(max(recoveries))
    assert got["mttr"]["value"] == pytest.approx(statistics.fmean(recoveries))
    assert got["deploy_frequency"]["value"] == pytest.approx(len(shipped) / 7)
    # Lead time: only the static site's deploys have a commit time here (no registry token, no GitHub token).
    site = [d for n, d in shipped if n == "frontend"]
    assert got["lead_time"]["value"] == pytest.approx(statistics.median(
        span(d["commit"]["createdAt"], d["finishedAt"]) for d in site))
    assert "REGISTRY_TOKEN is not set" in got["lead_time"]["detail"]

    # Uptime and response from the requests the sandbox answered for the API (the gateway's and any probe's).
    served = [r for r in sandbox.render.store.data["metric_samples"][api_id]["requests"]
              if start.timestamp() <= r[0] < end.timestamp()]
    errors = sum(1 for r in served if 500 <= r[2] <= 599)
    assert errors == BROKEN_REQUESTS
    assert got["uptime"]["value"] == pytest.approx(100 * (len(served) - errors) / len(served))
    hours: dict[int, list[float]] = {}
    for r in served:
        hours.setdefault(int(r[0] // 3600), []).append(r[3])
    assert got["response"]["value"] == pytest.approx(
        sum(len(v) * round(statistics.median(v), 3) / 1000 for v in hours.values()) / len(served))

    # Backups: each night's run in the window, one missed; disaster recovery: the newest record.
    runs = []
    night = start.replace(hour=SCHEDULE_HOUR, minute=SCHEDULE_MINUTE, second=0, microsecond=0)
    while night < end:
        runs += [night] if night >= start else []
        night += timedelta(days=1)
    assert missed in runs
    assert got["backup_success"]["value"] == pytest.approx(100 * (len(runs) - 1) / len(runs))
    assert got["disaster_recovery"]["value"] == 1500.5 and got["disaster_recovery"]["verdict"] == "met"
    # The local stack's two public hosts (custom domains of the API and the site) have no Cloudflare health check.
    assert got["monitoring_coverage"]["value"] == 0.0
    assert got["monitoring_coverage"]["detail"].startswith("0 of 2 public hosts")
    screen = run(command_env, "ops.report", "--stack", "local", "--cwd", str(root))
    assert screen.returncode == 1 and "MISS backup success" in screen.stdout, screen.stdout + screen.stderr
    print(screen.stdout)

    # The status: red for exactly the worker's failed deploy and the API's rollback.
    sandbox.clear_journal()
    clock = time.monotonic()
    done = run(command_env, "ops.status", "--stack", "local", "--cwd", str(root), "--json")
    wall = time.monotonic() - clock
    assert done.returncode == 1, done.stdout + done.stderr
    status = json.loads(done.stdout)
    assert sorted(c["name"] for c in status["checks"] if c["state"] == "FAIL") == ["api: last deploy",
                                                                                 "worker: last deploy"], status
    reads = sandbox.journal()
    assert {e.method for e in reads} == {"GET"}
    lists = Counter(e.path for e in reads if e.path.endswith("/deploys"))
    assert lists == {f"/v1/services/{sid}/deploys": 1 for sid in services.values()}, lists
    print(f"ops.status: {len(reads)} read calls (GET), {wall:.1f} s wall time")
