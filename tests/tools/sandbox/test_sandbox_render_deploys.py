"""Render deploys: the recorded status sequences, the overlapping-deploy queue (202, queued, then started),
failures as faults or unpullable images, list/get, cancel, rollback."""

import time

import pytest

from tools.sandbox.client import ControlError, SandboxControl
from tools.sandbox.testing import wait_for

IMAGE = "ghcr.io/acme/api:1.0"


def create_service(api, sandbox, name="api", service_type="web_service", repo=False, **details):
    body = {"type": service_type, "name": name, "ownerId": sandbox.render.owner_id}
    if repo:
        body["repo"] = "https://github.com/acme/api"
        details.setdefault("runtime", "node")
        details.setdefault("envSpecificDetails", {"buildCommand": "npm ci", "startCommand": "npm start"})
    else:
        body["image"] = {"ownerId": sandbox.render.owner_id, "imagePath": details.pop("image", IMAGE)}
        details.setdefault("runtime", "image")
    if service_type == "static_site":
        details = {"buildCommand": "make", "publishPath": "out"}
    if service_type == "cron_job":
        details.setdefault("schedule", "0 3 * * *")
    body["serviceDetails"] = details
    created = api.post("/services", json=body)
    assert created.status_code == 201, created.text
    return created.json()["service"]["id"], created.json()["deployId"]


IN_PROGRESS = ("queued", "created", "build_in_progress", "update_in_progress", "pre_deploy_in_progress")


def watch(api, *deploys, timeout=10):
    """Every distinct status each (service id, deploy id) shows, polled together until none is in progress."""
    seen = {d: [] for d in deploys}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for sid, deploy_id in deploys:
            status = api.get(f"/services/{sid}/deploys/{deploy_id}").json()["status"]
            if not seen[(sid, deploy_id)] or seen[(sid, deploy_id)][-1] != status:
                seen[(sid, deploy_id)].append(status)
        if all(s[-1] not in IN_PROGRESS for s in seen.values()):
            return [seen[d] for d in deploys]
        time.sleep(0.02)
    raise AssertionError(f"deploys still in progress: {seen}")


def statuses_until_done(api, sid, deploy_id, timeout=10):
    return watch(api, (sid, deploy_id), timeout=timeout)[0]


def deploy_ids(api, sid, **params):
    return [(i["deploy"]["id"], i["deploy"]["status"]) for i in api.get(f"/services/{sid}/deploys", params=params).json()]


@pytest.mark.sandbox_settings(deploy_delay=1.5)
def test_status_sequences_as_recorded(sandbox):
    api = sandbox.render.client()
    image = create_service(api, sandbox, "image")
    image_pre = create_service(api, sandbox, "image-pre", "background_worker", preDeployCommand="./migrate")
    git = create_service(api, sandbox, "git", repo=True, preDeployCommand="./migrate")
    site = create_service(api, sandbox, "site", "static_site", repo=True)
    cron = create_service(api, sandbox, "cron", "cron_job")
    assert watch(api, image, image_pre, git, site, cron) == [
        ["update_in_progress", "live"],
        ["pre_deploy_in_progress", "update_in_progress", "live"],
        ["build_in_progress", "pre_deploy_in_progress", "update_in_progress", "live"],
        ["build_in_progress", "live"],
        ["live"],  # an image cron job is live in the create answer
    ]
    finished = api.get(f"/services/{image[0]}/deploys/{image[1]}").json()
    assert finished["finishedAt"] >= finished["startedAt"] >= finished["createdAt"]
    assert finished["image"]["ref"] == IMAGE and finished["image"]["sha"].startswith("sha256:")


@pytest.mark.sandbox_settings(deploy_delay=0.8)
def test_a_deploy_requested_while_one_runs_is_queued_202_then_the_newest_queued_starts(sandbox):
    api = sandbox.render.client()
    sid, first = create_service(api, sandbox)
    queued = api.post(f"/services/{sid}/deploys", json={})
    assert queued.status_code == 202 and queued.content == b""  # as recorded: no body
    (second, status), _ = deploy_ids(api, sid)
    assert status == "queued" and second != first
    assert api.post(f"/services/{sid}/deploys", json={"imageUrl": "ghcr.io/acme/api:2.0"}).status_code == 202
    third = deploy_ids(api, sid, status="queued")[0][0]
    assert [s for _, s in deploy_ids(api, sid)] == ["queued", "queued", "update_in_progress"]
    assert statuses_until_done(api, sid, first) == ["update_in_progress", "live"]
    # The running one ended: Render proceeds to the most recent request; the one in between is canceled.
    assert api.get(f"/services/{sid}/deploys/{second}").json()["status"] == "canceled"
    assert statuses_until_done(api, sid, third) == ["update_in_progress", "live"]
    assert api.get(f"/services/{sid}/deploys/{first}").json()["status"] == "deactivated"
    assert api.get(f"/services/{sid}/deploys/{third}").json()["image"]["ref"] == "ghcr.io/acme/api:2.0"


@pytest.mark.sandbox_settings(deploy_delay=5, render_settings={"overlapping_deploys": "override"})
def test_override_policy_cancels_the_running_deploy(sandbox):
    api = sandbox.render.client()
    sid, first = create_service(api, sandbox)
    second = api.post(f"/services/{sid}/deploys", json={})
    assert second.status_code == 201 and second.json()["status"] == "update_in_progress"
    assert api.get(f"/services/{sid}/deploys/{first}").json()["status"] == "canceled"


