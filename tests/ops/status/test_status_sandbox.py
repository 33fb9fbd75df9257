"""`ops.status` over vendor objects scripted through the sandbox's APIs, with the stack's outputs and state faked
(the honest unit: the command reads a stack's outputs, then only the vendors): a healthy platform is all ok or n/a;
a failed deploy, a suspended service, an unhealthy project and a missing backup each turn exactly their line FAIL;
the reads are GETs only, one list call per collection."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from ops.backup.targets import open_target
from ops.readings import restore_tests
from ops.readings.stack import StackReading
from ops.status.checks import FAIL, NA, OK
from ops.status.collect import collect
from tools.sandbox.testing import wait_for
from tests.tools.sandbox.render_traffic import final_status

IMAGE = "ghcr.io/acme/api@sha256:" + "a" * 64
HOST = "api.procurement.test"
CF_CHECK = "cloudflare:index/healthcheck:Healthcheck"
CF_POLICY = "cloudflare:index/notificationPolicy:NotificationPolicy"
DYN = "pulumi-python:dynamic/render:"


def _service(sandbox, name, kind, **details):
    api, owner = sandbox.render.client(), sandbox.render.owner_id
    body = {"type": kind, "name": name, "ownerId": owner}
    if kind == "static_site":
        body["repo"], details = "https://github.com/acme/app", {"buildCommand": "make", "publishPath": "out"}
    else:
        body["image"] = {"ownerId": owner, "imagePath": IMAGE}
        details = {"runtime": "image", **details}
    created = api.post("/services", json={**body, "serviceDetails": details})
    assert created.status_code == 201, created.text
    sid = created.json()["service"]["id"]
    assert final_status(sandbox, sid, created.json()["deployId"]) == "live"
    return sid


def _state(api_id: str) -> list[dict]:
    """The state's resources the coverage rule reads: the API public at HOST, probed and alerted on."""
    urn = lambda t, n: f"urn:pulumi:test::procurement::{t}::{n}"  # noqa: E731
    service, domain = urn(DYN + "Service", "api"), urn(DYN + "CustomDomain", "api-domain")
    check, override = urn(CF_CHECK, "api-health"), urn(DYN + "NotificationOverride", "api-notifications")
    return [
        {"urn": service, "id": api_id, "type": DYN + "Service", "inputs": {"service_type": "web_service"}},
        {"urn": domain, "type": DYN + "CustomDomain", "inputs": {"name": HOST},
         "propertyDependencies": {"service_id": [service]}},
        {"urn": check, "type": CF_CHECK, "inputs": {"address": HOST}},
        {"urn": urn(CF_POLICY, "health-alerts"), "type": CF_POLICY,
         "inputs": {"enabled": True, "alertType": "health_check_status_notification",
                    "mechanisms": {"emails": [{"id": "ops@procurement.test"}]}},
         "propertyDependencies": {"filters": [check]}},
        {"urn": override, "type": DYN + "NotificationOverride", "inputs": {"notifications_to_send": "failure"},
         "propertyDependencies": {"service_id": [service]}},
    ]


