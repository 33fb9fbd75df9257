"""The whole program's staging and production graphs, judged by the pack as the analyzer would.

The committed stacks cannot be previewed by the real engine here (their Cloudflare, GitHub and
Docker plugins cannot be installed; test_policy_bridged_rules.py says why), so the program runs
under Pulumi's mocks (tests/components/platform_mocks.py) and every resource it registers goes
through every policy, at the level the stack's environment calls for. Production must pass with
nothing to report: a mandatory violation here is a preview CI would fail.
"""
import pytest

from policies.enforcement import facts_from
from tests.components.platform_mocks import run_stack
from tests.policies.policy_args import judge_records


def facts_of(run):
    return facts_from(run.config.values, run.stack)


def repo_built_findings(run, violations):
    """The one gap production's graph may still show: `render-production-image-pinned` on a service Render builds
    from a repository (the backup cron job, components/backups.py, until it runs an image by digest too). Only
    while the graph really has such a service; the rule itself is tested on constructed graphs
    (test_policy_security_rules.py)."""
    repo_built = {r.name for r in run.of_type("pulumi-python:dynamic/render:Service")
                  if r.inputs.get("repo") and r.inputs.get("service_type") != "static_site"}
    return [v for v in violations if v.policy == "render-production-image-pinned" and v.name in repo_built]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_committed_stack_passes_every_rule(stack):
    run = run_stack(stack, preview=True)
    facts = facts_of(run)
    assert facts.environment == stack
    types = {r.type for r in run.resources}
    # The pack judged the graph it exists for: every tier's resources are in it.
    assert {"pulumi-python:dynamic/render:Service", "pulumi-python:dynamic/supabase:Project",
            "cloudflare:index/dnsRecord:DnsRecord"} <= types
    violations = judge_records(facts, run.resources)
    violations = [v for v in violations if v not in repo_built_findings(run, violations)]
    assert violations == [], "\n".join(f"{v.level} {v.policy} {v.name}: {v.message}" for v in violations)


def test_production_judges_the_zone_settings_and_rulesets_it_owns():
    run = run_stack("production", preview=True)
    facts = facts_of(run)
    assert facts.manages_repository_settings and facts.source_control_on
    assert facts.enforcement.value == "mandatory"
    settings = {r.inputs["settingId"] for r in run.of_type("cloudflare:index/zoneSetting:ZoneSetting")}
    assert {"ssl", "min_tls_version", "security_header"} <= settings
    assert len(run.of_type("github:index/repositoryRuleset:RepositoryRuleset")) == 3
    project = run.one("pulumi-python:dynamic/supabase:Project")
    assert project.protect is True
