"""The status checks as pure functions over the readings (ops/readings): each returns one Check line.
``now`` is passed in, so a check is a function of what was read."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Optional

from dynamic_providers.render.models import DEPLOY_FAILED

from ..readings.render import ServiceReading
from ..timestamps import utc_time

OK, FAIL, NA = "ok", "FAIL", "n/a"
DAILY_MAX_AGE_HOURS = 26  # a daily job's result older than this is overdue (as `ops.backup check --max-age-hours 26`)
HEALTHY_PROJECT = "ACTIVE_HEALTHY"
SUPERSEDED = "deactivated"  # a deploy that was live until a newer one replaced it
INSTANCELESS = {"cron_job": "a cron job runs on its schedule", "static_site": "a static site is served by the CDN"}


@dataclass(frozen=True)
class Check:
    name: str
    state: str  # OK | FAIL | NA
    detail: str

    def to_json(self) -> dict:
        return asdict(self)


def age(then: Optional[datetime], now: datetime) -> str:
    if then is None:
        return "age unknown"
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def _image(deploy) -> str:
    ref = deploy.image_ref or ""
    if deploy.image_sha:
        return f"{ref.split('@')[0].split(':')[0]}@{deploy.image_sha[:19]}"
    return ref or (f"commit {deploy.commit_id[:12]}" if deploy.commit_id else "no image or commit")


def live_deploy(s: ServiceReading, now: datetime) -> Check:
    name = f"{s.name}: live deploy"
    live = s.live
    if live is None:
        return Check(name, FAIL, "no deploy is live")
    return Check(name, OK, f"{_image(live)}, live since {age(utc_time(live.finished_at), now)} ({live.id})")


def health(s: ServiceReading) -> Check:
    name = f"{s.name}: health"
    if s.service.suspended:
        return Check(name, NA, "suspended (its own line)")
    if s.service.type == "cron_job":
        return Check(name, NA, INSTANCELESS["cron_job"])
    if s.live is None:
        return Check(name, FAIL, "no deploy is live")
    if s.instances is None:
        return Check(name, OK, "its latest deploy is live")
    probe = f", health check {s.service.health_check_path}" if s.service.health_check_path else ""
    if not s.instances:
        return Check(name, FAIL, f"deploy {s.live.id} is live but no instance is up{probe}")
    return Check(name, OK, f"{len(s.instances)} instance(s) up on the live deploy{probe}")


def last_deploy(s: ServiceReading, now: datetime) -> Check:
    name = f"{s.name}: last deploy"
    done = [d for d in s.deploys if d.finished and d.status != SUPERSEDED]
    if not done:
        return Check(name, NA, "no finished deploy yet" if s.deploys else "no deploy")
    last = done[0]
    when = age(utc_time(last.finished_at), now)
    if last.status in DEPLOY_FAILED:
        return Check(name, FAIL, f"failed ({last.status}) {when}: {last.id}")
    if last.trigger == "rollback":
        return Check(name, FAIL, f"rolled back {when}: {last.id} runs {_image(last)} again")
    return Check(name, OK, f"succeeded {when}: {last.id}")


def scaling(s: ServiceReading) -> Check:
    name = f"{s.name}: instances"
    if s.service.type in INSTANCELESS:
        return Check(name, NA, INSTANCELESS[s.service.type])
    if s.service.suspended:
        return Check(name, NA, "suspended (its own line)")
    running = len(s.instances or [])
    auto = s.service.autoscaling
    if auto is not None and auto.min is not None:
        low, high, how = auto.min, auto.max, f"autoscaling {auto.min}-{auto.max}"
    else:
        low = high = s.service.num_instances or 1
        how = f"{low} wanted"
    state = OK if low <= running <= (high or running) else FAIL
    return Check(name, state, f"{running} running, {how}")


def suspended(s: ServiceReading) -> Check:
    name = f"{s.name}: suspended"
    return Check(name, FAIL, "suspended: it serves nothing until resumed") if s.service.suspended \
        else Check(name, OK, "not suspended")


def service_checks(s: ServiceReading, now: datetime) -> list[Check]:
    return [live_deploy(s, now), health(s), last_deploy(s, now), scaling(s), suspended(s)]
