"""The report's readers (ops/readings, shared with ops.status) on vendor-shaped answers: only GETs, the window
and the metrics' parameters in the query as the spec takes them, Render deploys and the state's resources turned
into records, backups found by their manifests' names, the restore test's records as disaster recovery; and the
command's exit codes."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from dynamic_providers.render.client import RenderApi
from ops.backup.targets import open_target
from ops.readings import backups, restore_tests
from ops.readings.coverage import read_coverage
from ops.readings.stack import StackReading
from ops.report import __main__ as report
from ops.report import collect, measures
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


def _stack(outputs: dict, resources=()) -> StackReading:
    return StackReading("production", outputs, {}, list(resources))


def _render(monkeypatch, answers: dict) -> Answers:
    http = Answers(answers)
    monkeypatch.setattr(collect.apis, "render", lambda config: RenderApi(http))
    return http


def test_deploys_are_read_per_service_in_the_window_and_an_unknown_commit_says_why(monkeypatch):
    image = "ghcr.io/acme/api@sha256:" + "1" * 64
    http = _render(monkeypatch, {
        "/services/srv-api/deploys": [{"deploy": {"id": "dep-1", "status": "live", "trigger": "api",
                                                  "createdAt": "2026-12-01T10:00:00Z",
                                                  "finishedAt": "2026-12-01T10:04:00Z",
                                                  "image": {"ref": image, "sha": "sha256:" + "1" * 64}},
                                       "cursor": "c1"}],
        "/services/srv-web/deploys": [{"deploy": {"id": "dep-2", "status": "build_failed", "trigger": "new_commit",
                                                  "createdAt": "2026-12-02T10:00:00Z",
                                                  "finishedAt": "2026-12-02T10:01:00Z",
                                                  "commit": {"id": "def", "createdAt": "2026-12-02T09:59:00Z"}},
                                       "cursor": "c2"}]})
    found, source = collect.read_deploys(_stack({"backend_service_ids": {"api": "srv-api"},
                                                 "frontend_service_id": "srv-web"}), WEEK, env={})
    assert [(d.service, d.id, d.status, d.finished_at, d.commit_at) for d in found] == [
        ("api", "dep-1", "live", at("2026-12-01T10:04"), None),  # no registry token: no commit time made up
        ("frontend", "dep-2", "build_failed", at("2026-12-02T10:01"), at("2026-12-02T09:59"))]
    assert "not read: REGISTRY_TOKEN is not set (a pull token of ghcr.io)" in source
    assert {p["createdAfter"] for _, p in http.calls} == {"2026-11-30T00:00:00Z"}
    assert {p["createdBefore"] for _, p in http.calls} == {"2026-12-07T00:00:00Z"}


def test_metrics_are_asked_as_the_spec_takes_them_by_status_code_and_for_the_median(monkeypatch):
    http = _render(monkeypatch, {
        "/metrics/http-requests": [{"labels": [{"field": "statusCode", "value": "200"}],
                                    "values": [{"timestamp": "2026-12-01T10:00:00Z", "value": 7}],
                                    "unit": "requests"}],
        "/metrics/http-latency": [{"labels": [], "unit": "ms",
                                   "values": [{"timestamp": "2026-12-01T10:00:00Z", "value": 120}]}]})
    assert collect.read_buckets(_stack({"api_service_id": "srv-api"}), WEEK) == [
        Bucket(at("2026-12-01T10:00"), {200: 7.0}, 0.12)]
    (requests_path, asked), (latency_path, latency) = http.calls
    assert (requests_path, latency_path) == ("/metrics/http-requests", "/metrics/http-latency")
    common = {"resource": "srv-api", "startTime": "2026-11-30T00:00:00Z", "endTime": "2026-12-07T00:00:00Z",
              "resolutionSeconds": 3600}
    assert asked == {**common, "aggregateBy": "statusCode"} and latency == {**common, "quantile": 0.5}


def test_backups_are_the_top_level_manifests_never_a_restore_test_record(tmp_path):
    for name in ("20261129T023000Z.json", "20261201T023005Z.json", "20261201T023005Z.dump.age",
                 "20261202T023004Z.dump.age", "20261203T023001Z.json"):  # 12-02: a dump without its manifest
        (tmp_path / name).write_text("{}")
    restore_tests.write(open_target(f"file://{tmp_path}"), "20261203T080000Z", {"result": "ok"})
    assert backups.backups_taken(open_target(f"file://{tmp_path}")) == [
        at("2026-11-29T02:30:00"), at("2026-12-01T02:30:05"), at("2026-12-03T02:30:01")]


def test_restore_tests_in_the_window_become_disaster_recovery(tmp_path):
    target = open_target(f"file://{tmp_path}")
    for stamp_, result, seconds in (("20261129T080000Z", "ok", 100.0), ("20261204T080000Z", "ok", 1234.5),
                                    ("20261205T080000Z", "failed", 50.0), ("20261206T080000Z", "ok", 2400.0)):
        finished = datetime.strptime(stamp_, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc) + timedelta(minutes=20)
        restore_tests.write(target, stamp_, {"result": result, "seconds": seconds, "finished_at": finished.isoformat()})
    tests = [collect.restore_test_of(r) for r in restore_tests.since(target, "20261130T000000Z")]
    assert [(t.ok, t.duration_seconds) for t in tests] == [(True, 1234.5), (False, 50.0), (True, 2400.0)]
    assert measures.disaster_recovery(tests, WEEK, "none").value == 2400.0  # the newest, 40 min
    assert measures.disaster_recovery(tests[:2], WEEK, "none").value is None  # the newest failed


def _resource(urn, type_, inputs, deps=None):
    return {"urn": urn, "type": type_, "inputs": inputs, "propertyDependencies": deps or {}}


def test_coverage_is_the_policy_rule_over_the_exported_state():
    svc, dom_api, dom_app = "urn:x::api", "urn:x::api-domain", "urn:x::app-domain"
    site, override, check, policy = "urn:x::app", "urn:x::api-alerts", "urn:x::api-check", "urn:x::api-policy"
    resources = [
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
    ]
    coverage = read_coverage(resources)
    assert sorted(host for _, host in coverage.public) == ["api.example.com", "app.example.com"]
    assert [(host, len(missing)) for _, host, missing in coverage.gaps] == [("app.example.com", 2)]


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


def test_a_stack_that_is_not_up_is_one_line_for_the_report_and_the_status(monkeypatch, capsys):
    from ops.readings import stack as stack_readings
    from ops.status.__main__ import main as status_main

    monkeypatch.setattr(stack_readings, "read_stack", lambda stack: StackReading(stack.name, {}, {}, []))
    for main, tool in ((report.main, "report"), (status_main, "status")):
        assert main(["--stack", "local"]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"{tool}: stack local has no outputs: it is not up (locally: make up)"]


def test_a_stack_that_does_not_exist_is_bad_input_in_one_line_for_the_report_and_the_status(monkeypatch, capsys):
    from ops.readings import stack as stack_readings
    from ops.stack import CommandFailed
    from ops.status.__main__ import main as status_main

    def missing(stack):
        raise CommandFailed("`pulumi stack output --json` on nosuch failed (exit 255): "
                            "error: no stack named 'nosuch' found", "error: no stack named 'nosuch' found")

    monkeypatch.setattr(stack_readings, "read_stack", missing)
    for main, tool in ((report.main, "report"), (status_main, "status")):
        assert main(["--stack", "nosuch"]) == 2
        [line] = capsys.readouterr().err.strip().splitlines()
        assert line.startswith(f"{tool}: ") and "no stack named 'nosuch'" in line
        assert line.endswith("next: pick one `pulumi stack ls` lists (locally: make up first)")
