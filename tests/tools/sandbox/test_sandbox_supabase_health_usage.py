"""Supabase project health per requested service, and the usage counts (tools/sandbox/supabase/projects.py, usage.py):
healthy, a database that stopped answering, a project that is down; usage bucketed from the requests the test-only
control recorded, every expected count computed here. The fixture checks every answer against the spec."""

import math
import time
from datetime import datetime, timezone

import pytest
import requests

from tools.sandbox.client import ControlError, SandboxControl
from tools.sandbox.supabase import usage
from tests.tools.sandbox.supabase_projects import new_project

EVERY_SERVICE = ["auth", "db", "db_postgres_user", "pooler", "realtime", "rest", "storage", "pg_bouncer"]
DATABASE_SERVICES = {"db", "db_postgres_user", "pooler", "pg_bouncer"}


def stamp(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def health(api, ref, services=EVERY_SERVICE) -> dict:
    answer = api.get(f"/v1/projects/{ref}/health", params={"services": services})
    assert answer.status_code == 200, answer.text
    assert [h["name"] for h in answer.json()] == list(services)
    return {h["name"]: h for h in answer.json()}


def test_health_of_every_service_follows_the_project_and_its_database(sandbox):
    api, ref = new_project(sandbox, "health", "pw-health-1")
    healthy = health(api, ref)
    assert {name: (h["status"], h["healthy"]) for name, h in healthy.items()} == {
        name: ("ACTIVE_HEALTHY", True) for name in EVERY_SERVICE}
    assert healthy["auth"]["info"]["name"] == "GoTrue" and "db_schema" in healthy["rest"]["info"]
    assert healthy["realtime"]["info"]["db_connected"] is True and not any("error" in h for h in healthy.values())

    sandbox.supabase.stop_database(ref, destroy=False)  # its Postgres stops answering; the project stays up
    down = health(api, ref)
    assert {name for name, h in down.items() if h["status"] == "UNHEALTHY"} == DATABASE_SERVICES
    assert all(down[name]["error"] and not down[name]["healthy"] for name in DATABASE_SERVICES)
    assert down["realtime"]["info"]["db_connected"] is False

    sandbox.supabase.edit("projects", ref, set={"status": "INACTIVE"})  # paused in the dashboard
    paused = health(api, ref, ["rest", "auth"])
    assert [(h["status"], h["error"]) for h in paused.values()] == [("UNHEALTHY", "project is INACTIVE")] * 2


def test_health_needs_known_services_and_a_timeout_in_range(sandbox):
    api, ref = new_project(sandbox, "health-rules", "pw-health-2")
    assert api.get(f"/v1/projects/{ref}/health").status_code == 400  # services is required
    assert api.get(f"/v1/projects/{ref}/health", params={"services": "graphql"}).status_code == 400
    assert api.get(f"/v1/projects/{ref}/health", params={"services": "db", "timeout_ms": 20000}).status_code == 400
    assert api.get(f"/v1/projects/{ref}/health", params={"services": "db", "timeout_ms": 2000}).status_code == 200


def test_usage_counts_bucket_the_recorded_requests_of_the_interval(sandbox):
    api, ref = new_project(sandbox, "usage", "pw-usage-1")
    control = SandboxControl(sandbox.supabase.origin, token=sandbox.control_token)
    now = time.time()
    recorded = [(now - 7200, "rest", 5), (now - 1800, "auth", 3), (now - 1790, "rest", 1),
                (now - 2 * 86400, "storage", 2)]
    assert control.record_usage(ref, [{"at": stamp(at), "service": s, "count": n} for at, s, n in recorded]) == {
        "ref": ref, "requests": 11}

    services_seen = {}
    for interval in ("1day", "7day"):
        window, size = usage.INTERVALS[interval]
        result = api.get(f"/v1/projects/{ref}/analytics/endpoints/usage.api-counts",
                         params={"interval": interval}).json()["result"]
        expected = {}
        for at, service, count in recorded:
            if at >= time.time() - window:
                bucket = stamp(math.floor(at / size) * size)
                expected.setdefault(bucket, {}).setdefault(service, 0)
                expected[bucket][service] += count
        got = {row["timestamp"]: {key[len("total_"):-len("_requests")]: value for key, value in row.items()
                                  if key != "timestamp" and value}
               for row in result}
        assert {t: v for t, v in got.items() if v} == expected
        assert len(result) in (window // size, window // size + 1)  # the window's buckets, the first partial
        services_seen[interval] = {service for counts in got.values() for service in counts}
    assert services_seen == {"1day": {"rest", "auth"}, "7day": {"rest", "auth", "storage"}}

    total = api.get(f"/v1/projects/{ref}/analytics/endpoints/usage.api-requests-count").json()
    assert total == {"result": [{"count": 9}]}  # the last day: 5 + 3 + 1
    missing = api.get(f"/v1/projects/{ref}/analytics/endpoints/usage.api-counts")
    assert missing.status_code == 400 and "interval" in missing.json()["message"]


def test_usage_of_a_project_without_recorded_requests_is_zero_and_the_control_checks_first(sandbox):
    api, ref = new_project(sandbox, "usage-empty", "pw-usage-2")
    result = api.get(f"/v1/projects/{ref}/analytics/endpoints/usage.api-counts",
                     params={"interval": "1hr"}).json()["result"]
    assert len(result) in (60, 61) and all(row[key] == 0 for row in result for key in row if key != "timestamp")
    control = SandboxControl(sandbox.supabase.origin, token=sandbox.control_token)
    for bad in ({"at": stamp(time.time() + 60), "service": "rest"}, {"at": stamp(time.time()), "service": "graphql"},
                {"at": stamp(time.time()), "service": "rest", "count": 0}):
        with pytest.raises(ControlError, match="400"):
            control.record_usage(ref, [{"at": stamp(time.time() - 60), "service": "rest"}, bad])
    assert api.get(f"/v1/projects/{ref}/analytics/endpoints/usage.api-requests-count").json() == {
        "result": [{"count": 0}]}
    assert requests.post(f"{sandbox.supabase.origin}/_sandbox/usage/{ref}", json={"requests": []},
                         timeout=10).status_code == 401
