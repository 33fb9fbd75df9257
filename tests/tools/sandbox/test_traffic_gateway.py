"""The Render traffic gateway (tools/sandbox/render/traffic_gateway.py) routes by Host to web services and previews;
``failing_after_images`` releases break after their switch; a rollback is a new, health-gated instance. Only
counts of answers are asserted, never durations."""

import pytest
import requests

from tools.sandbox.client import ControlError
from tools.sandbox.testing import wait_for
from tools.sandbox.traffic_loop import TrafficLoop
from tests.tools.sandbox.render_traffic import NEW, OLD, control, deploy, final_status, redeployed_web_service, web_service


def public_host(sandbox, service_id: str) -> str:
    return control(sandbox).traffic(service_id)["host"]


def through_gateway(sandbox, host: str, path: str = "/orders", **headers) -> requests.Response:
    return requests.get(sandbox.traffic_gateway_url + path, headers={"Host": host, **headers}, timeout=10)


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_the_gateway_routes_by_host_to_a_service_and_its_preview_until_the_preview_is_deleted(sandbox):
    sid, first, url = web_service(sandbox)
    described = control(sandbox).traffic(sid)
    assert (described["gateway"], described["host"]) == (sandbox.traffic_gateway_url, "api.onrender.com")
    assert sandbox.env["RENDER_TRAFFIC_GATEWAY_URL"] == sandbox.traffic_gateway_url
    served = through_gateway(sandbox, "api.onrender.com")
    assert served.status_code == 200 and served.json() == requests.get(url + "/orders", timeout=10).json()
    assert served.json()["deployId"] == first

    api = sandbox.render.client()
    created = api.post(f"/services/{sid}/preview", json={"imagePath": NEW, "name": "api-candidate"}).json()
    preview, deploy_id = created["service"], created["deployId"]
    host = preview["serviceDetails"]["url"].removeprefix("https://")
    assert final_status(sandbox, preview["id"], deploy_id) == "live"  # through the health gate: /healthz
    answer = through_gateway(sandbox, host, "/healthz")
    assert answer.status_code == 200
    assert (answer.json()["service"], answer.json()["deployId"], answer.json()["health"]) == (
        preview["id"], deploy_id, "ok")
    assert through_gateway(sandbox, "api.onrender.com").json()["deployId"] == first  # production untouched

    assert api.delete(f"/services/{preview['id']}").status_code == 204
    gone = through_gateway(sandbox, host)
    assert (gone.status_code, gone.json()) == (404, {"error": f"no Render web service answers at {host}"})
    assert through_gateway(sandbox, "api.onrender.com").status_code == 200


def test_an_unknown_host_is_404_and_a_browser_page_is_refused(sandbox):
    unknown = through_gateway(sandbox, "nothing-here.onrender.com")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "no Render web service answers at nothing-here.onrender.com"}
    rebound = through_gateway(sandbox, "evil.example")  # a DNS-rebinding page's Host
    assert rebound.status_code == 403 and "evil.example" in rebound.json()["error"]
    foreign = through_gateway(sandbox, "api.onrender.com", Origin="https://evil.example")
    assert foreign.status_code == 403 and "web origin" in foreign.json()["error"]
    lookalike = through_gateway(sandbox, "api.onrender.com.evil.example")
    assert lookalike.status_code == 403


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_two_web_services_of_one_name_get_hosts_of_their_own(sandbox):
    first_id, _, _ = web_service(sandbox)
    second_id, _, _ = web_service(sandbox)
    hosts = [public_host(sandbox, sid) for sid in (first_id, second_id)]
    assert hosts[0] == "api.onrender.com" and hosts[1] != hosts[0] and hosts[1].endswith(".onrender.com")
    assert [through_gateway(sandbox, host).json()["service"] for host in hosts] == [first_id, second_id]


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_a_release_failing_after_its_switch_passes_its_health_check_then_answers_500_everywhere(sandbox):
    control(sandbox).settings(failing_after_images={NEW: 0.3})
    sid, first, second, _ = redeployed_web_service(sandbox)  # live: it passed its health check and took traffic
    statuses = []
    for _ in range(2000):  # bounded: the instance fails 0.3 s into its traffic
        answer = through_gateway(sandbox, "api.onrender.com")
        statuses.append(answer.status_code)
        if answer.status_code != 200:
            break
        assert answer.json()["deployId"] == second
    assert statuses[-1] == 500, statuses[-5:]
    assert answer.json()["deployId"] == second and "every path" in answer.json()["error"]
    health = through_gateway(sandbox, "api.onrender.com", "/healthz")
    assert health.status_code == 500  # its health path too
    instances = {i["deployId"]: i["behaviour"]["failsAfterSeconds"] for i in control(sandbox).traffic(sid)["instances"]}
    assert instances == {second: 0.3, first: None}


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_a_release_failing_at_once_fails_its_health_check_and_never_takes_traffic(sandbox):
    control(sandbox).settings(failing_after_images={NEW: 0}, health_check_timeout=0.3)
    sid, first, _ = web_service(sandbox)
    loop = TrafficLoop(sandbox.traffic_gateway_url, host="api.onrender.com")
    loop.start()
    try:
        loop.more()
        second, status = deploy(sandbox, sid)
        assert status == "update_failed"
        loop.more()
    finally:
        loop.stop()
    assert sum(loop.failures.values()) == 0, loop.failures
    assert loop.served_by == [first]


