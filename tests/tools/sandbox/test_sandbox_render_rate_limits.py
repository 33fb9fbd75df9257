"""Render's rate limits, enforced by default as the recorded headers show them (tools/sandbox/render/ratelimits.py):
clock-aligned windows per family, seconds-until-reset headers, a real 429 when a bucket is empty, and the
scaling knobs for fast tests (settings, CLI flag, pytest marker)."""

import calendar
import json
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from tools.sandbox.pytest_plugin import rate_limit_options
from tools.sandbox.ratelimits import RateLimiter
from tools.sandbox.render.ratelimits import FAMILIES
from tools.sandbox.testing import wait_for

ROOT = Path(__file__).resolve().parents[3]
# 2025-01-13 16:41:48 UTC: the time of backgroundworker__resource__background_worker_cassette.yaml#4, whose first
# service create of the hour answered Remaining 19, Reset 1093 (the top of the hour, 17:00).
RECORDED_AT = calendar.timegm((2025, 1, 13, 16, 41, 48))


def image_service(sandbox, name, service_type="background_worker"):
    body = {"type": service_type, "name": name, "ownerId": sandbox.render.owner_id,
            "image": {"ownerId": sandbox.render.owner_id, "imagePath": "ghcr.io/acme/api:1"},
            "serviceDetails": {"runtime": "image"}}
    if service_type == "cron_job":
        body["serviceDetails"]["schedule"] = "0 3 * * *"
    return body


def headers(response):
    return tuple(int(response.headers[f"Ratelimit-{k}"]) for k in ("Limit", "Remaining", "Reset"))


@pytest.fixture
def frozen(sandbox):
    """The Render limiter's clock, frozen at the recorded instant (no window rolls over mid-test)."""
    clock = SimpleNamespace(now=RECORDED_AT + 0.2)
    sandbox.render.limiter.clock = lambda: clock.now
    return clock


def test_headers_describe_the_family_a_request_belongs_to(sandbox, frozen):
    api = sandbox.render.client()
    assert headers(api.get("/services")) == (400, 399, 11)  # minute window: 16:42:00
    created = api.post("/services", json=image_service(sandbox, "w"))
    assert headers(created) == (20, 19, 1091)  # hour window: 17:00:00, as recorded
    sid = created.json()["service"]["id"]
    assert headers(api.patch(f"/services/{sid}", json={"name": "w2"})) == (10, 9, 11)
    assert headers(api.post(f"/services/{sid}/deploys", json={})) == (10, 8, 11)  # same bucket as PATCH
    assert headers(api.put(f"/services/{sid}/env-vars", json=[])) == (100, 99, 11)
    assert headers(api.get(f"/services/{sid}")) == (400, 398, 11)
    entry = sandbox.render.journal.entries()[-1]
    assert entry.rate_limit == {"bucket": "reads (GET)", "limit": 400, "remaining": 398, "reset": 11,
                                "limited": False}


def test_the_21st_service_create_of_an_hour_is_refused_until_the_top_of_the_hour(sandbox, frozen):
    api = sandbox.render.client()
    for i in range(20):
        assert api.post("/services", json=image_service(sandbox, f"w{i}")).status_code == 201
    refused = api.post("/services", json=image_service(sandbox, "w20"))
    assert refused.status_code == 429
    assert headers(refused) == (20, 0, 1091)
    assert "resource creates" in refused.json()["message"] and refused.json()["id"] == "too_many_requests"
    assert "Retry-After" not in refused.headers  # Render documents only the Ratelimit-* headers
    assert len(sandbox.render.store["services"]) == 20  # refused = not processed
    assert sandbox.render.journal.entries()[-1].rate_limit["limited"] is True
    # Other families are unaffected, and the next hour has a fresh bucket.
    assert api.get("/services").status_code == 200
    frozen.now = RECORDED_AT + 1092.5
    assert headers(api.post("/services", json=image_service(sandbox, "w20"))) == (20, 19, 3599)