@pytest.fixture
def platform(sandbox, tmp_path, monkeypatch):
    """A healthy platform: (the stack's reading, its ids, the env the command sees)."""
    monkeypatch.setenv("RENDER_API_KEY", sandbox.render.token)
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", sandbox.supabase.token)
    ids = {"api": _service(sandbox, "procurement-test-api", "web_service", healthCheckPath="/health"),
           "worker": _service(sandbox, "procurement-test-worker", "background_worker"),
           "frontend": _service(sandbox, "procurement-test-frontend", "static_site")}
    render = sandbox.render.client()
    for sid in ids.values():
        assert render.patch(f"/notification-settings/overrides/services/{sid}",
                            json={"notificationsToSend": "failure"}).status_code == 200
    supabase = sandbox.supabase.client()
    created = supabase.post("/v1/projects", json={"name": "procurement-test-database", "db_pass": "a-password-1",
                                                  "organization_slug": "sandboxlocalorgslugss",
                                                  "region_selection": {"type": "specific", "code": "eu-central-1"}})
    ref = created.json()["ref"]
    wait_for(lambda: supabase.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY", timeout=120)
    now = datetime.now(timezone.utc)
    sandbox.supabase.edit("backups", ref, {"backups": [{"id": 1, "is_physical_backup": True, "status": "COMPLETED",
                                                        "inserted_at": now.isoformat()}]})
    target = f"file://{tmp_path / 'backups'}"
    restore_tests.write(open_target(target), "20260101T000000Z", {
        "result": "ok", "backup": "20251231T030000Z.dump.age", "finished_at": now.isoformat(), "seconds": 42.0,
        "detail": "restored with every row count of its manifest"})
    env = {"BACKUP_TARGET": target}  # no GITHUB_TOKEN: the drift line is n/a
    outputs = {"backend_service_ids": {"api": ids["api"], "worker": ids["worker"]},
               "frontend_service_id": ids["frontend"], "supabase_project_ref": ref}
    config = {"procurement:renderApiUrl": sandbox.render.base_url, "procurement:supabaseApiUrl":
              sandbox.supabase.base_url, "procurement:database": {}}
    sandbox.clear_journal()
    return StackReading("test", outputs, config, _state(ids["api"])), ids, env


def states(stack, env) -> dict[str, str]:
    return {c.name: c.state for c in collect(stack, datetime.now(timezone.utc), env)}


def failing(stack, env) -> list[str]:
    return [name for name, state in states(stack, env).items() if state == FAIL]


def test_a_healthy_platform_is_all_ok_and_reads_only(platform, sandbox):
    stack, ids, env = platform
    found = states(stack, env)
    assert {n for n, s in found.items() if s == NA} == {
        "frontend: instances",  # served by the CDN
        "database: PITR",  # the stack sets no pitrDays
        "last drift check",  # no GITHUB_TOKEN here
    }
    assert [n for n, s in found.items() if s == FAIL] == []
    assert set(found.values()) == {OK, NA} and "alert routing" in found and "database: restore test" in found
    journal = sandbox.journal()
    assert journal and {e.method for e in journal} == {"GET"}
    for sid in ids.values():  # one list call per collection
        assert sum(e.path.endswith(f"/services/{sid}/deploys") for e in journal) == 1
    assert sum(e.path.endswith("/instances") for e in journal) == 2  # the static site has none


def test_a_failed_deploy_turns_only_its_line_red(platform, sandbox):
    stack, ids, env = platform
    sandbox.render.add_fault("deploy_fail", deploy_status="update_failed", method="POST",
                             path="/v1/services/{id}/deploys")
    failed = sandbox.render.client().post(f"/services/{ids['api']}/deploys", json={})
    assert final_status(sandbox, ids["api"], failed.json()["id"]) == "update_failed"
    assert failing(stack, env) == ["api: last deploy"]


def test_a_suspended_service_turns_only_its_line_red(platform, sandbox):
    stack, ids, env = platform
    assert sandbox.render.client().post(f"/services/{ids['worker']}/suspend").status_code == 202
    assert failing(stack, env) == ["worker: suspended"]


def test_an_unhealthy_project_turns_only_its_line_red(platform, sandbox):
    stack, _, env = platform
    sandbox.supabase.databases[stack.outputs["supabase_project_ref"]].stop()  # its Postgres is down
    assert failing(stack, env) == ["database: project"]


def test_a_missing_backup_turns_only_its_line_red(platform, sandbox):
    stack, _, env = platform
    ref = stack.outputs["supabase_project_ref"]
    sandbox.supabase.edit("backups", ref, {"backups": []})
    assert failing(stack, env) == [] and states(stack, env)["database: newest backup"] == NA  # a new project
    two_days_ago = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat()
    sandbox.supabase.edit("projects", ref, {"created_at": two_days_ago})
    assert failing(stack, env) == ["database: newest backup"]


def test_alert_routing_gaps_fail_where_the_rule_is_mandatory_and_a_silenced_override_everywhere(platform, sandbox):
    stack, ids, env = platform
    unprobed = [r for r in stack.resources if r["type"] != CF_CHECK]
    local = dataclasses.replace(stack, config={**stack.config, "procurement:environment": "local"}, resources=unprobed)
    production = dataclasses.replace(local, config={**stack.config, "procurement:environment": "production"})
    assert failing(local, env) == [] and states(local, env)["alert routing"] == NA
    assert failing(production, env) == ["alert routing"]
    assert sandbox.render.client().patch(f"/notification-settings/overrides/services/{ids['api']}",
                                         json={"notificationsToSend": "none"}).status_code == 200
    assert failing(dataclasses.replace(stack, config=local.config), env) == ["alert routing"]
