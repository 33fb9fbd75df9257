"""Every number of the targets report from a scripted week of deploys, backups and metrics, against the value
worked out by hand (tests/ops/report/history.py)."""
from __future__ import annotations

import pytest

from ops.report import measures, schedule
from ops.report.records import Bucket, RestoreTest
from ops.report.targets import format_value
from tests.ops.report.history import DEPLOYS, WEEK, at

MIN = 60


def test_deployment_is_the_slowest_live_deploy_and_misses_ten_minutes():
    m = measures.deployment(DEPLOYS, WEEK)
    assert m.value == 15 * MIN and m.verdict == "missed"  # d4-slow: 12:00 -> 12:15
    assert "d4-slow" in m.detail and "6 deploys went live" in m.detail  # d1 d3 d4 d5 d6 s1


def test_change_failure_rate_counts_the_failed_and_the_rolled_back_deploy():
    # Changes: d1 d2 d3 d4 d5 s1 (the rollback ships nothing, s0 was canceled, `old` is before the window);
    # d2 failed, d5 was rolled back by d6.
    m = measures.change_failure_rate(DEPLOYS, WEEK)
    assert m.value == pytest.approx(100 * 2 / 6) and m.verdict == "missed"
    assert m.detail == "1 failed + 1 rolled back of 6 deploys"


def test_recoveries_run_from_the_failure_to_the_next_live_deploy():
    times = {broken.id: (secs, ok) for broken, secs, ok in measures.recoveries(DEPLOYS, WEEK)}
    assert times == {"d2": (6 * MIN, True),  # failed 10:03, d3 live 10:09
                     "d5": (7 * MIN, True)}  # live 09:05, the rollback live 09:12
    longest = measures.service_recovery(DEPLOYS, WEEK)
    assert longest.value == 7 * MIN and longest.verdict == "missed"
    mean = measures.mttr(DEPLOYS, WEEK)
    assert mean.value == 6.5 * MIN and mean.verdict == "met"


def test_a_failure_not_recovered_counts_until_the_window_ends():
    broken = [d for d in DEPLOYS if d.id in ("d1", "d2")]  # d2 fails and nothing follows
    [(deploy, secs, recovered)] = measures.recoveries(broken, WEEK)
    assert deploy.id == "d2" and not recovered
    assert secs == (WEEK.end - at("2026-12-01T10:03")).total_seconds()
    assert "not recovered" in measures.service_recovery(broken, WEEK).detail


def test_lead_time_is_the_median_commit_to_live_of_the_live_deploys():
    # d1 38 min, d3 19, d4 75, d5 10, s1 4 (d2 failed, the rollback ships no commit): median 19 min.
    m = measures.lead_time(DEPLOYS, WEEK, "the image's revision")
    assert m.value == 19 * MIN and m.verdict == "met"
    assert m.detail == "5 of 5 live deploys with a commit time (the image's revision)"


def test_lead_time_without_commit_times_is_no_data_and_says_why():
    unknown = [d.__class__(**{**d.__dict__, "commit_at": None}) for d in DEPLOYS]
    m = measures.lead_time(unknown, WEEK, "GITHUB_TOKEN not set")
    assert m.value is None and m.verdict == "no data" and m.detail == "no commit time known (GITHUB_TOKEN not set)"


def test_deploy_frequency_and_deploys_per_day():
    m = measures.deploy_frequency(DEPLOYS, WEEK)
    assert m.value == pytest.approx(5 / 7) and m.verdict == "missed"  # d1 d3 d4 d5 s1 in 7 days
    assert measures.per_day(DEPLOYS, WEEK) == [
        ("2026-11-30", 1, 4.0), ("2026-12-01", 1, 4.0), ("2026-12-02", 1, 15.0),
        ("2026-12-03", 2, 3.5),  # d5 5 min, the rollback 2 min
        ("2026-12-04", 1, 2.0), ("2026-12-05", 0, 0.0), ("2026-12-06", 0, 0.0)]


