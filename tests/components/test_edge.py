"""Edge under mocks for the committed staging and production stacks.

Mock-only: pulumi-resource-cloudflare cannot be installed here, so these tests check the graph the
component registers (types, names, inputs, parents, options), not Cloudflare's answers.
"""
import pulumi
import pytest
import yaml

from components.edge import Edge, EdgeArgs
from tests.components.component_mocks import run_component, stack_config
from tests.mock_harness import PROJECT_ROOT

COMPONENT = "procurement:edge:Edge"
DNS = "cloudflare:index/dnsRecord:DnsRecord"
SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
RULESET = "cloudflare:index/ruleset:Ruleset"
ZONE = "9f3b2c1d4e5a6b7c8d9e0f1a2b3c4d5e"


def targets(cfg):
    """What the Render custom domains would report, as Outputs (the caller passes Outputs)."""
    prefix = f"procurement-{cfg.stack}"
    return {cfg.api_hostname: pulumi.Output.from_input(f"{prefix}-api.onrender.com"),
            cfg.app_hostname: pulumi.Output.from_input(f"{prefix}-web.onrender.com")}


def build(stack, overrides=None, dns_targets=targets):
    def program():
        cfg = stack_config(stack, overrides)
        edge = Edge("edge", EdgeArgs(config=cfg.edge, stack=cfg.stack, dns_targets=dns_targets(cfg),
                                     api_hostname=cfg.api_hostname, app_hostname=cfg.app_hostname))
        pulumi.export("record_ids", edge.record_ids)
    return program


def test_staging_only_adds_its_own_proxied_hostnames():
    run = run_component(build("staging"))
    component = run.one(COMPONENT, "edge")
    children = run.children_of(component)
    assert sorted(r.name for r in children) == ["edge-dns-api-staging", "edge-dns-app-staging"]
    assert run.of_type(SETTING) == [] and run.of_type(RULESET) == []
    api = run.one(DNS, "edge-dns-api-staging")
    assert api.parent == component.urn
    assert {k: api.inputs[k] for k in ("zoneId", "name", "type", "content", "proxied", "ttl")} == {
        "zoneId": ZONE, "name": "api-staging.acme-procurement.com", "type": "CNAME",
        "content": "procurement-staging-api.onrender.com", "proxied": True, "ttl": 1}
    assert run.one(DNS, "edge-dns-app-staging").inputs["content"] == "procurement-staging-web.onrender.com"
    assert api.protect is None and api.retain_on_delete is None
    assert run.outputs["record_ids"] == {"api-staging.acme-procurement.com": "edge-dns-api-staging-id",
                                         "app-staging.acme-procurement.com": "edge-dns-app-staging-id"}
    outputs = run.outputs_of(component.urn)
    assert outputs["manages_zone_settings"] is False
    assert outputs["zone_id"] == ZONE
    assert "rate_limit_ruleset_id" not in outputs or outputs["rate_limit_ruleset_id"] is None


def test_production_owns_the_zone_settings_with_strict_tls_and_hsts():
    run = run_component(build("production"), stack="production")
    component = run.one(COMPONENT, "edge")
    settings = {r.name: r for r in run.of_type(SETTING)}
    assert {name: (r.inputs["settingId"], r.inputs["value"]) for name, r in settings.items()} == {
        "edge-ssl": ("ssl", "strict"),
        "edge-min-tls": ("min_tls_version", "1.2"),
        "edge-tls13": ("tls_1_3", "on"),
        "edge-always-https": ("always_use_https", "on"),
        "edge-security-level": ("security_level", "high"),
        "edge-hsts": ("security_header", {"strict_transport_security": {
            "enabled": True, "max_age": 31536000, "include_subdomains": True, "preload": False, "nosniff": True}}),
    }
    for setting in settings.values():
        assert setting.parent == component.urn and setting.inputs["zoneId"] == ZONE
        assert setting.retain_on_delete is True
    assert sorted(r.name for r in run.of_type(DNS)) == ["edge-dns-api", "edge-dns-app"]
    assert run.one(DNS, "edge-dns-api").inputs["name"] == "api.acme-procurement.com"


def edge_ruleset(run, name):
    """The edge component's ruleset `name` (checked to be its child): its zone, kind, phase and name; its rules."""
    ruleset = run.one(RULESET, name)
    assert ruleset.parent == run.one(COMPONENT, "edge").urn
    inputs = ruleset.inputs
    return (inputs["zoneId"], inputs["kind"], inputs["phase"], inputs["name"]), inputs["rules"]