@pytest.mark.sandbox_settings(deploy_delay=0.3)
@pytest.mark.parametrize("status,repo,pre_deploy,seen", [
    ("build_failed", True, False, ["build_in_progress", "build_failed"]),
    ("update_failed", False, False, ["update_in_progress", "update_failed"]),
    ("pre_deploy_failed", False, True, ["pre_deploy_in_progress", "pre_deploy_failed"]),
    ("canceled", False, True, ["pre_deploy_in_progress", "canceled"]),
])
def test_deploy_fail_fault_ends_the_deploy_in_the_given_status(sandbox, status, repo, pre_deploy, seen):
    api = sandbox.render.client()
    details = {"preDeployCommand": "./migrate"} if pre_deploy else {}
    sid, first = create_service(api, sandbox, repo=repo, **details)
    assert statuses_until_done(api, sid, first)[-1] == "live"
    fault = sandbox.render.add_fault("deploy_fail", deploy_status=status, method="POST",
                                     path="/v1/services/{id}/deploys")
    failing = api.post(f"/services/{sid}/deploys", json={})
    assert failing.status_code == 201 and fault.applied == 1
    assert statuses_until_done(api, sid, failing.json()["id"]) == seen
    assert api.get(f"/services/{sid}/deploys/{first}").json()["status"] == "live"  # the old one keeps serving
    (posted,) = [e for e in sandbox.render.journal.entries() if e.fault]
    assert posted.method == "POST" and posted.fault["kind"] == "deploy_fail" and posted.status == 201


@pytest.mark.sandbox_settings(deploy_delay=0.2, render_settings={"unpullable_images": ["ghcr.io/acme/missing*"]})
def test_an_image_that_cannot_be_pulled_fails_the_update(sandbox):
    api = sandbox.render.client()
    sid, first = create_service(api, sandbox, image="ghcr.io/acme/missing:1")
    assert statuses_until_done(api, sid, first) == ["update_in_progress", "update_failed"]
    good = create_service(api, sandbox, "good")
    assert statuses_until_done(api, *good) == ["update_in_progress", "live"]


def test_fault_validation_names_the_allowed_statuses(sandbox):
    with pytest.raises(ValueError, match="build_failed, update_failed, pre_deploy_failed, canceled"):
        sandbox.render.add_fault("deploy_fail", deploy_status="exploded")


def test_new_deploy_replaces_the_live_one_and_rollback_restores_the_image(sandbox):
    api = sandbox.render.client()
    sid, first = create_service(api, sandbox)
    wait_for(lambda: api.get(f"/services/{sid}/deploys/{first}").json()["status"] == "live")
    second = api.post(f"/services/{sid}/deploys", json={"imageUrl": "ghcr.io/acme/api:2.0"})
    assert second.status_code == 201 and second.json()["id"].startswith("dep-")
    assert api.get(f"/services/{sid}").json()["imagePath"] == "ghcr.io/acme/api:2.0"
    wait_for(lambda: api.get(f"/services/{sid}/deploys/{second.json()['id']}").json()["status"] == "live")
    assert api.get(f"/services/{sid}/deploys/{first}").json()["status"] == "deactivated"
    assert [i for i, _ in deploy_ids(api, sid)] == [second.json()["id"], first]  # newest first

    rollback = api.post(f"/services/{sid}/rollback", json={"deployId": first})
    assert rollback.status_code == 201
    assert rollback.json()["trigger"] == "rollback" and rollback.json()["image"]["ref"] == IMAGE
    assert api.get(f"/services/{sid}").json()["imagePath"] == IMAGE


@pytest.mark.sandbox_settings(deploy_delay=30)
def test_cancel_an_in_progress_deploy_starts_the_queued_one(sandbox):
    api = sandbox.render.client()
    sid, deploy_id = create_service(api, sandbox)
    assert api.post(f"/services/{sid}/deploys", json={}).status_code == 202
    canceled = api.post(f"/services/{sid}/deploys/{deploy_id}/cancel")
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert api.post(f"/services/{sid}/deploys/{deploy_id}/cancel").status_code == 409
    assert [i for i, _ in deploy_ids(api, sid, status="canceled")] == [deploy_id]
    assert [s for _, s in deploy_ids(api, sid)] == ["update_in_progress", "canceled"]


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_git_deploy_reports_a_commit_and_rejects_image_urls(sandbox):
    api = sandbox.render.client()
    sid, first = create_service(api, sandbox, "web", "static_site", repo=True)
    statuses_until_done(api, sid, first)
    deploy = api.post(f"/services/{sid}/deploys", json={"commitId": "a" * 40, "clearCache": "clear"})
    assert deploy.status_code == 201 and deploy.json()["commit"]["id"] == "a" * 40
    assert deploy.json()["status"] == "build_in_progress" and deploy.json()["startedAt"]
    assert api.post(f"/services/{sid}/deploys", json={"imageUrl": "x/y:z"}).status_code == 400
    assert api.post(f"/services/{sid}/deploys", json={"deployMode": "deploy_only", "clearCache": "clear"}
                    ).status_code == 400


def test_deploy_delay_can_be_changed_at_runtime(sandbox):
    api = sandbox.render.client()
    sandbox.render.settings["deploy_delay"] = 60
    sid, deploy_id = create_service(api, sandbox)
    assert api.get(f"/services/{sid}/deploys/{deploy_id}").json()["status"] == "update_in_progress"


def test_settings_are_checked(sandbox):
    control = SandboxControl(sandbox.render.origin, sandbox.render.control_token)

    with pytest.raises(ControlError, match="overlapping_deploys must be one of wait, override"):
        control.settings(overlapping_deploys="sometimes")
    with pytest.raises(ControlError, match="rate_limit_time_scale must be a number > 0"):
        control.settings(rate_limit_time_scale=0)
    assert control.settings(unpullable_images=["ghcr.io/x/*"])["unpullable_images"] == ["ghcr.io/x/*"]
