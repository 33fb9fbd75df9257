"""EdgeMonitoring under mocks for the committed staging and production stacks.

Mock-only: pulumi-resource-cloudflare cannot be installed here, so the getZone lookup is answered
by the test and nothing reaches Cloudflare.
"""
import pulumi
import pytest

from components.observability import EdgeMonitoring, EdgeMonitoringArgs
from tests.components.component_mocks import run_component, stack_config

COMPONENT = "procurement:observability:EdgeMonitoring"
CHECK = "cloudflare:index/healthcheck:Healthcheck"
POLICY = "cloudflare:index/notificationPolicy:NotificationPolicy"
GET_ZONE = "cloudflare:index/getZone:getZone"
ZONE = "9f3b2c1d4e5a6b7c8d9e0f1a2b3c4d5e"
ACCOUNT = "0123456789abcdef0123456789abcdef"


def zone_lookup(args):
    assert args == {"zoneId": ZONE}
    return {"id": ZONE, "name": "acme-procurement.com", "account": {"id": ACCOUNT, "name": "acme"}}


def build(stack, *, with_app=True, account_id=None):
    def program():
        cfg = stack_config(stack)
        monitoring = EdgeMonitoring("monitoring", EdgeMonitoringArgs(
            zone_id=cfg.edge.zone_id, stack=cfg.stack, health_check=cfg.edge.health_check,
            targets=cfg.observability, api_hostname=cfg.api_hostname,
            app_hostname=cfg.app_hostname if with_app else None, account_id=account_id))
        pulumi.export("policy", monitoring.notification_policy_id)
    return program


EXPECTED = {
    # stack: (api host, app host, interval, consecutive fails, email)
    "staging": ("api-staging.acme-procurement.com", "app-staging.acme-procurement.com", 60, 3,
                "platform-alerts@acme-procurement.com"),
    "production": ("api.acme-procurement.com", "app.acme-procurement.com", 30, 2,
                   "platform-oncall@acme-procurement.com"),
}


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_health_checks_probe_the_public_hosts_with_the_configured_thresholds(stack):
    api_host, app_host, interval, fails, _ = EXPECTED[stack]
    run = run_component(build(stack), stack=stack, invokes={GET_ZONE: zone_lookup})
    component = run.one(COMPONENT, "monitoring")
    api, app = run.one(CHECK, "monitoring-api-health"), run.one(CHECK, "monitoring-app-health")
    assert api.parent == app.parent == component.urn
    assert api.inputs["name"] == f"procurement-{stack}-api-health"
    assert app.inputs["name"] == f"procurement-{stack}-app-health"
    assert (api.inputs["zoneId"], api.inputs["address"], api.inputs["type"]) == (ZONE, api_host, "HTTPS")
    assert api.inputs["httpConfig"] == {"method": "GET", "path": "/health", "port": 443, "expectedCodes": ["200"],
                                        "followRedirects": False, "allowInsecure": False}
    assert app.inputs["address"] == app_host and app.inputs["httpConfig"]["path"] == "/"
    for check in (api, app):
        assert {k: check.inputs[k] for k in ("interval", "timeout", "retries", "consecutiveFails",
                                             "consecutiveSuccesses")} == {
            "interval": interval, "timeout": 5, "retries": 2, "consecutiveFails": fails, "consecutiveSuccesses": 2}
    assert api.inputs["description"] == f"https://{api_host}/health; targets: uptime 99.9%, response < 2000 ms"


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_status_changes_of_this_stacks_checks_are_emailed(stack):
    *_, email = EXPECTED[stack]
    run = run_component(build(stack), stack=stack, invokes={GET_ZONE: zone_lookup})
    policy = run.one(POLICY, "monitoring-alerts")
    assert policy.parent == run.one(COMPONENT, "monitoring").urn
    assert policy.inputs["accountId"] == ACCOUNT
    assert policy.inputs["name"] == f"procurement-{stack}-health-alerts"
    assert policy.inputs["alertType"] == "health_check_status_notification" and policy.inputs["enabled"] is True
    assert policy.inputs["mechanisms"] == {"emails": [{"id": email}]}
    assert policy.inputs["filters"] == {"healthCheckIds": ["monitoring-api-health-id", "monitoring-app-health-id"]}
    assert [i.token for i in run.invokes] == [GET_ZONE]
    assert run.outputs["policy"] == "monitoring-alerts-id"


def test_an_explicit_account_id_skips_the_zone_lookup():
    run = run_component(build("production", account_id="feedfacefeedfacefeedfacefeedface"), stack="production")
    assert run.invokes == []
    assert run.one(POLICY).inputs["accountId"] == "feedfacefeedfacefeedfacefeedface"


def test_a_zone_lookup_without_an_account_fails_with_the_zone_named():
    run = run_component(build("production"), stack="production", invokes={GET_ZONE: {"id": ZONE}}, allow_error=True)
    assert isinstance(run.error, ValueError) and ZONE in str(run.error)


def test_without_an_app_host_only_the_api_is_probed():
    run = run_component(build("staging", with_app=False), invokes={GET_ZONE: zone_lookup})
    assert [r.name for r in run.of_type(CHECK)] == ["monitoring-api-health"]
    assert run.one(POLICY).inputs["filters"] == {"healthCheckIds": ["monitoring-api-health-id"]}
    outputs = run.outputs_of(run.one(COMPONENT).urn)
    assert outputs["api_health_check_id"] == "monitoring-api-health-id"
    assert outputs.get("app_health_check_id") is None
