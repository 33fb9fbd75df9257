"""Render web services serve traffic in the sandbox, deploy by deploy (tools/sandbox/render/traffic.py): a loop of
requests sent during a deploy counts failed answers and sees which deploy served each one. Only counts are
asserted, never durations."""

import threading

import pytest
import requests

from tools.sandbox.client import ControlError
from tools.sandbox.testing import wait_for
from tools.sandbox.traffic_loop import TrafficLoop
from tests.tools.sandbox.render_traffic import NEW, OLD, control, deploy, final_status, redeployed_web_service, web_service


def deploy_under_traffic(sandbox, sid: str, url: str, image: str = NEW) -> tuple[TrafficLoop, str, str]:
    """Deploy ``image`` while a loop sends requests: (the loop, stopped; the deploy id; its final status)."""
    loop = TrafficLoop(url)
    loop.start()
    try:
        loop.more()
        created = sandbox.render.client().post(f"/services/{sid}/deploys", json={"imageUrl": image})
        assert created.status_code == 201, created.text
        deploy_id = created.json()["id"]
        status = final_status(sandbox, sid, deploy_id)
        if status == "live":  # a slow starter may answer errors for a while after its switch
            wait_for(lambda: loop.served_by[-1:] == [deploy_id], timeout=30, interval=0.01)
        loop.more()
    finally:
        loop.stop()
    return loop, deploy_id, status


@pytest.mark.sandbox_settings(deploy_delay=0.5)
def test_a_healthy_deploy_drops_no_request_and_switches_to_the_new_deploy(sandbox):
    sid, first, url = web_service(sandbox)
    loop, second, status = deploy_under_traffic(sandbox, sid, url)
    assert status == "live"
    assert sum(loop.failures.values()) == 0, loop.failures
    assert loop.served_by == [first, second]
    states = {i["deployId"]: i["state"] for i in control(sandbox).traffic(sid)["instances"]}
    assert states == {second: "live", first: "draining"}  # maxShutdownDelaySeconds: 30 by default


@pytest.mark.sandbox_settings(deploy_delay=0.5)
def test_negative_control_a_service_with_a_disk_drops_requests_during_its_deploy(sandbox):
    # A disk turns zero-downtime deploys off: the old instance stops before the new one boots.
    sid, first, url = web_service(sandbox, disk={"name": "data", "mountPath": "/var/data", "sizeGB": 1})
    loop, second, status = deploy_under_traffic(sandbox, sid, url)
    assert status == "live"
    assert loop.failures[502] > 0, loop.failures  # the measurement can fail
    assert loop.served_by == [first, second]
    states = {i["deployId"]: i["state"] for i in control(sandbox).traffic(sid)["instances"]}
    assert states == {second: "live", first: "stopped"}


@pytest.mark.sandbox_settings(deploy_delay=0.5)
def test_negative_control_a_slow_starter_without_health_check_answers_errors_after_the_switch(sandbox):
    control(sandbox).settings(slow_images={NEW: 1.0})
    sid, first, url = web_service(sandbox, health_check_path="")
    loop, second, status = deploy_under_traffic(sandbox, sid, url)
    assert status == "live"
    assert loop.failures[503] > 0, loop.failures
    assert loop.served_by == [first, second]


@pytest.mark.sandbox_settings(deploy_delay=0.5)
def test_a_slow_starter_behind_a_health_check_drops_no_request(sandbox):
    control(sandbox).settings(slow_images={NEW: 1.0})
    sid, first, url = web_service(sandbox)
    loop, second, status = deploy_under_traffic(sandbox, sid, url)
    assert status == "live"
    assert sum(loop.failures.values()) == 0, loop.failures
    assert loop.served_by == [first, second]


