"""The review stack's cost per hour: from a `pulumi preview --json` plan, the Render price table and the parent
project's billing/addons compute prices (recorded answer, and the sandbox's)."""
import json

import pytest

from ops.review import cost
from ops.supabase_api import client
from tools.sandbox.recordings import recordings_dir
from tests.tools.sandbox.supabase_projects import new_project

RECORDED = recordings_dir() / "supabase" / "GET_v1_projects___PROJECT_REF___billing_addons" / "default.response.json"
STACK = "urn:pulumi:pr-7::procurement::"


def step(op, logical, type_, **inputs):
    urn = f"{STACK}{type_}::{logical}"
    return {"op": op, "urn": urn, "newState": {"urn": urn, "type": type_, "inputs": inputs}}


def service(op, logical, **inputs):
    return step(op, logical, cost.RENDER_SERVICE, **inputs)


def branch(op, logical, **inputs):
    return step(op, logical, cost.SUPABASE_BRANCH, **inputs)


def recorded_prices():
    return cost.compute_prices(json.loads(RECORDED.read_text())["body"])


def test_compute_prices_are_the_recorded_hourly_variants():
    prices = recorded_prices()
    assert prices["micro"] == 0.01344 and prices["small"] == 0.0206 and prices["large"] == 0.1517
    assert "cd_default" not in prices and "default" not in prices  # the custom domain add-on is not compute


def test_a_plan_is_priced_per_object_and_in_total():
    plan = {"steps": [
        service("create", "backend-api", service_type="web_service", plan="standard", num_instances=2),
        service("update", "backend-worker", service_type="background_worker", plan="starter", num_instances=1),
        service("create", "frontend-site", service_type="static_site"),
        service("create", "backend-nightly", service_type="cron_job", plan="starter"),
        branch("create", "database-branch", name="pr-7", parent_project_ref="a" * 20),
        step("create", "database-role-api", "pulumi-python:dynamic/supabase:SqlRole", name="api"),
    ]}
    got = cost.estimate(plan, recorded_prices())
    by_name = {line.name: line for line in got.lines}
    assert set(by_name) == {"backend-api", "backend-worker", "frontend-site", "backend-nightly", "database-branch"}
    assert by_name["backend-api"].usd_per_hour == pytest.approx(2 * 25 / 730)
    assert by_name["backend-api"].what == "web_service, standard x 2"
    assert by_name["backend-worker"].usd_per_hour == pytest.approx(7 / 730)
    assert by_name["frontend-site"].usd_per_hour == 0 and "bandwidth" in by_name["frontend-site"].note
    assert by_name["backend-nightly"].usd_per_hour == 0 and "per minute" in by_name["backend-nightly"].note
    assert by_name["database-branch"].usd_per_hour == 0.01344 and "Micro" in by_name["database-branch"].note
    assert got.usd_per_hour == pytest.approx(57 / 730 + 0.01344)


def test_defaults_autoscaling_and_a_sized_branch():
    plan = {"steps": [
        service("create", "backend-api", service_type="web_service"),  # no plan: Render's default, starter
        service("create", "backend-web", service_type="web_service", plan="pro",
                autoscaling={"enabled": True, "min": 2, "max": 5}),
        branch("create", "database-branch", desired_instance_size="small"),
    ]}
    lines = {line.name: line for line in cost.estimate(plan, recorded_prices()).lines}
    assert lines["backend-api"].usd_per_hour == pytest.approx(7 / 730)
    assert lines["backend-web"].usd_per_hour == pytest.approx(2 * 85 / 730) and "minimum" in lines["backend-web"].note
    assert lines["database-branch"].usd_per_hour == 0.0206 and lines["database-branch"].note == ""


def test_deleted_objects_cost_nothing_and_a_replacement_counts_once():
    plan = {"steps": [
        service("delete", "backend-old", service_type="web_service", plan="pro"),
        service("create-replacement", "backend-api", service_type="web_service", plan="standard"),
        service("replace", "backend-api", service_type="web_service", plan="standard"),
        {"op": "delete-replaced", "urn": f"{STACK}{cost.RENDER_SERVICE}::backend-api", "newState": None},
        service("same", "backend-worker", service_type="background_worker", plan="starter"),
    ]}
    got = cost.estimate(plan, recorded_prices())
    assert [line.name for line in got.lines] == ["backend-api", "backend-worker"]
    assert got.usd_per_hour == pytest.approx((25 + 7) / 730)


def test_an_unpriced_plan_or_size_is_refused_not_guessed():
    with pytest.raises(cost.PriceUnknown, match="plan 'enterprise'.*RENDER_MONTHLY_USD"):
        cost.estimate({"steps": [service("create", "a", service_type="web_service", plan="enterprise")]}, {})
    with pytest.raises(cost.PriceUnknown, match="no hourly price for compute 'micro'"):
        cost.estimate({"steps": [branch("create", "b")]}, {"small": 0.02})


def test_every_plan_the_provider_accepts_has_a_price():
    from dynamic_providers.render.encoders import WEB_PLANS

    assert set(WEB_PLANS) - {"custom"} <= set(cost.RENDER_MONTHLY_USD)  # custom: a negotiated price


def test_the_prices_come_from_the_parent_project_over_the_api(sandbox, monkeypatch):
    _api, ref = new_project(sandbox, "review-parent", "parent-password")
    monkeypatch.setenv("SUPABASE_API_URL", sandbox.supabase.base_url)
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", sandbox.supabase.token)
    prices = cost.fetch_compute_prices(client(), ref)
    assert prices["micro"] == recorded_prices()["micro"] and prices["xlarge"] == recorded_prices()["xlarge"]
