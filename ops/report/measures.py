"""The targets' numbers, computed from plain records (records.py) over a window: pure functions.

Each returns a Measure: the value (None when there is no data, with why), its target and a verdict. Deploy
statuses are Render's (spec `deployStatus`); a deploy "went live" when it is `live` or was live and then
`deactivated` by a newer one. A rollback deploy (trigger `rollback`) undoes the live deploy before it.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Optional, Sequence

from .records import Bucket, Deploy, RestoreTest, Window
from .targets import BY_KEY, Target, format_value

WENT_LIVE = frozenset({"live", "deactivated"})
FAILED = frozenset({"build_failed", "update_failed", "pre_deploy_failed"})  # `canceled` was stopped, not failed
ROLLBACK = "rollback"
MET, MISSED, NO_DATA = "met", "missed", "no data"


@dataclass(frozen=True)
class Measure:
    target: Target
    value: Optional[float]
    detail: str  # what the value is made of, or why there is none

    @property
    def verdict(self) -> str:
        if self.value is None:
            return NO_DATA
        return MET if self.target.met(self.value) else MISSED

    @property
    def shown(self) -> str:
        return "-" if self.value is None else format_value(self.value, self.target.unit)

    def as_json(self) -> dict:
        return {"key": self.target.key, "title": self.target.title, "value": self.value, "unit": self.target.unit,
                "target": self.target.wanted, "verdict": self.verdict, "statistic": self.target.statistic,
                "source": self.target.source, "detail": self.detail}


def measure(key: str, value: Optional[float], detail: str) -> Measure:
    return Measure(BY_KEY[key], value, detail)


def seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


def _in_window(deploys: Iterable[Deploy], window: Window) -> list[Deploy]:
    return sorted((d for d in deploys if window.holds(d.created_at)), key=lambda d: (d.service, d.created_at))


def _changes(deploys: Sequence[Deploy]) -> list[Deploy]:
    """Deploys that shipped a change and ended: went live or failed (rollbacks undo, they ship nothing new)."""
    return [d for d in deploys if d.trigger != ROLLBACK and (d.status in WENT_LIVE or d.status in FAILED)]


def rolled_back(deploys: Sequence[Deploy]) -> list[Deploy]:
    """The live deploys a rollback undid: per service, the newest non-rollback deploy that went live before it."""
    undone = []
    for rollback in (d for d in deploys if d.trigger == ROLLBACK):
        earlier = [d for d in deploys if d.service == rollback.service and d.trigger != ROLLBACK
                   and d.status in WENT_LIVE and d.created_at < rollback.created_at]
        if earlier:
            undone.append(max(earlier, key=lambda d: d.created_at))
    return undone


def deployment(deploys: Iterable[Deploy], window: Window) -> Measure:
    live = [d for d in _in_window(deploys, window) if d.status in WENT_LIVE and d.finished_at]
    if not live:
        return measure("deployment", None, "no deploy went live in the window")
    slowest = max(live, key=lambda d: seconds(d.created_at, d.finished_at))
    return measure("deployment", seconds(slowest.created_at, slowest.finished_at),
                   f"{len(live)} deploys went live; slowest {slowest.id} ({slowest.service})")


def change_failure_rate(deploys: Iterable[Deploy], window: Window) -> Measure:
    inside = _in_window(deploys, window)
    changes = _changes(inside)
    if not changes:
        return measure("change_failure_rate", None, "no deploy ended in the window")
    failed = [d for d in changes if d.status in FAILED]
    undone = [d for d in rolled_back(inside) if d in changes]
    return measure("change_failure_rate", 100.0 * (len(failed) + len(undone)) / len(changes),
                   f"{len(failed)} failed + {len(undone)} rolled back of {len(changes)} deploys")


def recoveries(deploys: Iterable[Deploy], window: Window) -> list[tuple[Deploy, float, bool]]:
    """(the failed or rolled-back deploy, seconds to recovery, recovered?): from the failure's end (a rolled-back
    deploy: from when it went live) to the next deploy of that service that went live (the rollback or a fix);
    one not recovered by the window's end counts until then."""
    inside = _in_window(deploys, window)
    found = []
    incidents = [(d, d.finished_at) for d in inside if d.status in FAILED and d.trigger != ROLLBACK]
    incidents += [(d, d.finished_at) for d in rolled_back(inside)]
    for broken, since in sorted((i for i in incidents if i[1]), key=lambda i: i[1]):
        fixes = [d for d in inside if d.service == broken.service and d.status in WENT_LIVE and d.finished_at
                 and d.created_at > broken.created_at and d.finished_at >= since]
        if fixes:
            fix = min(fixes, key=lambda d: d.finished_at)
            found.append((broken, seconds(since, fix.finished_at), True))
        else:
            found.append((broken, seconds(since, window.end), False))
    return found


def service_recovery(deploys: Iterable[Deploy], window: Window) -> Measure:
    times = recoveries(deploys, window)
    if not times:
        return measure("service_recovery", None, "nothing failed or was rolled back in the window")
    broken, longest, recovered = max(times, key=lambda t: t[1])
    state = "" if recovered else ", not recovered by the window's end"
    return measure("service_recovery", longest, f"{len(times)} recoveries; longest after {broken.id} "
                                                f"({broken.service}){state}")


