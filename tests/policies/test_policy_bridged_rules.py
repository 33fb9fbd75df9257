"""Cloudflare and GitHub rules of the pack, on the graphs the real Edge and SourceControl components register.

Why not the real engine here: these rules judge `cloudflare:index/zoneSetting:ZoneSetting` and
`github:index/repository*` resources, and the engine only hands a resource to a policy pack after its
provider plugin has checked it. The bridged plugins (pulumi-resource-cloudflare 6.23.1,
pulumi-resource-github 6.15.0) can be neither built (the Go module proxy refuses their provider
modules, 403) nor downloaded (no GitHub release access) on this machine, so any preview declaring one
fails with "no resource plugin ... found" before the pack runs (tools/engine/README.md; the real-engine
path is covered for the dynamic-resource rules in test_policy_pack_engine.py). Instead, as
pulumi-policy's own tests do, each policy's `validate` is called with constructed
`ResourceValidationArgs`/`StackValidationArgs` built from what the components register under
Pulumi's mocks (tests/components/component_mocks.py): the same wire-named inputs the engine would send.
"""
import dataclasses

import pulumi

from components.edge import Edge, EdgeArgs
from components.source_control import SourceControl, SourceControlArgs
from policies.enforcement import StackFacts
from tests.components.component_mocks import run_component, stack_config
from tests.policies.policy_args import args_of, judge, judge_records, resource_args

PRODUCTION = StackFacts("production", source_control_on=True, manages_repository_settings=True)
STAGING = StackFacts("staging", source_control_on=True, manages_repository_settings=False)
EDGE_ONLY = StackFacts("production")  # the edge graphs alone: no source-control tier in them
ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
REPOSITORY = "github:index/repository:Repository"
GET_TEAM = "github:index/getTeam:getTeam"


def edge_run(change=None):
    def program():
        cfg = stack_config("production")
        edge_cfg = change(cfg.edge) if change else cfg.edge
        targets = {cfg.api_hostname: pulumi.Output.from_input("procurement-production-api.onrender.com"),
                   cfg.app_hostname: pulumi.Output.from_input("procurement-production-web.onrender.com")}
        Edge("edge", EdgeArgs(config=edge_cfg, stack=cfg.stack, dns_targets=targets,
                              api_hostname=cfg.api_hostname, app_hostname=cfg.app_hostname))
    return run_component(program, stack="production")


def source_control_run(stack="production"):
    def program():
        cfg = stack_config(stack)
        SourceControl("sc", SourceControlArgs(
            config=cfg.source_control, stack=cfg.stack, environment=cfg.environment,
            environment_secrets={"infrastructure": {"DATABASE_URL": pulumi.Output.secret(
                "postgresql://procurement_api:pw@db.example/postgres")}}))
    return run_component(program, stack=stack,
                         invokes={GET_TEAM: lambda args: {"id": "4242", "slug": args["slug"]}})


def by_policy(violations):
    return sorted({v.policy for v in violations})


def test_production_edge_passes_every_rule():
    run = edge_run()
    assert {r.inputs["settingId"] for r in run.of_type(ZONE_SETTING)} >= {"ssl", "min_tls_version", "security_header"}
    assert judge_records(EDGE_ONLY, run.resources) == []


def test_weak_tls_settings_are_mandatory_violations_in_production():
    def weaken(edge):
        return dataclasses.replace(edge, ssl_mode="full", min_tls_version="1.0",
                                   hsts=dataclasses.replace(edge.hsts, enabled=False))
    violations = judge_records(EDGE_ONLY, edge_run(weaken).resources)
    assert by_policy(violations) == ["cloudflare-hsts-on", "cloudflare-min-tls-1-2", "cloudflare-ssl-strict"]
    assert {v.level for v in violations} == {"mandatory"}
    messages = {v.policy: v.message for v in violations}
    assert "'edge-ssl' sets SSL mode 'full'" in messages["cloudflare-ssl-strict"]
    assert "allows TLS 1.0" in messages["cloudflare-min-tls-1-2"]
    assert "does not enable HSTS" in messages["cloudflare-hsts-on"]


def test_short_hsts_max_age_and_tls_1_1_are_violations_and_advisory_outside_production():
    def weaken(edge):
        return dataclasses.replace(edge, min_tls_version="1.1",
                                   hsts=dataclasses.replace(edge.hsts, max_age_seconds=86400))
    violations = judge_records(StackFacts("staging"), edge_run(weaken).resources)
    assert by_policy(violations) == ["cloudflare-hsts-on", "cloudflare-min-tls-1-2"]
    assert {v.level for v in violations} == {"advisory"}
    assert "max-age 86400" in next(v.message for v in violations if v.policy == "cloudflare-hsts-on")


def test_tls_1_3_minimum_is_accepted():
    run = edge_run(lambda edge: dataclasses.replace(edge, min_tls_version="1.3"))
    assert judge_records(EDGE_ONLY, run.resources) == []


