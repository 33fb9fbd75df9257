"""The create budget's arithmetic (window edges, clock injected), the queue line and the wait."""
import io
from datetime import datetime, timezone

import pytest

from ops.review import budget
from ops.review.budget import Budget, Queued, creates_needed, wait_for_budget, window_end, window_start


def utc(hour, minute=0, second=0, micro=0):
    return datetime(2026, 12, 6, hour, minute, second, micro, tzinfo=timezone.utc)


@pytest.mark.parametrize("now, start", [
    (utc(16, 41, 48), utc(16)),
    (utc(16, 0, 0), utc(16)),  # the top of the hour opens a window
    (utc(16, 59, 59, 999999), utc(16)),  # the last instant is still the old one
])
def test_the_window_is_the_utc_hour(now, start):
    assert window_start(now) == start
    assert window_end(now) == start.replace(hour=start.hour + 1)


def test_a_non_utc_clock_is_read_in_utc():
    from datetime import timedelta
    berlin = timezone(timedelta(hours=1))
    assert window_start(datetime(2026, 12, 6, 17, 30, tzinfo=berlin)) == utc(16)


def test_left_never_goes_below_zero():
    assert Budget(used=7, resets_at=utc(17)).left == 13
    assert Budget(used=25, resets_at=utc(17)).left == 0


def document(backend=True, frontend=True, services=("api", "worker", "approval-reminders")):
    return {"config": {"procurement:tiers": {"backend": backend, "frontend": frontend},
                       "procurement:backend": {"services": [{"name": n} for n in services]}}}


def test_needed_counts_backend_services_and_the_static_site_minus_existing():
    assert creates_needed(document(), "pr-7", []) == 4
    assert creates_needed(document(), "pr-7", ["procurement-pr-7-api", "procurement-pr-7-app",
                                               "procurement-pr-8-worker"]) == 2
    assert creates_needed(document(frontend=False), "pr-7", []) == 3
    assert creates_needed(document(backend=False), "pr-7", []) == 1
    assert creates_needed({"config": {}}, "pr-7", []) == 0


def test_queue_line_names_need_left_and_the_time():
    line = budget.queue_line("pr-7", 5, Budget(used=17, resets_at=utc(17)))
    assert line == "pr-7 queued: needs 5 service creates, the workspace has 3 of 20 left until 17:00 UTC; it runs then"


class Clock:
    def __init__(self, start):
        self.now, self.slept = start, []

    def sleep(self, seconds):
        from datetime import timedelta
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def test_fits_at_once_without_a_line_or_a_sleep():
    clock, out = Clock(utc(16, 30)), io.StringIO()
    got = wait_for_budget("pr-7", 5, lambda now: Budget(15, window_end(now)), again="x",
                          now=lambda: clock.now, sleep=clock.sleep, out=out)
    assert got.left == 5 and clock.slept == [] and out.getvalue() == ""


def test_waits_to_the_top_of_the_hour_then_runs():
    clock, out = Clock(utc(16, 41, 48)), io.StringIO()
    used = {16: 18, 17: 0}  # what the vendor lists in each window
    got = wait_for_budget("pr-7", 5, lambda now: Budget(used[now.hour], window_end(now)), again="x",
                          now=lambda: clock.now, sleep=clock.sleep, out=out)
    assert clock.slept == [18 * 60 + 12 + 1]  # to 17:00:00, plus a second into the new window
    assert got.left == 20
    assert out.getvalue() == ("pr-7 queued: needs 5 service creates, the workspace has 2 of 20 left until "
                              "17:00 UTC; it runs then\n")


def test_more_than_a_window_waits_for_a_fresh_window_only():
    clock = Clock(utc(16, 59))
    used = {16: 1, 17: 0}
    got = wait_for_budget("pr-7", 30, lambda now: Budget(used[now.hour], window_end(now)), again="x",
                          now=lambda: clock.now, sleep=clock.sleep, out=io.StringIO())
    assert got.left == 20 and len(clock.slept) == 1


def test_past_max_wait_it_exits_75_naming_the_command():
    clock, out = Clock(utc(16, 41, 48)), io.StringIO()
    with pytest.raises(Queued) as raised:
        wait_for_budget("pr-7", 5, lambda now: Budget(18, window_end(now)), again="python -m ops.review up --pr 7",
                        max_wait=600, now=lambda: clock.now, sleep=clock.sleep, out=out)
    assert raised.value.code == 75 and clock.slept == []
    assert "17:00 UTC" in raised.value.message and raised.value.message.endswith("python -m ops.review up --pr 7")
    assert out.getvalue().startswith("pr-7 queued: needs 5")


def test_max_wait_long_enough_waits():
    clock = Clock(utc(16, 41, 48))
    used = {16: 18, 17: 3}
    wait_for_budget("pr-7", 5, lambda now: Budget(used[now.hour], window_end(now)), again="x", max_wait=1200,
                    now=lambda: clock.now, sleep=clock.sleep, out=io.StringIO())
    assert len(clock.slept) == 1


def test_counts_the_hours_creates_on_the_sandbox_as_its_rate_limit_headers_do(sandbox):
    from dynamic_providers.core.transport import Transport
    from dynamic_providers.render.client import RenderApi

    render = RenderApi(Transport(sandbox.render.base_url, sandbox.render.token, api_name="Render"))
    started = datetime.now(timezone.utc)
    answers = []
    for index in range(3):
        answers.append(sandbox.render.client().post("/services", json={
            "type": "background_worker", "name": f"procurement-pr-7-w{index}", "ownerId": sandbox.render.owner_id,
            "image": {"ownerId": sandbox.render.owner_id, "imagePath": "ghcr.io/acme/api:1.0"},
            "serviceDetails": {"runtime": "image", "plan": "starter", "region": "frankfurt"}}))
    now = datetime.now(timezone.utc)
    if window_start(now) != window_start(started):
        pytest.skip("the creates straddled the top of the hour: two windows")
    assert all(a.status_code == 201 for a in answers)
    counted = budget.creates_this_window(render, sandbox.render.owner_id, now)
    assert counted.used == 3 and counted.resets_at == window_end(now)
    assert counted.left == int(answers[-1].headers["Ratelimit-Remaining"]) == 17
    # A service deleted within the window still spent its create: the list cannot see it (budget.py says so).
    sid = answers[0].json()["service"]["id"]
    assert sandbox.render.client().delete(f"/services/{sid}").status_code == 204
    assert budget.creates_this_window(render, sandbox.render.owner_id, now).used == 2


def test_the_tools_limit_and_window_are_the_sandboxs_bucket():
    # Two facts, one each side: the tool's (budget.py, from notes/render-api.md) and the sandbox's
    # (tools/sandbox/render/ratelimits.py, from the recorded POST /services answers). A change to either shows here.
    from tools.sandbox.ratelimits import RateLimiter
    from tools.sandbox.render.ratelimits import FAMILIES

    creates, _ = RateLimiter(FAMILIES, {}).family_of("POST", "/services")  # the bucket the sandbox charges
    assert (creates.limit, creates.window, creates.anchored) == (budget.CREATE_LIMIT, budget.WINDOW.total_seconds(),
                                                                False)  # not anchored: ends at the top of the hour
