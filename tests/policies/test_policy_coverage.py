"""`public-service-monitored`, both ways: on the committed graphs (under mocks, with the Cloudflare checks the real
components register) every public service is covered; take away a health check, its notification policy or a
service's Render override and production's preview fails naming the service and what is missing (staging: the
same, advisory). Under the real engine, a program with a public Render service and no monitoring fails a
production preview (the Cloudflare half cannot run here: test_policy_bridged_rules.py says why)."""
from __future__ import annotations

import dataclasses

import pytest

from policies.enforcement import facts_from
from tests.components.platform_mocks import run_stack
from tests.policies.policy_args import judge_records
from tests.policies.policy_engine import preview_with_pack
from tests.policies.test_policy_pack_engine import COMMON, scratch

RULE = "public-service-monitored"
CHECK = "cloudflare:index/healthcheck:Healthcheck"
POLICY = "cloudflare:index/notificationPolicy:NotificationPolicy"
OVERRIDE = "pulumi-python:dynamic/render:NotificationOverride"


@pytest.fixture(scope="module")
def runs():
    return {stack: run_stack(stack, preview=True) for stack in ("staging", "production")}


def coverage(run, records=None):
    found = judge_records(facts_from(run.config.values, run.stack), records if records is not None else run.resources)
    return [v for v in found if v.policy == RULE]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_every_public_service_of_the_committed_stacks_is_covered(runs, stack):
    run = runs[stack]
    # Both public hosts are probed, alerted on, and both services have an alerting override.
    suffix = "" if stack == "production" else "-staging"
    assert {c.inputs["address"] for c in run.of_type(CHECK)} == {f"api{suffix}.acme-procurement.com",
                                                                 f"app{suffix}.acme-procurement.com"}
    assert {o.name for o in run.of_type(OVERRIDE)} >= {"alerting-api-notifications",
                                                        "alerting-frontend-site-notifications"}
    assert coverage(run) == []


def test_production_without_the_app_health_check_fails_naming_the_site(runs):
    run = runs["production"]
    records = [r for r in run.resources if r.name != "observability-app-health"]
    (violation,) = coverage(run, records)
    assert violation.level == "mandatory"
    assert "'frontend-site' (app.acme-procurement.com)" in violation.message
    assert "no Cloudflare health check probes app.acme-procurement.com" in violation.message


def test_production_without_an_alert_route_fails(runs):
    run = runs["production"]
    # No notification policy: the health checks alert nobody.
    no_policy = coverage(run, [r for r in run.resources if r.type != POLICY])
    assert {v.level for v in no_policy} == {"mandatory"} and len(no_policy) == 2
    assert all("no enabled Cloudflare notification policy" in v.message for v in no_policy)
    # A disabled policy is no route either.
    policy = run.one(POLICY)
    disabled = dataclasses.replace(policy, inputs={**policy.inputs, "enabled": False})
    assert len(coverage(run, [disabled if r is policy else r for r in run.resources])) == 2
    # The API's Render override removed, or sending nothing: its failures reach nobody.
    override = run.one(OVERRIDE, "alerting-api-notifications")
    (missing,) = coverage(run, [r for r in run.resources if r is not override])
    assert "'backend-api' (api.acme-procurement.com)" in missing.message and "Render notification override" in \
        missing.message
    silenced = dataclasses.replace(override, inputs={**override.inputs, "notifications_to_send": "none"})
    assert len(coverage(run, [silenced if r is override else r for r in run.resources])) == 1


def test_staging_gaps_are_advisory(runs):
    run = runs["staging"]
    found = coverage(run, [r for r in run.resources if r.type != CHECK])
    assert len(found) == 2 and {v.level for v in found} == {"advisory"}


UNMONITORED = COMMON + """
from dynamic_providers.render import CustomDomain, NotificationOverride
api = Service("api", name="coverage-api", owner_id=OWNER, service_type="web_service", plan="standard",
              health_check_path="/health", num_instances=2, **IMAGE)
CustomDomain("api-domain", service_id=api.id, name="api.coverage.example.com")
worker = Service("worker", name="coverage-worker", owner_id=OWNER, service_type="background_worker",
                 plan="standard", start_command="python -m worker", **IMAGE)    # not public: not judged
web = Service("web", name="coverage-web", owner_id=OWNER, service_type="web_service", plan="standard",
              health_check_path="/health", num_instances=2, **IMAGE)
CustomDomain("web-domain", service_id=web.id, name="web.coverage.example.com")
NotificationOverride("web-notifications", service_id=web.id, notifications_to_send="failure")
"""


@pytest.mark.parametrize("environment, level, ok", [("production", "mandatory", False), ("staging", "advisory", True)])
def test_real_engine_preview_fails_production_for_an_unmonitored_public_service(tmp_path, pulumi_env, sandbox,
                                                                                environment, level, ok):
    project, env = scratch(tmp_path, pulumi_env, sandbox, UNMONITORED, environment)
    run = preview_with_pack(project, env, environment)
    assert (run.returncode == 0) is ok, run.output
    found = {(v.resource, v.level): v.message for v in run.violations if v.policy == RULE}
    assert set(found) == {("api", level), ("web", level)}, run.output
    assert "no Cloudflare health check probes api.coverage.example.com" in found[("api", level)]
    assert "no Render notification override" in found[("api", level)]
    # The web service has its Render route: only the (Cloudflare) health check is missing.
    assert "no Render notification override" not in found[("web", level)]
    assert sandbox.render.journal.entries() == []  # a preview makes no API call
