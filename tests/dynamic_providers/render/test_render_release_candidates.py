"""ReleaseCandidate against the sandbox: an image runs as a preview of its service, is checked over public
traffic and the preview is deleted whatever happens; a failure names the check and deploys nothing."""
from __future__ import annotations

import pytest

from dynamic_providers.core import progress
from dynamic_providers.render.candidates import CandidateFailedError, ReleaseCandidateProvider

from render_harness import (RELEASE_DIGESTS, RELEASE_IMAGE, CheckFailed, Driver, configured, live_web_service,
                            objects, render_requests, request_violations)

IMAGE, DIGEST = RELEASE_IMAGE, RELEASE_DIGESTS
CHECKS = [{"path": "/healthz", "status": 200}, {"path": "/api/orders", "status": 200}]


@pytest.fixture
def service_id(sandbox) -> str:
    return live_web_service(sandbox)[0]


def candidate(sandbox) -> Driver:
    return Driver(configured(ReleaseCandidateProvider, sandbox, first_poll=0.05, max_poll=0.2))


def program(service_id: str, digest: int, checks=CHECKS) -> dict:
    return {"service_id": service_id, "image_digest": DIGEST[digest], "checks": checks}


def previews(sandbox) -> list[dict]:
    return [s for s in objects(sandbox, "services").values() if "parentServer" in s["serviceDetails"]]


def deploys_of(sandbox, service_id: str) -> list[str]:
    return [d["id"] for d in objects(sandbox, "deploys").values() if d["_serviceId"] == service_id]


def test_a_healthy_image_passes_and_its_preview_is_deleted(sandbox, service_id):
    deployed_before = deploys_of(sandbox, service_id)
    d = candidate(sandbox)
    with progress.capture() as seen:
        outs = d.up(program(service_id, 2))
    assert outs["status"] == "passed" and outs["image_ref"] == f"{IMAGE}@{DIGEST[2]}"
    assert outs["results"] == [{"path": "/healthz", "expected": 200, "got": 200, "ok": True},
                               {"path": "/api/orders", "expected": 200, "got": 200, "ok": True}]
    lines = [m for _, _, m in seen]
    assert "candidate of sha256:222222222222… for api: GET /api/orders -> 200 ok" in lines
    assert previews(sandbox) == [] and len(render_requests(sandbox, "DELETE", "/services/{serviceId}")) == 1
    assert deploys_of(sandbox, service_id) == deployed_before  # the service itself was not deployed
    assert d.id.startswith(f"{service_id}:222222222222:srv-")
    assert not d.preview(program(service_id, 2)).changes  # no-op: nothing in the outputs rotates
    d.refresh()
    assert not d.preview(program(service_id, 2)).changes
    assert d.preview(program(service_id, 3)).replaces == ["image_digest"]
    d.destroy()
    assert request_violations(sandbox) == []


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_an_unhealthy_image_fails_deploying_nothing_and_its_preview_is_deleted(sandbox, service_id):
    sandbox.render.settings.update(unhealthy_images=[f"*@{DIGEST[2]}"], health_check_timeout=0.3)
    deployed_before = deploys_of(sandbox, service_id)
    with pytest.raises(CandidateFailedError, match=r"sha256:222222222222… of service .* \(api\) never went live: "
                                                   r".*update_failed.*; nothing was deployed"):
        candidate(sandbox).up(program(service_id, 2))
    assert previews(sandbox) == []
    assert deploys_of(sandbox, service_id) == deployed_before


def test_a_failing_smoke_path_fails_naming_the_check_and_the_preview_is_deleted(sandbox, service_id):
    sandbox.render.settings.update(error_path_images={f"*@{DIGEST[2]}": ["/api/*"]})
    with pytest.raises(CandidateFailedError) as failed:
        candidate(sandbox).up(program(service_id, 2))
    message = str(failed.value)
    assert "GET /api/orders -> 500, expected 200; nothing was deployed" in message
    assert "/healthz" not in message  # only the failed check is named
    assert previews(sandbox) == []


def test_a_preview_left_by_an_interrupted_candidate_is_deleted_first(sandbox, service_id):
    left = sandbox.render.client().post(f"/services/{service_id}/preview",
                                        json={"imagePath": f"{IMAGE}@{DIGEST[3]}", "name": "api-candidate"})
    assert left.status_code == 200, left.text
    other = sandbox.render.client().post(f"/services/{service_id}/preview",
                                         json={"imagePath": f"{IMAGE}@{DIGEST[3]}", "name": "someone-elses"})
    assert candidate(sandbox).up(program(service_id, 2))["status"] == "passed"
    assert [p["id"] for p in previews(sandbox)] == [other.json()["service"]["id"]]  # only ours was touched


def test_a_lost_answer_to_the_preview_post_makes_one_preview(sandbox, service_id):
    sandbox.render.add_fault("drop_response", method="POST", path="/v1/services/{id}/preview", count=1)
    assert candidate(sandbox).up(program(service_id, 2))["status"] == "passed"
    posts = render_requests(sandbox, "POST", "/services/{serviceId}/preview")
    assert len(posts) == 1 and posts[0].fault is not None  # looked up, found, never sent again
    assert previews(sandbox) == []


@pytest.mark.parametrize("checks,why", [
    ([{"path": "health", "status": 200}], "must start with '/'"),
    ([{"path": "/health", "status": 700}], "HTTP status 100-599"),
    ([{"path": "/health"}], "must be {"),
])
def test_checks_of_the_wrong_shape_are_refused_in_check(sandbox, checks, why):
    with pytest.raises(CheckFailed, match=why):
        candidate(sandbox).check(program("srv-x", 2, checks))
