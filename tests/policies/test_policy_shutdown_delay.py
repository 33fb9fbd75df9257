"""`render-web-shutdown-delay`: production web services choose how long old instances finish their requests.

Constructed resources take the rule both ways (the components always set the delay in production, so only a
constructed graph can leave it out); the committed production graph passes it. Under the real engine:
test_policy_pack_engine.py.
"""
import pytest

from policies.enforcement import StackFacts
from tests.components.platform_mocks import run_stack
from tests.policies.policy_args import judge, judge_records, resource_args

SERVICE = "pulumi-python:dynamic/render:Service"
RULE = "render-web-shutdown-delay"
WEB = {"owner_id": "tea-x", "service_type": "web_service", "health_check_path": "/health", "num_instances": 2,
       "image": "ghcr.io/acme/app", "image_digest": "sha256:" + "ab" * 32, "auto_deploy": False}


def found(facts, **props):
    service = resource_args(SERVICE, "api", {"name": "api", **WEB, **props})
    return [(v.policy, v.level) for v in judge(facts, resources=[service]) if v.policy == RULE]


def test_a_production_web_service_on_renders_default_delay_is_a_mandatory_violation():
    assert found(StackFacts("production")) == [(RULE, "mandatory")]
    (violation,) = [v for v in judge(StackFacts("production"), resources=[resource_args(SERVICE, "api", WEB)])
                    if v.policy == RULE]
    assert "'api'" in violation.message and "procurement:backend.shutdownDelaySeconds" in violation.message


@pytest.mark.parametrize("facts, props", [
    (StackFacts("production"), {"max_shutdown_delay_seconds": 60}),
    (StackFacts("production"), {"max_shutdown_delay_seconds": 30}),  # chosen, even if equal to the default
    (StackFacts("production"), {"max_shutdown_delay_seconds": 45.0}),  # how the engine hands numbers over
    (StackFacts("staging"), {}),  # production stacks only
    (StackFacts("local"), {}),
    (StackFacts("production"), {"service_type": "background_worker"}),  # web services only
])
def test_a_chosen_delay_or_another_stack_or_service_kind_passes(facts, props):
    assert found(facts, **props) == []


def test_the_committed_production_graph_sets_the_delay_on_every_web_service():
    run = run_stack("production", preview=True)
    web = [r for r in run.of_type(SERVICE) if r.inputs.get("service_type") == "web_service"]
    assert web and all(r.inputs.get("max_shutdown_delay_seconds") == 60 for r in web)  # Pulumi.production.yaml
    assert [v for v in judge_records(StackFacts("production"), run.resources) if v.policy == RULE] == []
