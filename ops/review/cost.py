"""What a review stack costs per hour, from its plan (`pulumi preview --json`) and the vendors' prices.

Render: the plan's price from RENDER_MONTHLY_USD (declared once below, with its source) times the instance
count; Render bills by the second, prorating the monthly price, so per hour = monthly / 730. Supabase: the
branch's compute size at the hourly price the parent project's `GET /v1/projects/{ref}/billing/addons` lists
(recordings/supabase/GET_v1_projects___PROJECT_REF___billing_addons: compute_instance variants, interval hourly).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from dynamic_providers.render.encoders import SERVICE_TYPES
from policies.tokens import RENDER_SERVICE

SUPABASE_BRANCH = "pulumi-python:dynamic/supabase:Branch"

# Render compute per instance per month (USD), from render.com/pricing as known on 2026-12-06 (not fetched from this
# machine; corroborated: Starter $7 in community.render.com/t/5297, the 2 GB Standard $25 and per-second proration
# in a Render billing guide). Render bills by the second, prorated (render.com/docs/free; the same community answer:
# "we only charge for the amount of time the service exists, down to the second"). starter_plus/standard_plus are
# legacy plans the API still accepts (dynamic_providers/render/encoders.WEB_PLANS). Check the page before quoting.
RENDER_PRICES_SOURCE = "render.com/pricing (2026-12-06)"
RENDER_MONTHLY_USD = {
    "free": 0.0, "starter": 7.0, "starter_plus": 15.0, "standard": 25.0, "standard_plus": 50.0, "pro": 85.0,
    "pro_plus": 175.0, "pro_max": 225.0, "pro_ultra": 450.0,
}
HOURS_PER_MONTH = 730  # Render's proration: 365 * 24 / 12
# A new service without `plan` runs `starter` (spec: webServiceDetailsPOST.plan default; services.py applies it).
RENDER_DEFAULT_PLAN = "starter"
# A branch created without desired_instance_size: Supabase's smallest paid compute, Micro (the recorded
# default of a project; recordings/supabase/GET_v1_projects___PROJECT_REF___billing_addons selects ci_micro).
SUPABASE_DEFAULT_SIZE = "micro"
COMPUTE_ADDON, COMPUTE_PREFIX = "compute_instance", "ci_"
# Steps whose new state the stack holds after the update (a replace is listed more than once: one line per URN).
KEPT_OPS = ("create", "update", "same", "replace", "create-replacement", "import", "refresh")


class PriceUnknown(ValueError):
    """A plan or size the price tables do not list: the estimate would be wrong, so it refuses."""


@dataclass(frozen=True)
class CostLine:
    name: str  # the resource's logical name (the URN's last part)
    what: str  # e.g. "web_service, standard x 2" or "branch, micro compute"
    usd_per_hour: float
    note: str = ""  # what the figure leaves out


@dataclass(frozen=True)
class Estimate:
    lines: tuple[CostLine, ...]

    @property
    def usd_per_hour(self) -> float:
        return sum(line.usd_per_hour for line in self.lines)


def compute_prices(addons: Mapping[str, Any]) -> dict[str, float]:
    """Compute size ("micro") -> USD per hour, from a billing/addons answer's compute_instance variants."""
    prices = {}
    for addon in addons.get("available_addons") or []:
        if addon.get("type") != COMPUTE_ADDON:
            continue
        for variant in addon.get("variants") or []:
            price, vid = variant.get("price") or {}, str(variant.get("id", ""))
            if vid.startswith(COMPUTE_PREFIX) and price.get("interval") == "hourly":
                prices[vid[len(COMPUTE_PREFIX):]] = float(price["amount"])
    return prices


def fetch_compute_prices(api, parent_project_ref: str) -> dict[str, float]:
    """The parent project's compute prices (a branch is billed like a project of its size)."""
    return compute_prices(api.http.get(f"/v1/projects/{parent_project_ref}/billing/addons"))


def render_hourly(plan: str) -> float:
    if plan not in RENDER_MONTHLY_USD:
        raise PriceUnknown(f"Render plan '{plan}' has no price in ops/review/cost.py RENDER_MONTHLY_USD "
                           f"({RENDER_PRICES_SOURCE}); add it from the pricing page")
    return RENDER_MONTHLY_USD[plan] / HOURS_PER_MONTH


def _service_line(name: str, inputs: Mapping[str, Any]) -> CostLine:
    kind = inputs.get("service_type")
    if kind not in SERVICE_TYPES:
        raise PriceUnknown(f"{name}: Render service type '{kind}' is not one of {', '.join(SERVICE_TYPES)}")
    if kind == "static_site":
        return CostLine(name, "static_site", 0.0, "static sites have no compute price; bandwidth is billed apart")
    plan = inputs.get("plan") or RENDER_DEFAULT_PLAN
    if kind == "cron_job":
        return CostLine(name, f"cron_job, {plan}", 0.0, "billed per minute it runs, not per hour: not estimated")
    autoscaling = inputs.get("autoscaling") or {}
    if autoscaling.get("enabled"):
        count, note = int(autoscaling.get("min") or 1), "autoscaling: its minimum instance count"
    else:
        count, note = int(inputs.get("num_instances") or 1), ""
    return CostLine(name, f"{kind}, {plan} x {count}", render_hourly(plan) * count, note)


def _branch_line(name: str, inputs: Mapping[str, Any], prices: Mapping[str, float]) -> CostLine:
    size = inputs.get("desired_instance_size") or SUPABASE_DEFAULT_SIZE
    if size not in prices:
        raise PriceUnknown(f"{name}: the parent project's billing/addons lists no hourly price for compute "
                           f"'{size}' (it lists {', '.join(prices) or 'none'})")
    return CostLine(name, f"database branch, {size} compute", prices[size],
                    "" if inputs.get("desired_instance_size") else "size unset: Supabase's default, Micro")


def estimate(preview: Mapping[str, Any], compute: Mapping[str, float]) -> Estimate:
    """The stack's cost per hour after the previewed update, one line per priced object."""
    lines: dict[str, CostLine] = {}
    for step in preview.get("steps") or []:
        state = step.get("newState") or {}
        if step.get("op") not in KEPT_OPS or not state:
            continue
        urn = step.get("urn") or state.get("urn", "")
        name, inputs = urn.rsplit("::", 1)[-1], state.get("inputs") or {}
        if state.get("type") == RENDER_SERVICE:
            lines[urn] = _service_line(name, inputs)
        elif state.get("type") == SUPABASE_BRANCH:
            lines[urn] = _branch_line(name, inputs, compute)
    return Estimate(tuple(sorted(lines.values(), key=lambda line: line.name)))


def usd(amount: float) -> str:
    """A per-hour figure to the cent's tenth (Micro compute is $0.01344/h)."""
    return f"${amount:.3f}"


def monthly_equivalent(per_hour: float) -> float:
    return per_hour * HOURS_PER_MONTH

