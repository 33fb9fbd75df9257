"""The report's readers on vendor-shaped answers: only GETs, the window in the query, Render deploys and the
state's resources turned into records, backups found by their manifests' names; and the command's exit codes."""
from __future__ import annotations

import json

import pytest

from ops.report import __main__ as report
from ops.report import collect
from ops.report.records import Bucket
from tests.ops.report.history import DEPLOYS, WEEK, at, deploy


class Answers:
    """A transport answering GETs from a table (path -> answer); anything but a GET fails the test."""
    api_name = "Render"

    def __init__(self, answers: dict) -> None:
        self.answers, self.calls = answers, []

    def get(self, path, params=None):
        self.calls.append((path, dict(params or {})))
        return self.answers[path]

    def request(self, method, *args, **kwargs):
        raise AssertionError(f"the report sent {method}")


def test_deploys_are_read_per_service_in_the_window_with_the_sites_commit_time():
    http = Answers({
        "/services/srv-api/deploys": [{"deploy": {"id": "dep-1", "status": "live", "trigger": "api",
                                                  "createdAt": "2026-12-01T10:00:00Z",
                                                  "finishedAt": "2026-12-01T10:04:00Z",
                                                  "commit": {"id": "abc", "createdAt": "2026-12-01T09:00:00Z"}},
                                       "cursor": "c1"}],
        "/services/srv-web/deploys": [{"deploy": {"id": "dep-2", "status": "build_failed", "trigger": "new_commit",
                                                  "createdAt": "2026-12-02T10:00:00Z",
                                                  "finishedAt": "2026-12-02T10:01:00Z",
                                                  "commit": {"id": "def", "createdAt": "2026-12-02T09:59:00Z"}},
                                       "cursor": "c2"}]})
    found = collect.deploys(http, {"api": "srv-api", "frontend": "srv-web"}, {"frontend"}, WEEK)
    assert [(d.service, d.id, d.status, d.finished_at, d.commit_at) for d in found] == [
        ("api", "dep-1", "live", at("2026-12-01T10:04"), None),  # an image deploy: no commit time is made up
        ("frontend", "dep-2", "build_failed", at("2026-12-02T10:01"), at("2026-12-02T09:59"))]
    assert {p["createdAfter"] for _, p in http.calls} == {"2026-11-30T00:00:00Z"}
    assert {p["createdBefore"] for _, p in http.calls} == {"2026-12-07T00:00:00Z"}


def test_metrics_are_asked_by_status_code_and_for_the_median():
    http = Answers({"/metrics/http-requests": [{"labels": [{"field": "statusCode", "value": "200"}],
                                                "values": [{"timestamp": "2026-12-01T10:00:00Z", "value": 7}],
                                                "unit": "requests"}],
                    "/metrics/http-latency": [{"labels": [], "unit": "ms",
                                               "values": [{"timestamp": "2026-12-01T10:00:00Z", "value": 120}]}]})
    assert collect.http_buckets(http, ["srv-api"], WEEK) == [Bucket(at("2026-12-01T10:00"), {200: 7.0}, 0.12)]
    (_, asked), (_, latency) = http.calls
    assert asked["aggregateBy"] == "statusCode" and asked["resource"] == "srv-api"
    assert asked["resolutionSeconds"] >= 30 and latency["quantile"] == 0.5  # the spec's minimum resolution


def test_backups_are_the_manifests_in_the_window(tmp_path):
    for name in ("20261129T023000Z.json", "20261201T023005Z.json", "20261201T023005Z.dump.age",
                 "20261202T023004Z.dump.age", "20261203T023001Z.json"):  # 12-02: a dump without its manifest
        (tmp_path / name).write_text("{}")
    assert collect.backups_taken(f"file://{tmp_path}", WEEK) == [at("2026-12-01T02:30:05"),
                                                                 at("2026-12-03T02:30:01")]


def _resource(urn, type_, inputs, deps=None):
    return {"urn": urn, "type": type_, "inputs": inputs, "propertyDependencies": deps or {}}