@pytest.mark.sandbox_settings(deploy_delay=0.5)
def test_a_rollback_is_a_new_health_gated_instance_of_the_old_image_and_drops_no_request(sandbox):
    sid, first, second, _ = redeployed_web_service(sandbox)
    api = sandbox.render.client()
    loop = TrafficLoop(sandbox.traffic_gateway_url, host="api.onrender.com")
    loop.start()
    try:
        loop.more()
        back = api.post(f"/services/{sid}/rollback", json={"deployId": first}).json()["id"]
        assert api.get(f"/services/{sid}/deploys/{back}").json()["status"] == "update_in_progress"
        assert final_status(sandbox, sid, back) == "live"
        wait_for(lambda: loop.served_by[-1:] == [back], timeout=30, interval=0.01)
        loop.more()
    finally:
        loop.stop()
    assert sum(loop.failures.values()) == 0, loop.failures
    assert loop.served_by == [second, back]
    assert through_gateway(sandbox, "api.onrender.com").json()["image"] == OLD
    states = {i["deployId"]: i["state"] for i in control(sandbox).traffic(sid)["instances"]}
    assert states == {back: "live", second: "draining", first: "draining"}


def test_failing_after_settings_of_the_wrong_shape_are_refused(sandbox):
    with pytest.raises(ControlError, match="failing_after_images must map image ref globs to seconds >= 0"):
        control(sandbox).settings(failing_after_images={NEW: -1})
    with pytest.raises(ControlError, match="failing_after_images must map"):
        control(sandbox).settings(failing_after_images=[NEW])


def test_the_serve_flags_set_failing_after_images_and_the_gateway_port(monkeypatch):
    from tools.sandbox.__main__ import _render_settings, build_parser, traffic_port

    monkeypatch.delenv("SANDBOX_TRAFFIC_PORT", raising=False)
    args = build_parser().parse_args(["--failing-after-image", "x*=60", "--failing-after-image", "y*=0"])
    assert _render_settings(args)["failing_after_images"] == {"x*": 60.0, "y*": 0.0}
    with pytest.raises(SystemExit, match="--failing-after-image x\\*=soon: SECONDS must be a number"):
        _render_settings(build_parser().parse_args(["--failing-after-image", "x*=soon"]))
    assert traffic_port(build_parser().parse_args(["--render-port", "18081"])) == 18083
    assert traffic_port(build_parser().parse_args(["--render-port", "0"])) == 0  # ephemeral ports: any free one
    assert traffic_port(build_parser().parse_args(["--render-port", "0", "--traffic-port", "18093"])) == 18093
    monkeypatch.setenv("SANDBOX_TRAFFIC_PORT", "28083")
    assert traffic_port(build_parser().parse_args(["--render-port", "18081"])) == 28083


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_an_image_failing_after_some_requests_passes_a_few_checks_then_answers_500(sandbox):
    control(sandbox).settings(failing_after_requests_images={NEW: 3})
    sid, _first, url = web_service(sandbox)
    assert deploy(sandbox, sid)[1] == "live"  # its health check is not a request
    answers = [requests.get(url + "/orders", timeout=10).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 500, 500], answers
    with pytest.raises(ControlError):
        control(sandbox).settings(failing_after_requests_images={NEW: -1})
