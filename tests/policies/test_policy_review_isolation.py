"""`review-stack-isolation`: the review stack's own graph passes, a graph that reaches shared or untagged objects
fails, staging may hold no branch, and the rule is mandatory whatever the stack's environment."""
import pytest

from policies.enforcement import StackFacts, facts_from
from policies.rule_review import NAME
from tests.components.platform_mocks import REVIEW_PR, run_review_stack, run_stack
from tests.policies.policy_args import judge, judge_records, resource_args

REVIEW = StackFacts("review", review_pr=REVIEW_PR)
STAGING = StackFacts("staging")


def isolation(violations):
    return [v for v in violations if v.policy == NAME]


@pytest.fixture(scope="module", params=["local", "staging"])
def review_run(request):
    return run_review_stack(request.param)


def test_the_review_stack_the_program_declares_passes(review_run):
    facts = facts_from(review_run.config.values, review_run.stack)
    assert facts == StackFacts("review", review_pr=REVIEW_PR)
    assert isolation(judge_records(facts, review_run.resources)) == []


@pytest.mark.parametrize("type_, props, fragment", [
    ("pulumi-python:dynamic/supabase:Project", {"name": "procurement-pr-7-database"}, "is a Supabase project"),
    ("cloudflare:index/dnsRecord:DnsRecord", {"name": "api-pr-7"}, "belong to staging and production"),
    ("github:index/repository:Repository", {"name": "procurement"}, "belong to staging and production"),
    ("pulumi-python:dynamic/render:CustomDomain", {"name": "pr-7.acme-procurement.com"}, "is a custom domain"),
    ("pulumi-python:dynamic/render:Service", {"name": "procurement-staging-api"}, "without the tag"),
    ("pulumi-python:dynamic/render:Service", {"name": "procurement-pr-8-api"}, "without the tag"),
    ("pulumi-python:dynamic/supabase:Branch", {"name": "preview"}, "without the tag"),
])
def test_what_a_review_stack_must_not_declare_is_a_mandatory_violation(type_, props, fragment):
    found = isolation(judge(REVIEW, resources=[resource_args(type_, "x", props)]))
    assert found and all(v.level == "mandatory" for v in found), found
    assert any(fragment in v.message for v in found), found


def test_tagged_names_and_postgres_objects_pass():
    resources = [resource_args("pulumi-python:dynamic/render:Service", "a", {"name": "procurement-pr-7-api"}),
                 resource_args("pulumi-python:dynamic/supabase:Branch", "b", {"name": "pr-7"}),
                 resource_args("pulumi-python:dynamic/supabase:SqlRole", "c", {"name": "procurement_api"})]
    assert isolation(judge(REVIEW, resources=resources)) == []


def test_staging_may_not_hold_a_branch_and_is_judged_mandatory_for_it():
    branch = resource_args("pulumi-python:dynamic/supabase:Branch", "db", {"name": "pr-7"})
    found = isolation(judge(STAGING, resources=[branch]))
    assert len(found) == 1 and found[0].level == "mandatory" and "never staging's" in found[0].message
    # ... while the other rules stay advisory on staging.
    others = judge(STAGING, resources=[resource_args("pulumi-python:dynamic/supabase:SslEnforcement", "s",
                                                     {"enforced": False})])
    assert others and {v.level for v in others} == {"advisory"}


def test_the_committed_staging_stack_passes():
    run = run_stack("staging", preview=True)
    assert isolation(judge_records(facts_from(run.config.values, run.stack), run.resources)) == []


def test_the_pull_request_comes_from_the_config_or_else_the_stack_name():
    assert facts_from({"procurement:environment": "review", "procurement:review": '{"pr": 12}'}, "org/p/pr-12") \
        .review_pr == 12
    assert facts_from({"procurement:environment": "review"}, "org/procurement/pr-5").review_pr == 5
    assert facts_from({"procurement:environment": "staging"}, "org/procurement/pr-5").review_pr is None