def test_production_rate_limits_the_api_host_per_client_ip():
    run = run_component(build("production"), stack="production")
    header, [rule] = edge_ruleset(run, "edge-rate-limit")
    assert header == (ZONE, "zone", "http_ratelimit", "procurement-production-rate-limit")
    assert rule["expression"] == '(http.host eq "api.acme-procurement.com")'
    assert rule["action"] == "block" and rule["ref"] == "procurement_api_rate_limit"
    assert rule["ratelimit"] == {"characteristics": ["cf.colo.id", "ip.src"], "period": 60,
                                 "requestsPerPeriod": 300, "mitigationTimeout": 600}
    assert run.outputs_of(run.one(COMPONENT, "edge").urn)["rate_limit_ruleset_id"] == "edge-rate-limit-id"


def test_production_caches_static_assets_on_the_app_host():
    run = run_component(build("production"), stack="production")
    ruleset = run.one(RULESET, "edge-cache-rules")
    assert ruleset.inputs["phase"] == "http_request_cache_settings"
    [rule] = ruleset.inputs["rules"]
    assert rule["expression"] == ('(http.host eq "app.acme-procurement.com" and http.request.uri.path.extension in '
                                  '{"js" "css" "woff2" "png" "svg" "ico" "webp"})')
    assert rule["action"] == "set_cache_settings"
    assert rule["actionParameters"] == {"cache": True,
                                        "edgeTtl": {"mode": "override_origin", "default": 2592000},
                                        "browserTtl": {"mode": "override_origin", "default": 86400}}


def _production_edge(**changes):
    edge = yaml.safe_load((PROJECT_ROOT / "Pulumi.production.yaml").read_text())["config"]["procurement:edge"]
    for path, value in changes.items():
        node = edge
        *parents, leaf = path.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    return {"procurement:edge": edge}


def test_a_challenge_action_gets_the_zero_mitigation_timeout_the_api_requires():
    run = run_component(build("production", _production_edge(**{"rateLimit.action": "managed_challenge"})),
                        stack="production")
    [rule] = run.one(RULESET, "edge-rate-limit").inputs["rules"]
    assert rule["action"] == "managed_challenge" and rule["ratelimit"]["mitigationTimeout"] == 0


def test_zone_settings_follow_the_ownership_flag_not_the_environment():
    run = run_component(build("production", _production_edge(manageZoneSettings=False)), stack="production")
    assert run.of_type(SETTING) == [] and run.of_type(RULESET) == []
    assert len(run.of_type(DNS)) == 2


def test_no_cache_rules_configured_means_no_cache_ruleset():
    run = run_component(build("production", _production_edge(cacheRules=[])), stack="production")
    assert sorted(r.name for r in run.of_type(RULESET)) == ["edge-managed-waf", "edge-rate-limit"]  # registration order varies


def test_production_runs_the_managed_waf_its_plan_allows():
    run = run_component(build("production"), stack="production")
    header, [rule] = edge_ruleset(run, "edge-managed-waf")
    assert header == (ZONE, "zone", "http_request_firewall_managed", "procurement-production-managed-waf")
    # edge.managedWaf defaults to free: the Free Managed Ruleset, which every Cloudflare plan has.
    assert {k: rule[k] for k in ("action", "actionParameters", "expression", "enabled")} == {
        "action": "execute", "actionParameters": {"id": "77454fe2d30c4220b5701f6fdfb893ba"}, "expression": "true",
        "enabled": True}
    assert run.outputs_of(run.one(COMPONENT, "edge").urn)["managed_waf_ruleset_id"] == "edge-managed-waf-id"

    full = run_component(build("production", _production_edge(managedWaf="full")), stack="production")
    assert [r["actionParameters"]["id"] for r in full.one(RULESET, "edge-managed-waf").inputs["rules"]] == [
        "efb7b8c949ac4650a09736fc376e9aee", "4814384a9e5d4991b9815dcfc25d2f1f"]  # Cloudflare Managed, OWASP Core


def test_a_hostname_outside_the_zone_is_refused_before_anything_is_registered():
    def outside(cfg):
        return {"api.example.org": "x.onrender.com"}

    run = run_component(build("staging", dns_targets=outside), allow_error=True)
    assert isinstance(run.error, ValueError)
    assert "api.example.org" in str(run.error) and "acme-procurement.com" in str(run.error)
    assert run.of_type(DNS) == []


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_every_child_is_parented_to_the_component_and_named_after_it(stack):
    run = run_component(build(stack), stack=stack)
    component = run.one(COMPONENT, "edge")
    children = [r for r in run.resources if r.type != COMPONENT]
    assert children and all(r.parent == component.urn and r.name.startswith("edge-") for r in children)