def test_coverage_is_the_policy_rule_over_the_exported_state():
    svc, dom_api, dom_app = "urn:x::api", "urn:x::api-domain", "urn:x::app-domain"
    site, override, check, policy = "urn:x::app", "urn:x::api-alerts", "urn:x::api-check", "urn:x::api-policy"
    state = {"deployment": {"resources": [
        _resource(svc, "pulumi-python:dynamic/render:Service", {"service_type": "web_service"}),
        _resource(site, "pulumi-python:dynamic/render:Service", {"service_type": "static_site"}),
        _resource(dom_api, "pulumi-python:dynamic/render:CustomDomain", {"name": "api.example.com"},
                  {"service_id": [svc]}),
        _resource(dom_app, "pulumi-python:dynamic/render:CustomDomain", {"name": "app.example.com"},
                  {"service_id": [site]}),
        _resource(override, "pulumi-python:dynamic/render:NotificationOverride", {"notifications_to_send": "failure"},
                  {"service_id": [svc]}),
        _resource(check, "cloudflare:index/healthcheck:Healthcheck", {"address": "api.example.com"}),
        _resource(policy, "cloudflare:index/notificationPolicy:NotificationPolicy",
                  {"enabled": True, "alertType": "health_check_status_notification",
                   "mechanisms": {"emails": [{"id": "ops@example.com"}]}}, {"filters": [check]}),
    ]}}
    hosts, gaps = collect.coverage(state)
    assert hosts == ["api.example.com", "app.example.com"]
    assert list(gaps) == ["app.example.com"] and len(gaps["app.example.com"]) == 2  # no health check, no override


def readings(**changes):
    r = collect.Readings("production", deploys=list(DEPLOYS), backup_schedule="30 2 * * *",
                         backups_taken=[at(f"2026-{d}T02:30:07") for d in ("11-30", "12-01", "12-02", "12-03",
                                                                           "12-04", "12-05", "12-06")],
                         public_hosts=["api.example.com"], commit_source="test")
    for key, value in changes.items():
        setattr(r, key, value)
    return r


def test_the_command_exits_1_on_a_missed_target_and_writes_json_and_markdown(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(report, "datetime", type("Clock", (), {"now": staticmethod(lambda tz: WEEK.end)}))
    monkeypatch.setattr(collect, "read", lambda stack, window, target: readings())
    out = tmp_path / "report.md"
    assert report.main(["--stack", "production", "--json", "--markdown", str(out)]) == 1  # the slow deploy
    doc = json.loads(capsys.readouterr().out)
    verdicts = {m["key"]: m["verdict"] for m in doc["measures"]}
    assert verdicts["deployment"] == "missed" and verdicts["backup_success"] == "met"
    assert verdicts["uptime"] == "no data" and verdicts["disaster_recovery"] == "no data"
    assert "```mermaid\nxychart-beta" in out.read_text()


def test_the_command_exits_0_when_nothing_is_missed(monkeypatch, capsys):
    monkeypatch.setattr(report, "datetime", type("Clock", (), {"now": staticmethod(lambda tz: at("2026-12-02T00:00"))}))
    fine = [deploy("api", "a", "deactivated", "2026-12-01T10:00", "2026-12-01T10:04", commit="2026-12-01T09:50"),
            deploy("api", "b", "live", "2026-12-01T15:00", "2026-12-01T15:06", commit="2026-12-01T14:30")]
    monkeypatch.setattr(collect, "read", lambda stack, window, target: readings(deploys=fine))
    assert report.main(["--since", "24h"]) == 0, capsys.readouterr().out  # two deploys in a day, one backup
    monkeypatch.setattr(collect, "read", lambda stack, window, target: readings(deploys=fine[:1]))
    assert report.main(["--since", "24h"]) == 1  # one deploy a day is not "several"


@pytest.mark.parametrize("span", ["7", "0d", "1w", "-3d"])
def test_a_bad_window_is_one_line_and_exit_2(span, capsys):
    with pytest.raises(SystemExit) as stop:
        report.main([f"--since={span}"])
    assert stop.value.code == 2 and "a span like 7d, 24h or 90m" in capsys.readouterr().err
