"""Render ``/metrics/*`` in the sandbox (tools/sandbox/render/metrics.py): values derived from the traffic the gateway
answered, the service's deploys, scaling and suspension, and the test-only synthetic history; every expected
number is computed here from the samples or the documented model. The fixture checks every answer against the
spec. Durations are only read back, never asserted against a clock (except a slow path's lower bound)."""

import math
import time
from collections import Counter
from datetime import datetime, timezone

import pytest
import requests

from tools.sandbox.client import ControlError
from tools.sandbox.clock import iso_at
from tools.sandbox.render import metrics
from tools.sandbox.runner import Sandbox
from tests.tools.sandbox.render_traffic import OLD, control, final_status, web_service


def stamp(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def through_gateway(sandbox, path: str, host: str = "api.onrender.com") -> int:
    return requests.get(sandbox.traffic_gateway_url + path, headers={"Host": host}, timeout=10).status_code


def get_metric(sandbox, name: str, **params):
    answer = sandbox.render.client().get(f"/metrics/{name}", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def by_labels(series: list[dict]) -> dict:
    """{tuple of (field, value) labels: {timestamp: value}}"""
    return {tuple((label["field"], label["value"]) for label in s["labels"]):
            {v["timestamp"]: v["value"] for v in s["values"]} for s in series}


def bucketed(samples: list[dict], resolution: int, key=lambda s: "") -> dict:
    """Counts per (key, bucket start) the way the module doc says: buckets at multiples of the resolution."""
    counts = Counter()
    for sample in samples:
        counts[(key(sample), stamp(math.floor(epoch(sample["at"]) / resolution) * resolution))] += 1
    return counts


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_requests_through_the_gateway_are_counted_per_bucket_status_path_and_host(sandbox):
    control(sandbox).settings(error_path_images={OLD: ["/broken"]})
    sid, first, _ = web_service(sandbox)
    sent = {"/orders": 7, "/broken": 3, "/healthz": 2}
    answered = Counter(through_gateway(sandbox, path) for path, n in sent.items() for _ in range(n))
    assert answered == {200: 9, 500: 3}
    samples = control(sandbox).metrics(sid)["requests"]
    assert Counter(s["status"] for s in samples) == answered  # the deploy's own health checks are not requests
    assert {s["instance"] for s in samples} == {f"{sid}-{first[-5:]}"}
    window = {"resource": sid, "startTime": stamp(time.time() - 600), "endTime": stamp(time.time() + 60),
              "resolutionSeconds": 30}

    per_status = by_labels(get_metric(sandbox, "http-requests", aggregateBy="statusCode", **window))
    expected = bucketed(samples, 30, key=lambda s: str(s["status"]))
    assert set(per_status) == {(("service", sid), ("statusCode", "200")), (("service", sid), ("statusCode", "500"))}
    for labels, values in per_status.items():
        code = labels[1][1]
        assert {t: v for t, v in values.items() if v} == {t: n for (k, t), n in expected.items() if k == code}
        first_bucket = math.floor(epoch(window["startTime"]) / 30) * 30
        assert list(values) == [stamp(t) for t in range(first_bucket, int(epoch(window["endTime"])), 30)]

    total = by_labels(get_metric(sandbox, "http-requests", **window))
    assert list(total) == [(("service", sid),)] and sum(total[(("service", sid),)].values()) == 12
    broken = by_labels(get_metric(sandbox, "http-requests", path="/broken", **window))
    assert sum(broken[(("service", sid),)].values()) == 3
    by_host = by_labels(get_metric(sandbox, "http-requests", aggregateBy="host", **window))
    assert {labels: sum(v.values()) for labels, v in by_host.items()} == {
        (("service", sid), ("host", "api.onrender.com")): 12}
    elsewhere = by_labels(get_metric(sandbox, "http-requests", host="other.onrender.com", **window))
    assert sum(elsewhere[(("service", sid),)].values()) == 0

    # cpu and memory: the documented model, per instance serving, from the same counts
    counts = bucketed(samples, 30)
    cpu = by_labels(get_metric(sandbox, "cpu", **window))
    instance = f"{sid}-{first[-5:]}"
    for (_, bucket), n in counts.items():
        assert cpu[(("service", sid), ("instance", instance))][bucket] == pytest.approx(
            metrics.CPU_IDLE + metrics.CPU_PER_RPS * n / 30)
    most = by_labels(get_metric(sandbox, "cpu", aggregationMethod="MAX", instance=instance, **window))
    assert most == {(("service", sid), ("aggregationMethod", "MAX")): cpu[(("service", sid), ("instance", instance))]}
    memory = by_labels(get_metric(sandbox, "memory", **window))
    for (_, bucket), n in counts.items():
        assert memory[(("service", sid), ("instance", instance))][bucket] == pytest.approx(
            metrics.MEMORY_IDLE + metrics.MEMORY_PER_RPS * n / 30)
    assert get_metric(sandbox, "cpu", instance=f"{sid}-zzzzz", **window) == []


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_latency_is_the_quantile_of_the_durations_in_each_bucket(sandbox):
    sid, _, _ = web_service(sandbox)
    base = math.floor((time.time() - 3600) / 60) * 60
    durations = [100, 10, 40, 20, 30]
    recorded = control(sandbox).record_metrics(sid, requests=[
        *({"at": stamp(base + 5), "status": 200, "durationMs": d} for d in durations),
        {"at": stamp(base + 65), "status": 502, "durationMs": 7}])
    assert recorded == {"serviceId": sid, "requests": 6, "instanceCounts": 0}
    window = {"resource": sid, "startTime": stamp(base), "endTime": stamp(base + 180), "resolutionSeconds": 60}
    latency = by_labels(get_metric(sandbox, "http-latency", quantile=["0.5", "0.95"], **window))
    # sorted 10 20 30 40 100: the median is the 3rd; 0.95 sits at rank 3.8 of 0-4: 40 + 0.8 * (100 - 40) = 88
    assert latency == {(("service", sid), ("quantile", "0.5")): {stamp(base): 30, stamp(base + 60): 7},
                       (("service", sid), ("quantile", "0.95")): {stamp(base): 88, stamp(base + 60): 7}}
    default = by_labels(get_metric(sandbox, "http-latency", **window))
    assert list(default) == [(("service", sid), ("quantile", "0.95"))]
    counted = by_labels(get_metric(sandbox, "http-requests", aggregateBy="statusCode", **window))
    assert counted == {(("service", sid), ("statusCode", "200")): {stamp(base): 5, stamp(base + 60): 0,
                                                                   stamp(base + 120): 0},
                       (("service", sid), ("statusCode", "502")): {stamp(base): 0, stamp(base + 60): 1,
                                                                   stamp(base + 120): 0}}
    # a window edge inside a bucket counts only what happened inside the window
    inside = by_labels(get_metric(sandbox, "http-requests", resource=sid, startTime=stamp(base + 6),
                                  endTime=stamp(base + 120), resolutionSeconds=60))
    assert inside == {(("service", sid),): {stamp(base): 0, stamp(base + 60): 1}}


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_a_slow_path_shows_in_the_latency_of_real_traffic(sandbox):
    control(sandbox).settings(slow_path_images={OLD: {"/report": 0.25}})
    sid, _, _ = web_service(sandbox)
    assert through_gateway(sandbox, "/report") == 200
    [sample] = control(sandbox).metrics(sid)["requests"]
    assert sample["durationMs"] >= 250 and sample["path"] == "/report"
    latency = get_metric(sandbox, "http-latency", resource=sid, quantile="0.5", path="/report",
                         startTime=stamp(time.time() - 120))
    assert [v["value"] for v in latency[0]["values"]] == [sample["durationMs"]]


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_instance_count_and_instances_follow_backdated_steps_deploys_scaling_and_suspension(sandbox):
    sid, first, _ = web_service(sandbox)
    api = sandbox.render.client()
    created = epoch(api.get(f"/services/{sid}").json()["createdAt"])
    start = math.floor((created - 4 * 3600) / 600) * 600
    control(sandbox).record_metrics(sid, instance_counts=[
        {"at": stamp(start), "count": 1}, {"at": stamp(start + 1800), "count": 0},
        {"at": stamp(start + 3000), "count": 2}])
    history = by_labels(get_metric(sandbox, "instance-count", resource=sid, startTime=stamp(start),
                                   endTime=stamp(start + 4200), resolutionSeconds=600))
    assert history == {(("service", sid),): {stamp(start + i * 600): n for i, n in enumerate([1, 1, 1, 0, 0, 2, 2])}}

    def now_count() -> int:
        now = time.time()  # microseconds: a start truncated to the second may precede the first deploy's switch
        return get_metric(sandbox, "instance-count", resource=sid, startTime=iso_at(now),
                          endTime=iso_at(now + 1), resolutionSeconds=30)[0]["values"][-1]["value"]

    def listed() -> list[str]:
        answer = api.get(f"/services/{sid}/instances")
        assert answer.status_code == 200
        return [i["id"] for i in answer.json()]

    assert now_count() == 1 and listed() == [f"{sid}-{first[-5:]}"]
    assert api.post(f"/services/{sid}/scale", json={"numInstances": 3}).status_code == 202
    assert now_count() == 3
    scaled = listed()
    assert len(set(scaled)) == 3 and scaled[0] == f"{sid}-{first[-5:]}" and all(i.startswith(sid) for i in scaled)
    assert api.post(f"/services/{sid}/suspend").status_code == 202
    assert now_count() == 0 and listed() == []
    assert api.post(f"/services/{sid}/resume").status_code == 202
    resumed = api.get(f"/services/{sid}/deploys").json()[0]["deploy"]["id"]
    assert final_status(sandbox, sid, resumed) == "live"
    assert now_count() == 3 and listed()[0] == f"{sid}-{resumed[-5:]}"
    # the suspension shows as a 0 in the bucket that held it (the lowest count at any moment of a bucket)
    events = control(sandbox).metrics(sid)["events"]
    assert [(e["field"], e["after"]) for e in events] == [("numInstances", 3), ("suspended", "suspended"),
                                                          ("suspended", "not_suspended")]
    suspended_at = epoch(events[1]["at"])
    around = get_metric(sandbox, "instance-count", resource=sid, startTime=stamp(suspended_at - 1),
                        endTime=stamp(suspended_at + 1), resolutionSeconds=30)
    assert min(v["value"] for v in around[0]["values"]) == 0


@pytest.mark.parametrize("params, says", [
    ({"resolutionSeconds": 10}, "resolutionSeconds"),
    ({"resolutionSeconds": "nan"}, "resolutionSeconds"),
    ({"resolutionSeconds": "inf"}, "resolutionSeconds"),
    ({"startTime": "2026-12-01T10:00:00Z", "endTime": "2026-12-01T09:00:00Z"}, "must be after startTime"),
    ({"startTime": "yesterday"}, "startTime"),
    ({"resource": "srv-d000000000000000000q"}, "unknown resource"),
    ({"resource": None}, "at least one resource"),
    ({"instance": "srv-x-abcde"}, "takes no instance"),
    ({"statusCode": "500"}, "takes no statusCode"),
    ({"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-12-01T00:00:00Z", "resolutionSeconds": 30},
     "at most"),
])
@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_bad_parameters_are_400_in_renders_error_shape(sandbox, params, says):
    sid, _, _ = web_service(sandbox)
    query = {"resource": sid, **params}
    answer = sandbox.render.client().get("/metrics/http-requests",
                                         params={k: v for k, v in query.items() if v is not None})
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == {"id", "message"} and says in answer.json()["message"]


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_a_quantile_outside_0_1_is_400_and_static_sites_have_no_metrics(sandbox):
    sid, _, _ = web_service(sandbox)
    api = sandbox.render.client()
    for quantiles in ("1.5", ["0.5", "many"], "nan"):
        answer = api.get("/metrics/http-latency", params={"resource": sid, "quantile": quantiles})
        assert answer.status_code == 400 and "quantile" in answer.json()["message"], answer.text
    owner = sandbox.render.owner_id
    site = api.post("/services", json={"type": "static_site", "name": "web", "ownerId": owner,
                                       "repo": "https://github.com/acme/web", "serviceDetails": {}})
    assert site.status_code == 201, site.text
    assert get_metric(sandbox, "http-requests", resource=site.json()["service"]["id"]) == []


@pytest.mark.sandbox_settings(deploy_delay=0.2)
def test_the_synthetic_history_control_checks_everything_first(sandbox):
    sid, _, _ = web_service(sandbox)
    sandbox_control = control(sandbox)
    created = sandbox.render.client().get(f"/services/{sid}").json()["createdAt"]
    refused = [
        {"requests": [{"at": stamp(time.time() + 3600), "status": 200, "durationMs": 1}]},
        {"requests": [{"at": stamp(time.time() - 15 * 86400), "status": 200, "durationMs": 1}]},
        {"requests": [{"at": stamp(time.time() - 60), "status": 200, "durationMs": -1}]},
        {"instanceCounts": [{"at": stamp(time.time() - 3600), "count": 1}, {"at": created, "count": 1}]},
    ]
    for body in refused:
        with pytest.raises(ControlError, match="400"):
            sandbox_control.record_metrics(sid, body.get("requests"), body.get("instanceCounts"))
    assert sandbox_control.metrics(sid)["requests"] == [] and sandbox_control.metrics(sid)["instanceCounts"] == []
    stranger = requests.get(f"{sandbox.render.origin}/_sandbox/metrics/{sid}", timeout=10)
    assert stranger.status_code == 401


def test_samples_survive_a_restart(tmp_path):
    state = tmp_path / "state.json"
    first = Sandbox(state_file=state, postgres=False, deploy_delay=0.1).start()
    try:
        sid, _, _ = web_service(first)
        assert through_gateway(first, "/orders") == 200
        control(first).record_metrics(sid, requests=[{"at": stamp(time.time() - 7200), "status": 503,
                                                      "durationMs": 12, "count": 4}])
        window = {"resource": sid, "aggregateBy": "statusCode", "startTime": stamp(time.time() - 3 * 3600),
                  "endTime": stamp(time.time() + 60), "resolutionSeconds": 3600}
        before = first.render.client().get("/metrics/http-requests", params=window).json()
        samples = control(first).metrics(sid)
    finally:
        first.stop()
    second = Sandbox(state_file=state, postgres=False).start()
    try:
        assert control(second).metrics(sid) == samples and len(samples["requests"]) == 5
        assert second.render.client().get("/metrics/http-requests", params=window).json() == before
        assert not first.response_violations() and not second.response_violations()
    finally:
        second.stop()