def test_ten_updates_and_deploys_per_service_per_minute_cron_jobs_share_one_bucket(sandbox, frozen):
    api = sandbox.render.client()
    first, second = (api.post("/services", json=image_service(sandbox, n)).json()["service"]["id"] for n in "ab")
    for i in range(5):
        assert api.patch(f"/services/{first}", json={"name": f"a{i}"}).status_code == 200
        assert api.post(f"/services/{first}/scale", json={"numInstances": 1}).status_code == 202
    assert api.post(f"/services/{first}/deploys", json={}).status_code == 429
    assert api.patch(f"/services/{second}", json={"name": "b1"}).status_code == 200  # its own bucket
    crons = [api.post("/services", json=image_service(sandbox, f"c{i}", "cron_job")).json()["service"]["id"]
             for i in range(2)]
    for i in range(10):
        assert api.patch(f"/services/{crons[i % 2]}", json={"name": f"c{i}"}).status_code == 200
    assert api.patch(f"/services/{crons[0]}", json={"name": "late"}).status_code == 429
    assert api.patch(f"/services/{crons[1]}", json={"name": "late"}).status_code == 429
    frozen.now += 60
    assert api.patch(f"/services/{crons[1]}", json={"name": "next-minute"}).status_code == 200


def test_windows_are_aligned_to_the_clock_not_to_the_first_request():
    clock = SimpleNamespace(now=RECORDED_AT + 0.9)
    limiter = RateLimiter(FAMILIES, {}, clock=lambda: clock.now)
    first = limiter.charge("POST", "/services")
    assert (first.remaining, first.reset) == (19, 1091)
    clock.now = RECORDED_AT + 1091.9  # 0.1 s before 17:00: the rounded-down reset is 0, as recorded
    assert limiter.charge("POST", "/services").reset == 0
    clock.now = RECORDED_AT + 1092.1
    assert limiter.charge("POST", "/services").remaining == 19


def test_scaled_windows_for_fast_tests():
    clock = SimpleNamespace(now=1_000_000.0)
    limiter = RateLimiter(FAMILIES, {"rate_limit_time_scale": 0.01, "rate_limit_capacity_scale": 0.1},
                          clock=lambda: clock.now)
    charges = [limiter.charge("POST", "/services") for _ in range(3)]
    assert [c.allowed for c in charges] == [True, True, False] and charges[0].limit == 2
    clock.now += 36  # an hour at 1/100
    assert limiter.charge("POST", "/services").allowed
    assert limiter.charge("GET", "/services").limit == 40


@pytest.mark.sandbox_rate_limits(time_scale=0.001, capacity_scale=0.1,
                                 reason="checks that a scaled window empties and refills within seconds")
def test_marker_scales_the_sandbox_and_a_refused_create_succeeds_after_the_reset(sandbox):
    assert sandbox.render.settings["rate_limit_time_scale"] == 0.001
    api = sandbox.render.client()
    statuses = [api.post("/services", json=image_service(sandbox, f"s{i}")).status_code for i in range(3)]
    if statuses != [201, 201, 429]:  # the 3.6 s window may roll over between the calls; the next one will not
        time.sleep(3.6 - time.time() % 3.6)
        statuses = [api.post("/services", json=image_service(sandbox, f"t{i}")).status_code for i in range(3)]
    assert statuses == [201, 201, 429]
    wait_for(lambda: api.post("/services", json=image_service(sandbox, "after")).status_code == 201, timeout=10)


def test_the_marker_must_say_why():
    def node(**kwargs):
        return SimpleNamespace(nodeid="t", get_closest_marker=lambda name: SimpleNamespace(kwargs=kwargs))

    assert rate_limit_options(node(time_scale=0.5, reason="replays an hour in seconds")) == {
        "rate_limit_time_scale": 0.5, "rate_limit_capacity_scale": 1.0}
    with pytest.raises(pytest.UsageError, match="reason"):
        rate_limit_options(node(time_scale=0.5))


def test_command_line_flags_and_settings_scale_the_limits(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "tools.sandbox", "--render-port", "0", "--supabase-port", "0",
                                "--no-postgres", "--rate-limit-time-scale", "0.5", "--rate-limit-capacity-scale",
                                "2"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        urls = json.loads(process.stdout.readline())
        origin = urls["render"].rsplit("/v1", 1)[0]
        control = {"X-Sandbox-Control-Token": Path(urls["control_token_file"]).read_text().strip()}
        settings = requests.get(origin + "/_sandbox/settings", timeout=5, headers=control).json()
        assert settings["rate_limit_time_scale"] == 0.5 and settings["rate_limit_capacity_scale"] == 2
        answer = requests.get(urls["render"] + "/services", timeout=5,
                              headers={"Authorization": "Bearer rnd_sandbox_local_token"})
        assert answer.headers["Ratelimit-Limit"] == "800" and int(answer.headers["Ratelimit-Reset"]) < 30
        changed = requests.patch(origin + "/_sandbox/settings", json={"rate_limit_capacity_scale": 1}, timeout=5,
                                 headers=control)
        assert changed.json()["rate_limit_capacity_scale"] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