@pytest.mark.sandbox_settings(deploy_delay=0.3)
def test_an_image_failing_its_health_check_never_takes_traffic_and_its_deploy_fails(sandbox):
    control(sandbox).settings(unhealthy_images=["ghcr.io/acme/api:2.*"], health_check_timeout=0.5)
    sid, first, url = web_service(sandbox)
    loop, second, status = deploy_under_traffic(sandbox, sid, url)
    assert status == "update_failed"
    assert sum(loop.failures.values()) == 0, loop.failures
    assert loop.served_by == [first]
    api = sandbox.render.client()
    assert api.get(f"/services/{sid}/deploys/{first}").json()["status"] == "live"
    states = {i["deployId"]: i["state"] for i in control(sandbox).traffic(sid)["instances"]}
    assert states == {second: "failed", first: "live"}


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_an_instance_answering_500_on_a_path_is_visible_and_names_its_deploy(sandbox):
    control(sandbox).settings(error_path_images={NEW: ["/orders/*"]})
    sid, first, second, url = redeployed_web_service(sandbox)  # live: its health check path still answers 200
    broken = requests.get(url + "/orders/42", timeout=10)
    assert broken.status_code == 500
    assert broken.json()["deployId"] == second
    fine = requests.get(url + "/healthz", timeout=10)
    assert (fine.status_code, fine.json()["deployId"], fine.json()["image"]) == (200, second, NEW)
    assert requests.get(url + "/orders", timeout=10).status_code == 200


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_a_rollback_goes_through_the_same_health_gate(sandbox):
    sid, first, second, url = redeployed_web_service(sandbox)
    api = sandbox.render.client()
    back = api.post(f"/services/{sid}/rollback", json={"deployId": first}).json()["id"]
    assert final_status(sandbox, sid, back) == "live"
    answer = requests.get(url + "/orders", timeout=10).json()
    assert (answer["deployId"], answer["image"]) == (back, OLD)


def slow_request_during_a_deploy(sandbox, max_shutdown_delay: int, seconds: float) -> tuple[str, str, dict]:
    """Send a request taking ``seconds`` to the old instance, deploy while it is in flight, and return (the old
    deploy id, the new one, the request's answer as {"status", "deployId"})."""
    control(sandbox).settings(slow_path_images={"ghcr.io/acme/api:*": {"/report": seconds}})
    sid, first, url = web_service(sandbox, maxShutdownDelaySeconds=max_shutdown_delay)
    outcome = {}

    def slow_request():
        answer = requests.get(url + "/report", timeout=30)
        outcome.update(status=answer.status_code, deployId=answer.json().get("deployId"))

    def in_flight():
        return {i["deployId"]: i["inFlight"] for i in control(sandbox).traffic(sid)["instances"]}

    request = threading.Thread(target=slow_request, daemon=True)
    request.start()
    wait_for(lambda: in_flight().get(first) == 1, timeout=10, interval=0.01)  # it reached the old instance
    second, status = deploy(sandbox, sid)
    assert status == "live"
    assert in_flight()[first] == 1  # still in flight after the switch: the old instance is draining
    request.join(timeout=30)
    return first, second, outcome


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_a_request_in_flight_at_the_switch_finishes_on_the_draining_instance(sandbox):
    first, _, outcome = slow_request_during_a_deploy(sandbox, max_shutdown_delay=30, seconds=3)
    assert outcome == {"status": 200, "deployId": first}


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_a_request_longer_than_the_shutdown_delay_is_cut_when_the_old_instance_stops(sandbox):
    first, _, outcome = slow_request_during_a_deploy(sandbox, max_shutdown_delay=1, seconds=5)
    assert outcome == {"status": 502, "deployId": first}


def test_traffic_is_only_for_web_services_and_known_ids(sandbox):
    api, owner = sandbox.render.client(), sandbox.render.owner_id
    worker = api.post("/services", json={"type": "background_worker", "name": "jobs", "ownerId": owner,
                                         "image": {"ownerId": owner, "imagePath": OLD},
                                         "serviceDetails": {"runtime": "image", "plan": "starter"}})
    assert worker.status_code == 201, worker.text
    with pytest.raises(ControlError, match="400.*only web services take public traffic"):
        control(sandbox).traffic(worker.json()["service"]["id"])
    with pytest.raises(ControlError, match="404.*no service"):
        control(sandbox).traffic("srv-doesnotexist0000000")


def test_image_behaviour_settings_of_the_wrong_shape_are_refused(sandbox):
    with pytest.raises(ControlError, match="slow_images must map image ref globs to seconds"):
        control(sandbox).settings(slow_images={NEW: "slow"})
    with pytest.raises(ControlError, match="error_path_images must map"):
        control(sandbox).settings(error_path_images={NEW: "/boom"})


