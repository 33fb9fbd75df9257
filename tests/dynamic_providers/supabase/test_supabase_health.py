"""The readiness rules and the wait loop, with a fake clock (no real waiting)."""
from __future__ import annotations

import pytest

from dynamic_providers.supabase.health import (
    DEFAULT_SERVICES,
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


def test_wait_until_polls_until_ready():
    clock = FakeClock()
    values = iter(["COMING_UP", "COMING_UP", "ACTIVE_HEALTHY"])
    result = wait_until(lambda: next(values), lambda v: None if v == "ACTIVE_HEALTHY" else v,
                        timeout_s=60, interval_s=5, what="x", clock=clock, sleep=clock.sleep)
    assert result == "ACTIVE_HEALTHY" and clock.sleeps == [5, 5]


def test_wait_until_times_out_with_the_last_reason():
    clock = FakeClock()
    with pytest.raises(WaitTimeoutError, match=r"timed out after 12s waiting for project p; last seen: COMING_UP"):
        wait_until(lambda: "COMING_UP", lambda v: v, timeout_s=12, interval_s=5, what="project p",
                   clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [5, 5, 2]  # never sleeps past the deadline


def test_wait_until_lets_terminal_errors_through():
    def reason(value):
        raise RuntimeError("INIT_FAILED")
    with pytest.raises(RuntimeError, match="INIT_FAILED"):
        wait_until(lambda: 1, reason, timeout_s=10, interval_s=1, what="x", clock=FakeClock(), sleep=lambda s: None)