def mttr(deploys: Iterable[Deploy], window: Window) -> Measure:
    times = recoveries(deploys, window)
    if not times:
        return measure("mttr", None, "nothing failed or was rolled back in the window")
    open_ = sum(1 for t in times if not t[2])
    return measure("mttr", statistics.fmean(t[1] for t in times),
                   f"{len(times)} recoveries" + (f" ({open_} still open)" if open_ else ""))


def lead_time(deploys: Iterable[Deploy], window: Window, commit_source: str) -> Measure:
    live = [d for d in _in_window(deploys, window) if d.status in WENT_LIVE and d.trigger != ROLLBACK
            and d.finished_at]
    known = [d for d in live if d.commit_at]
    if not known:
        why = "no deploy went live in the window" if not live else f"no commit time known ({commit_source})"
        return measure("lead_time", None, why)
    return measure("lead_time", statistics.median(seconds(d.commit_at, d.finished_at) for d in known),
                   f"{len(known)} of {len(live)} live deploys with a commit time ({commit_source})")


def deploy_frequency(deploys: Iterable[Deploy], window: Window) -> Measure:
    live = [d for d in _in_window(deploys, window) if d.status in WENT_LIVE and d.trigger != ROLLBACK]
    return measure("deploy_frequency", len(live) / window.days, f"{len(live)} deploys went live in "
                                                                 f"{window.days:g} days")


def per_day(deploys: Iterable[Deploy], window: Window) -> list[tuple[str, int, float]]:
    """(UTC day, deploys that went live, their mean duration in minutes) for every day of the window."""
    live = [d for d in _in_window(deploys, window) if d.status in WENT_LIVE and d.finished_at]
    days, day = [], window.start.date()
    while day <= (window.end - timedelta(microseconds=1)).date():
        that = [seconds(d.created_at, d.finished_at) / 60 for d in live if d.created_at.date() == day]
        days.append((day.isoformat(), len(that), statistics.fmean(that) if that else 0.0))
        day += timedelta(days=1)
    return days


def uptime(buckets: Iterable[Bucket]) -> Measure:
    total = errors = 0.0
    for bucket in buckets:
        for status, count in bucket.requests.items():
            total += count
            errors += count if 500 <= status <= 599 else 0
    if not total:
        return measure("uptime", None, "no HTTP request in the window (metrics empty)")
    return measure("uptime", 100.0 * (total - errors) / total, f"{errors:g} of {total:g} requests answered 5xx")


def response(buckets: Iterable[Bucket]) -> Measure:
    weighted = [(sum(b.requests.values()), b.median_seconds) for b in buckets if b.median_seconds is not None]
    weighted = [(n, m) for n, m in weighted if n]
    if not weighted:
        return measure("response", None, "no latency sample with requests in the window")
    requests = sum(n for n, _ in weighted)
    return measure("response", sum(n * m for n, m in weighted) / requests,
                   f"{len(weighted)} buckets, {requests:g} requests")


def backup_success(runs: Sequence[datetime], taken: Iterable[datetime], schedule: str) -> Measure:
    """Each scheduled run counts as a success when a manifest's snapshot was taken after it and before the next
    scheduled run (a failed backup leaves no manifest: ops/backup/run.py writes it last)."""
    if not runs:
        return measure("backup_success", None, f"no run of the schedule {schedule!r} fell in the window")
    taken = sorted(taken)
    bounds = list(runs[1:]) + [None]
    done = [r for r, nxt in zip(runs, bounds) if any(r <= t and (nxt is None or t < nxt) for t in taken)]
    missed = [r.strftime("%Y-%m-%d %H:%M") for r in runs if r not in done]
    detail = f"{len(done)} of {len(runs)} scheduled runs ({schedule}) left a manifest"
    return measure("backup_success", 100.0 * len(done) / len(runs),
                   detail + (f"; missed: {', '.join(missed)}" if missed else ""))


def disaster_recovery(tests: Iterable[RestoreTest], window: Window, missing_why: str) -> Measure:
    inside = sorted((t for t in tests if window.holds(t.finished_at)), key=lambda t: t.finished_at)
    if not inside:
        return measure("disaster_recovery", None, missing_why)
    newest = inside[-1]
    if not newest.ok:
        return measure("disaster_recovery", None, f"the newest restore test ({newest.finished_at:%Y-%m-%d}) "
                                                  "failed: no recovery time to measure")
    return measure("disaster_recovery", newest.duration_seconds,
                   f"restore test of {newest.finished_at:%Y-%m-%d %H:%M} UTC")


def monitoring_coverage(hosts: Sequence[str], gaps: dict[str, list[str]]) -> Measure:
    if not hosts:
        return measure("monitoring_coverage", None, "the stack has no public service (no custom domain)")
    covered = [h for h in hosts if h not in gaps]
    detail = f"{len(covered)} of {len(hosts)} public hosts"
    if gaps:
        detail += "; " + "; ".join(f"{h}: {', '.join(why)}" for h, why in sorted(gaps.items()))
    return measure("monitoring_coverage", 100.0 * len(covered) / len(hosts), detail)