def test_zone_owner_dropping_the_hsts_setting_is_reported():
    records = [r for r in edge_run().resources if r.name != "edge-hsts"]
    violations = judge_records(EDGE_ONLY, records)
    assert by_policy(violations) == ["cloudflare-zone-security-complete"]
    assert "not security_header" in violations[0].message


def test_a_stack_without_zone_settings_is_not_judged_by_the_zone_rules():
    run = edge_run(lambda edge: dataclasses.replace(edge, manage_zone_settings=False))
    assert run.of_type(ZONE_SETTING) == []
    assert judge_records(EDGE_ONLY, run.resources) == []


def test_production_source_control_passes_with_a_ruleset_per_repository():
    run = source_control_run()
    assert len(run.of_type(REPOSITORY)) == 3 and len(run.of_type(RULESET)) == 3
    assert judge_records(PRODUCTION, run.resources) == []


def test_staging_source_control_declares_no_repository_and_is_not_judged():
    run = source_control_run("staging")
    assert run.of_type(REPOSITORY) == []
    assert judge_records(STAGING, run.resources) == []


def test_a_repository_without_its_ruleset_is_a_mandatory_violation():
    run = source_control_run()
    records = [r for r in run.resources if r.name != "sc-infrastructure-default-branch"]
    violations = judge_records(PRODUCTION, records)
    assert [(v.policy, v.level) for v in violations] == [("github-main-branch-ruleset", "mandatory")]
    assert violations[0].message == "Repository 'procurement-infra' has no ruleset on its default branch 'main'."
    assert violations[0].urn == run.one(REPOSITORY, "sc-infrastructure").urn


def test_a_ruleset_that_allows_force_pushes_or_is_disabled_does_not_count():
    run = source_control_run()
    ruleset = run.one(RULESET, "sc-backend-default-branch")
    weakened = dataclasses.replace(ruleset, inputs={
        **ruleset.inputs, "enforcement": "evaluate",
        "rules": {k: v for k, v in ruleset.inputs["rules"].items() if k != "nonFastForward"}})
    records = [weakened if r is ruleset else r for r in run.resources]
    violations = judge_records(PRODUCTION, records)
    assert by_policy(violations) == ["github-main-branch-ruleset"]
    assert "'procurement-system'" in violations[0].message
    assert "enforcement is 'evaluate'" in violations[0].message and "nonFastForward" in violations[0].message


def test_a_ruleset_on_another_branch_does_not_protect_main():
    run = source_control_run()
    ruleset = run.one(RULESET, "sc-frontend-default-branch")
    moved = dataclasses.replace(ruleset, inputs={
        **ruleset.inputs, "conditions": {"refName": {"includes": ["refs/heads/release"], "excludes": []}}})
    violations = judge_records(PRODUCTION, [moved if r is ruleset else r for r in run.resources])
    assert [v.message for v in violations] == ["Repository 'procurement' has no ruleset on its default branch 'main'."]


def test_owning_repository_settings_without_any_repository_is_reported():
    violations = judge(PRODUCTION, stack=[])
    assert by_policy(violations) == ["github-main-branch-ruleset"]
    assert "manageRepositorySettings is on" in violations[0].message


def test_github_actions_secret_values_are_secret_and_a_plain_one_is_reported():
    run = source_control_run()
    secret = run.one("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret")
    assert judge(PRODUCTION, resources=[args_of(secret)]) == []
    plain = resource_args(secret.type, secret.name, dict(secret.inputs))  # secret marker dropped
    violations = judge(PRODUCTION, resources=[plain])
    assert by_policy(violations) == ["no-plaintext-secrets"]
    assert "input 'value' is plain text but its value looks like a URL with a password" in violations[0].message
    assert "pw@" not in violations[0].message  # the value itself is never repeated


def test_a_secrets_variable_name_and_fingerprint_are_not_secrets_themselves():
    # Render's registry and log-stream resources name the environment variable their token is read
    # from and keep a fingerprint of it (docs/explanation/secrets.md): neither is the token.
    from policies.rule_secrets import secret_key

    assert not secret_key("auth_token_env") and not secret_key("token_fingerprint")
    assert secret_key("auth_token") and secret_key("token")


def test_an_empty_secret_config_object_is_not_a_plain_text_secret():
    # The default dynamic provider's inputs are the whole stack config, objects as JSON text: an unset
    # `procurement:appSecrets` arrives as "{}" in plain text, which holds nothing.
    from policies.rule_secrets import findings

    assert list(findings({"procurement:appSecrets": "{}", "procurement:x": "[]"})) == []
    assert [path for path, _ in findings({"procurement:appSecrets": '{"backend": {"env": {"A": "b"}}}'})] == \
        ["procurement:appSecrets"]