def test_the_serve_flags_set_the_image_behaviours():
    from tools.sandbox.__main__ import _render_settings, build_parser

    args = build_parser().parse_args(["--unhealthy-image", "bad*", "--slow-image", "slow*=2.5",
                                      "--error-path-image", "x*=/a", "--error-path-image", "x*=/b/*",
                                      "--slow-path-image", "x*=/report=3", "--health-check-timeout", "5"])
    assert _render_settings(args) == {"unhealthy_images": ["bad*"], "slow_images": {"slow*": 2.5},
                                      "error_path_images": {"x*": ["/a", "/b/*"]},
                                      "slow_path_images": {"x*": {"/report": 3.0}}, "health_check_timeout": 5.0}
    with pytest.raises(SystemExit, match="--slow-image takes PATTERN=VALUE"):
        _render_settings(build_parser().parse_args(["--slow-image", "slow*"]))


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_a_preview_runs_another_image_with_the_base_settings_and_serves_traffic_of_its_own(sandbox):
    sid, first, url = web_service(sandbox, maxShutdownDelaySeconds=60)
    api = sandbox.render.client()
    assert api.put(f"/services/{sid}/env-vars", json=[{"key": "DATABASE_URL", "value": "postgres://db"}]).ok
    created = api.post(f"/services/{sid}/preview", json={"imagePath": "api:2.0"})  # relative: only the tag varies
    assert created.status_code == 200, created.text
    preview, deploy_id = created.json()["service"], created.json()["deployId"]
    assert preview["imagePath"] == NEW
    assert preview["serviceDetails"]["parentServer"] == {"id": sid, "name": "api"}
    assert preview["serviceDetails"]["healthCheckPath"] == "/healthz"
    assert preview["serviceDetails"]["maxShutdownDelaySeconds"] == 60
    assert [e["envVar"] for e in api.get(f"/services/{preview['id']}/env-vars").json()] == [
        {"key": "DATABASE_URL", "value": "postgres://db"}]
    assert final_status(sandbox, preview["id"], deploy_id) == "live"
    served = requests.get(control(sandbox).traffic(preview["id"])["url"] + "/orders", timeout=10).json()
    assert (served["service"], served["deployId"], served["image"]) == (preview["id"], deploy_id, NEW)
    assert requests.get(url + "/orders", timeout=10).json()["deployId"] == first  # production untouched
    listed = [i["service"]["id"] for i in api.get("/services", params={"includePreviews": "false"}).json()]
    assert listed == [sid]


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_a_preview_of_an_unhealthy_image_fails_and_production_keeps_serving(sandbox):
    control(sandbox).settings(unhealthy_images=[NEW], health_check_timeout=0.3)
    sid, first, url = web_service(sandbox)
    created = sandbox.render.client().post(f"/services/{sid}/preview", json={"imagePath": NEW}).json()
    assert final_status(sandbox, created["service"]["id"], created["deployId"]) == "update_failed"
    assert requests.get(url + "/orders", timeout=10).json()["deployId"] == first


def test_a_preview_may_change_only_the_tag_of_an_image_backed_service(sandbox):
    sid, _, _ = web_service(sandbox)
    api, owner = sandbox.render.client(), sandbox.render.owner_id
    other = api.post(f"/services/{sid}/preview", json={"imagePath": "ghcr.io/evil/api:2.0"})
    assert other.status_code == 400 and "only the tag or digest" in other.json()["message"]
    untagged = api.post(f"/services/{sid}/preview", json={"imagePath": "ghcr.io/acme/api"})
    assert untagged.status_code == 400 and "no tag or digest" in untagged.json()["message"]
    git = api.post("/services", json={"type": "web_service", "name": "site", "ownerId": owner,
                                      "repo": "https://github.com/acme/site",
                                      "serviceDetails": {"runtime": "node", "envSpecificDetails": {
                                          "buildCommand": "npm ci", "startCommand": "npm start"}}})
    refused = api.post(f"/services/{git.json()['service']['id']}/preview", json={"imagePath": "x:1"})
    assert refused.status_code == 400 and "Git-backed" in refused.json()["message"]
