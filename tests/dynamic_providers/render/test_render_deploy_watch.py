"""A Deploy's watch after the switch (dynamic_providers/render/watch.py) against the sandbox: a healthy release
passes its watch; one that fails a check after its switch is rolled back at once to the previous deploy by id,
and the Deploy fails naming the check and that deploy."""
from __future__ import annotations

import pytest
import requests

from dynamic_providers.core import progress
from dynamic_providers.render.deploys import DeployProvider
from dynamic_providers.render.watch import ReleaseRolledBackError
from tools.sandbox.client import SandboxControl

from render_harness import (RELEASE_DIGESTS, RELEASE_IMAGE, CheckFailed, Driver, configured, live_web_service,
                            objects, request_violations)

IMAGE, DIGEST = RELEASE_IMAGE, RELEASE_DIGESTS
CHECKS = [{"path": "/healthz", "status": 200}, {"path": "/api/orders", "status": 200}]


@pytest.fixture
def service(sandbox) -> tuple[str, str]:
    return live_web_service(sandbox)


def deploy_provider(sandbox) -> DeployProvider:
    return configured(DeployProvider, sandbox, first_poll=0.05, max_poll=0.2)


def release(service_id: str, **extra) -> dict:
    return {"service_id": service_id, "image_digest": DIGEST[2], "watch_seconds": 1, "checks": CHECKS, **extra}


def serving(sandbox, service_id: str) -> dict:
    url = SandboxControl(sandbox.render.origin, token=sandbox.control_token).traffic(service_id)["url"]
    return requests.get(url + "/api/orders", timeout=10).json()


def test_a_healthy_release_passes_its_watch(sandbox, service):
    sid, first = service
    d = Driver(deploy_provider(sandbox))
    with progress.capture() as seen:
        outs = d.up(release(sid))
    assert outs["status"] == "live" and outs["previous_deploy_id"] == first
    assert any(m.endswith(": done (1 s, every check passed)") for _, _, m in seen)
    assert any(f"watching deploy {d.id}" in m for _, _, m in seen)  # at least one round of checks ran
    assert serving(sandbox, sid)["deployId"] == d.id
    assert not d.preview(release(sid)).changes
    assert not d.preview(release(sid, watch_seconds=30)).changes  # a steering input: no new deploy
    assert request_violations(sandbox) == []


# What breaks after the switch: the whole instance some time after it took traffic (its health path passed at the
# switch), or one path its health check does not cover.
BREAKS = {
    "failing_after": ({"failing_after_images": {f"*@{DIGEST[2]}": 0.3}}, "GET /healthz -> 500 (expected 200)"),
    "error_path": ({"error_path_images": {f"*@{DIGEST[2]}": ["/api/*"]}}, "GET /api/orders -> 500 (expected 200)"),
}


@pytest.mark.parametrize("breaks", sorted(BREAKS))
def test_a_release_failing_after_the_switch_is_rolled_back_to_the_previous_deploy(sandbox, service, breaks):
    sid, first = service
    settings, failed_check = BREAKS[breaks]
    sandbox.render.settings.update(settings)
    with progress.capture() as seen, pytest.raises(ReleaseRolledBackError) as failed:
        Driver(deploy_provider(sandbox)).up(release(sid, watch_seconds=60))
    message = str(failed.value)
    bad = next(d["id"] for d in objects(sandbox, "deploys").values()
               if d["_serviceId"] == sid and d.get("image", {}).get("ref", "").endswith(DIGEST[2]))
    assert f"Render deploy {bad} of service {sid} failed after the switch: {failed_check}" in message
    assert f"into the 60 s watch; rolled back to {first}" in message and "Fix the image and promote again" in message
    assert message in [m for _, _, m in seen]  # the same line as a progress line
    answer = serving(sandbox, sid)
    assert answer["image"].endswith(DIGEST[1]) and answer["deployId"] not in (first, bad)  # the rollback deploy
    rollbacks = [d for d in objects(sandbox, "deploys").values()
                 if d["_serviceId"] == sid and d["trigger"] == "rollback"]
    assert len(rollbacks) == 1 and rollbacks[0]["status"] == "live"


def test_no_watch_without_a_previous_deploy_or_without_checks(sandbox, service):
    sid, _ = service
    sandbox.render.settings.update(error_path_images={f"*@{DIGEST[2]}": ["/api/*"]})
    outs = Driver(deploy_provider(sandbox)).up(release(sid, checks=None))
    assert outs["status"] == "live"  # nothing to check: the broken path goes unnoticed, as before the watch


@pytest.mark.parametrize("inputs,why", [({"watch_seconds": 4000}, "0-3600"),
                                        ({"checks": [{"path": "/x", "status": "200"}]}, "HTTP status")])
def test_watch_inputs_of_the_wrong_shape_are_refused_in_check(sandbox, inputs, why):
    with pytest.raises(CheckFailed, match=why):
        Driver(deploy_provider(sandbox)).check(release("srv-x", **inputs))


def test_a_rollback_that_fails_too_says_so_and_what_to_do(sandbox, service):
    sid, first = service
    sandbox.render.settings.update(error_path_images={f"*@{DIGEST[2]}": ["/api/*"]})
    sandbox.render.add_fault("deploy_fail", method="POST", path="/v1/services/{id}/rollback", count=1,
                             deploy_status="update_failed")
    with pytest.raises(ReleaseRolledBackError, match=rf"failed after the switch \(GET /api/orders -> 500 \(expected "
                                                     rf"200\)\) and rolling back to {first} failed too: .*"
                                                     rf"update_failed.*Roll back in the Render dashboard now"):
        Driver(deploy_provider(sandbox)).up(release(sid, watch_seconds=60))
