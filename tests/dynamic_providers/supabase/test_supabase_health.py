"""The readiness rules and the wait loop, with a fake clock (no real waiting)."""
from __future__ import annotations

import pytest

from dynamic_providers.core import progress

from dynamic_providers.supabase.health import (
    DEFAULT_SERVICES,
    ProjectFailedError,
    WaitTimeoutError,
    classify_status,
    evaluate_health,
    wait_until,
)
from dynamic_providers.supabase.models import ServiceHealth


def svc(name, status="ACTIVE_HEALTHY", error=None, db_schema=None, healthy=None):
    return ServiceHealth(name=name, status=status, healthy=healthy, error=error, db_schema=db_schema)


@pytest.mark.parametrize("status,verdict", [
    ("ACTIVE_HEALTHY", "ready"), ("COMING_UP", "pending"), ("UNKNOWN", "pending"), ("RESIZING", "pending"),
    ("ACTIVE_UNHEALTHY", "pending"), ("INIT_FAILED", "failed"), ("REMOVED", "failed"), ("INACTIVE", "failed"),
    ("PAUSE_FAILED", "failed"), ("BRAND_NEW_STATUS", "pending"), (None, "pending")])
def test_classify_status(status, verdict):
    assert classify_status(status) == verdict


def test_all_required_services_must_be_healthy():
    healthy = [svc(n) for n in DEFAULT_SERVICES]
    assert evaluate_health(healthy, DEFAULT_SERVICES).ready
    lagging = healthy[:]
    lagging[DEFAULT_SERVICES.index("pooler")] = svc("pooler", "COMING_UP", error="tenant not found")
    verdict = evaluate_health(lagging, DEFAULT_SERVICES)
    assert not verdict.ready and verdict.waiting == ("pooler (COMING_UP: tenant not found)",)
    missing = evaluate_health([s for s in healthy if s.name != "auth"], DEFAULT_SERVICES)
    assert missing.waiting == ("auth (not reported)",)
    unhealthy = evaluate_health([svc("db", "UNHEALTHY")], ["db"])
    assert not unhealthy.ready


def test_rest_is_skipped_when_the_data_api_is_disabled():
    assert evaluate_health([svc("rest", "UNHEALTHY", db_schema="")], ["rest"]).ready
    assert not evaluate_health([svc("rest", "UNHEALTHY", db_schema="public")], ["rest"]).ready


def test_deprecated_boolean_is_understood_when_status_is_missing():
    assert evaluate_health([svc("db", status=None, healthy=True)], ["db"]).ready
    assert not evaluate_health([svc("db", status=None, healthy=False)], ["db"]).ready


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_until_polls_at_once_then_soon_and_backs_off_to_the_interval():
    clock = FakeClock()
    polled_at = []
    values = iter(["COMING_UP"] * 5 + ["ACTIVE_HEALTHY"])

    def poll():
        polled_at.append(clock.now)
        return next(values)
    result = wait_until(poll, lambda v: None if v == "ACTIVE_HEALTHY" else v, timeout_s=60, interval_s=5,
                        what="x", clock=clock, sleep=clock.sleep, rng=lambda: 1.0)
    # The first check right away, the second after half a second (not after the 5 s interval), then
    # doubling pauses up to the interval (the jitter's upper end here: rng 1.0).
    assert result == "ACTIVE_HEALTHY" and polled_at[0] == 0 and clock.sleeps == [0.5, 1, 2, 4, 5]


def test_wait_until_times_out_with_the_last_reason():
    clock = FakeClock()
    with pytest.raises(WaitTimeoutError, match=r"timed out after 12s \(limit 12s\) waiting for project p; last seen: COMING_UP"):
        wait_until(lambda: "COMING_UP", lambda v: v, timeout_s=12, interval_s=5, what="project p",
                   clock=clock, sleep=clock.sleep, rng=lambda: 1.0)
    assert clock.sleeps == [0.5, 1, 2, 4, 4.5]  # never sleeps past the deadline


def test_wait_until_lets_terminal_errors_through():
    def reason(value):
        raise RuntimeError("INIT_FAILED")
    with pytest.raises(RuntimeError, match="INIT_FAILED"):
        wait_until(lambda: 1, reason, timeout_s=10, interval_s=1, what="x", clock=FakeClock(), sleep=lambda s: None)


def test_every_pending_poll_is_shown_with_the_reason_and_the_time_waited():
    clock = FakeClock()
    values = iter(["COMING_UP", "RESIZING", "ACTIVE_HEALTHY"])
    with progress.capture() as seen:
        wait_until(lambda: next(values), lambda v: None if v == "ACTIVE_HEALTHY" else f"status {v}",
                   timeout_s=60, interval_s=5, what="Supabase project p to become ACTIVE_HEALTHY",
                   clock=clock, sleep=lambda _pause: clock.sleep(5))  # a 5 s pause, whatever the backoff says
    assert [m for kind, _, m in seen if kind == "status"] == [
        "waiting for Supabase project p to become ACTIVE_HEALTHY: status COMING_UP (0s)",
        "waiting for Supabase project p to become ACTIVE_HEALTHY: status RESIZING (5s)",
        "done waiting for Supabase project p to become ACTIVE_HEALTHY (10s)",  # no stale status left on the row
    ]


def test_a_terminal_status_says_how_long_it_was_waited_for():
    clock = FakeClock()
    values = iter(["COMING_UP", "COMING_UP", "INIT_FAILED"])

    def reason(value):
        if value == "INIT_FAILED":
            raise ProjectFailedError("Supabase project p is INIT_FAILED")
        return value

    with pytest.raises(ProjectFailedError, match=r"^Supabase project p is INIT_FAILED \(after waiting 10s for "
                                                 r"project p to come up\)$"):
        wait_until(lambda: next(values), reason, timeout_s=60, interval_s=5, what="project p to come up",
                   clock=clock, sleep=lambda _pause: clock.sleep(5))  # two 5 s pauses