def test_no_deploy_in_the_window_is_no_data_not_a_pass():
    for m in (measures.deployment([], WEEK), measures.change_failure_rate([], WEEK), measures.mttr([], WEEK)):
        assert m.value is None and m.verdict == "no data" and m.detail


def test_a_missed_backup_run_is_named_and_the_rate_falls():
    runs = schedule.runs("30 2 * * *", WEEK)
    assert runs == [at(f"2026-{d}T02:30") for d in ("11-30", "12-01", "12-02", "12-03", "12-04", "12-05", "12-06")]
    taken = [at(f"2026-{d}T02:30:07") for d in ("11-30", "12-01", "12-03", "12-04", "12-05", "12-06")]
    taken.append(at("2026-12-03T14:00"))  # a manual backup does not stand in for the missed night
    m = measures.backup_success(runs, taken, "30 2 * * *")
    assert m.value == pytest.approx(100 * 6 / 7) and m.verdict == "missed"
    assert m.detail.endswith("missed: 2026-12-02 02:30")
    every = measures.backup_success(runs, taken + [at("2026-12-02T02:31")], "30 2 * * *")
    assert every.value == 100.0 and every.verdict == "met"


def test_weekday_schedules_and_unknown_ones():
    assert len(schedule.runs("0 7 * * 1-5", WEEK)) == 5  # 2026-11-30 is a Monday
    assert schedule.runs("0 7 * * 0,6", WEEK) == [at("2026-12-05T07:00"), at("2026-12-06T07:00")]
    assert schedule.runs("*/5 * * * *", WEEK) is None


def test_uptime_and_response_from_metric_buckets():
    buckets = [Bucket(at("2026-12-01T10:00"), {200: 990, 500: 6, 503: 4}, 0.2),
               Bucket(at("2026-12-01T10:01"), {200: 1000, 404: 0}, 0.5),
               Bucket(at("2026-12-01T10:02"), {}, 9.0)]  # no request: its latency weighs nothing
    up = measures.uptime(buckets)
    assert up.value == pytest.approx(100 * 1990 / 2000) and up.verdict == "missed"
    assert up.detail == "10 of 2000 requests answered 5xx"
    resp = measures.response(buckets)
    assert resp.value == pytest.approx(0.35) and resp.verdict == "met"
    assert measures.uptime([]).verdict == "no data"


def test_disaster_recovery_is_the_newest_restore_test_in_the_window():
    tests = [RestoreTest(at("2026-12-02T04:00"), True, 4000.0), RestoreTest(at("2026-12-05T04:00"), True, 1500.0)]
    m = measures.disaster_recovery(tests, WEEK, "no record")
    assert m.value == 1500.0 and m.verdict == "met"
    failed = measures.disaster_recovery(tests + [RestoreTest(at("2026-12-06T04:00"), False, 30.0)], WEEK, "x")
    assert failed.value is None and "failed" in failed.detail
    assert measures.disaster_recovery([], WEEK, "no restore test recorded").detail == "no restore test recorded"


def test_monitoring_coverage_counts_public_hosts_with_no_gap():
    m = measures.monitoring_coverage(["api.example.com", "app.example.com"],
                                     {"app.example.com": ["no Cloudflare health check probes app.example.com"]})
    assert m.value == 50.0 and m.verdict == "missed" and "app.example.com: no Cloudflare" in m.detail
    assert measures.monitoring_coverage(["api.example.com"], {}).verdict == "met"
    assert measures.monitoring_coverage([], {}).verdict == "no data"


@pytest.mark.parametrize("seconds, shown", [(900.0, "15.0 min"), (1.5, "1.50 s"), (0.000025, "0.025 ms"),
                                             (2.0, "2.00 s")])
def test_durations_are_shown_in_a_unit_that_keeps_their_digits(seconds, shown):
    assert format_value(seconds, "s") == shown
