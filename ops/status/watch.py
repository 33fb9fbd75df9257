"""Who watches the platform: alert routing coverage (the `public-service-monitored` rule's gaps over the stack's
state, and the live Render overrides) and the newest drift check (pure functions)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Union

from pulumi_policy import EnforcementLevel

from policies.rule_coverage import ALERTING_EVENTS

from ..readings.coverage import Coverage
from ..readings.drift import DriftRun, NotRead
from ..readings.render import ServiceReading
from .checks import DAILY_MAX_AGE_HOURS, FAIL, NA, OK, Check, age
from ..timestamps import utc_time


def alert_routing(coverage: Coverage, services: list[ServiceReading], enforcement: EnforcementLevel) -> Check:
    """The rule's gaps in the state are FAIL where the rule is mandatory (production), n/a where the policy pack
    itself only advises (policies/enforcement.py: the local stack has no Cloudflare); a live Render override
    that no longer sends failures is FAIL everywhere (the state says otherwise)."""
    name = "alert routing"
    if not coverage.public:
        return Check(name, NA, "no public service (no custom domain on a web service or static site)")
    by_id = {s.service.id: s for s in services}
    live = [f"{by_id[sid].name} ({host}): its Render override sends {by_id[sid].notifications_to_send!r}"
            for sid, host in coverage.public
            if sid in by_id and by_id[sid].notifications_to_send not in ALERTING_EVENTS]
    gaps = [f"{service} ({host}): {'; '.join(missing)}" for service, host, missing in coverage.gaps]
    if live or (gaps and enforcement == EnforcementLevel.MANDATORY):
        return Check(name, FAIL, " | ".join(live + gaps))
    if gaps:
        return Check(name, NA, "advisory on this stack (public-service-monitored is mandatory in production): "
                               + " | ".join(gaps))
    hosts = ", ".join(sorted(host for _, host in coverage.public))
    return Check(name, OK, f"{len(coverage.public)} public host(s) with a health check and alert routes: {hosts}")


def drift_check(run: Union[DriftRun, NotRead, None], now: datetime) -> Check:
    name = "last drift check"
    if isinstance(run, NotRead):
        return Check(name, NA, run.why)
    if run is None:
        return Check(name, FAIL, "drift.yml has never run")
    started = utc_time(run.created_at)
    detail = f"{run.conclusion or run.status} {age(started, now)}: {run.url}"
    if run.status == "completed" and run.conclusion != "success":
        return Check(name, FAIL, detail)
    if started is None or now - started > timedelta(hours=DAILY_MAX_AGE_HOURS):
        return Check(name, FAIL, f"{detail}; older than {DAILY_MAX_AGE_HOURS}h")
    return Check(name, OK, detail)
