"""How the pack decides its enforcement level from the stack it judges (policies/enforcement.py).

The real-engine tests show the end result (production mandatory, staging advisory); these pin the
decision itself, including the fallbacks the engine path does not take.
"""
import json
from types import SimpleNamespace

from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel

from policies.enforcement import StackContext, StackFacts, current_facts, facts_from, install_stack_hook
from policies.pack import ALWAYS_MANDATORY, build_policies


def test_environment_comes_from_config_then_from_the_stack_name():
    assert facts_from({"procurement:environment": "production"}, "scratch").environment == "production"
    assert facts_from({}, "acme-procurement/procurement/production").environment == "production"
    assert facts_from({}, None).environment == "unknown"
    assert facts_from({}, None).enforcement is EnforcementLevel.ADVISORY


def test_source_control_facts_are_read_from_the_structured_config():
    config = {"procurement:environment": "production",
              "procurement:tiers": json.dumps({"sourceControl": True}),
              "procurement:sourceControl": json.dumps({"manageRepositorySettings": True, "defaultBranch": "trunk"})}
    assert facts_from(config, "p") == StackFacts("production", source_control_on=True,
                                                 manages_repository_settings=True, default_branch="trunk")
    broken = {"procurement:tiers": "{not json", "procurement:sourceControl": "[1]"}
    assert facts_from(broken, "staging") == StackFacts("staging")


def test_environment_variables_are_the_fallback():
    environ = {"PULUMI_CONFIG": json.dumps({"procurement:environment": "staging"}), "PULUMI_STACK": "x"}
    assert current_facts(environ).environment == "staging"
    assert current_facts({"PULUMI_STACK": "production"}).enforcement is EnforcementLevel.MANDATORY
    assert current_facts({"PULUMI_CONFIG": "garbage"}).environment == "unknown"


def test_configure_stack_sets_every_policy_level():
    from pulumi_policy import policy as policy_module

    original = policy_module._PolicyAnalyzerServicer.ConfigureStack
    context = StackContext(StackFacts("unknown"))
    policies = build_policies(context)
    assert {p.enforcement_level for p in policies if p.name not in ALWAYS_MANDATORY} == {EnforcementLevel.ADVISORY}
    # review-stack-isolation is mandatory on every stack (policies/rule_review.py)
    assert {p.name: p.enforcement_level for p in policies if p.name in ALWAYS_MANDATORY} == \
        {"review-stack-isolation": EnforcementLevel.MANDATORY}
    try:
        install_stack_hook(context)
        servicer = policy_module._PolicyAnalyzerServicer("p", "1", policies, EnforcementLevel.ADVISORY)
        request = analyzer_pb2.AnalyzerStackConfigureRequest(stack="scratch",
                                                             config={"procurement:environment": "production"})
        servicer.ConfigureStack(request, SimpleNamespace())
        assert context.facts.environment == "production"
        assert {p.enforcement_level for p in policies} == {EnforcementLevel.MANDATORY}
    finally:
        policy_module._PolicyAnalyzerServicer.ConfigureStack = original
