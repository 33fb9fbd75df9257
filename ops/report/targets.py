"""The brief's targets, written once: what each number is, how it is compared, and its threshold."""
from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Target:
    key: str
    title: str
    statistic: str  # how the value is computed from the window (shown beside it)
    unit: str
    compare: Callable[[float, float], bool]
    threshold: float
    source: str  # which vendor data it is computed from

    @property
    def wanted(self) -> str:
        sign = {operator.gt: ">", operator.lt: "<", operator.ge: ">=", operator.le: "<="}[self.compare]
        return f"{sign} {format_value(self.threshold, self.unit)}"

    def met(self, value: float) -> bool:
        return self.compare(value, self.threshold)


def format_value(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.2f} %".replace(".00 %", " %")
    if unit == "s":
        if value >= 120:
            return f"{value / 60:.1f} min"
        return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.3g} ms"  # the sandbox answers in microseconds
    if unit == "/day":
        return f"{value:.1f} a day"
    return f"{value:g} {unit}".strip()


MIN, HOUR = 60.0, 3600.0
TARGETS = (
    Target("uptime", "uptime", "requests not answered 5xx / all requests", "%", operator.gt, 99.9,
           "Render /metrics/http-requests by statusCode"),
    Target("response", "average response", "request-weighted mean of each bucket's median latency", "s",
           operator.lt, 2.0, "Render /metrics/http-latency (quantile 0.5) and /metrics/http-requests"),
    Target("deployment", "deployment", "slowest deploy that went live, createdAt -> finishedAt", "s",
           operator.lt, 10 * MIN, "Render deploys"),
    Target("service_recovery", "service recovery", "longest recovery", "s", operator.lt, 5 * MIN,
           "Render deploys (a failed or rolled-back deploy -> the next live deploy)"),
    Target("mttr", "mean time to recovery", "mean of the recoveries", "s", operator.lt, HOUR,
           "Render deploys (a failed or rolled-back deploy -> the next live deploy)"),
    Target("change_failure_rate", "change failure rate", "(failed + rolled-back deploys) / deploys", "%",
           operator.lt, 5.0, "Render deploys"),
    Target("lead_time", "lead time", "median of commit time -> live", "s", operator.lt, HOUR,
           "Render deploys (a repository deploy: commit.createdAt; an image: its registry's revision label, then "
           "GitHub's commit time)"),
    # "Several deployments a day": at least two, every day on average.
    Target("deploy_frequency", "deployment frequency", "live deploys / days in the window", "/day", operator.ge,
           2.0, "Render deploys"),
    Target("backup_success", "backup success", "scheduled runs with a manifest / scheduled runs", "%", operator.ge,
           100.0, "backup manifests (ops/backup) and the backup schedule"),
    Target("disaster_recovery", "disaster recovery", "newest restore test's duration", "s", operator.lt, HOUR,
           "the restore test's record (ops/restore_test.py)"),
    Target("monitoring_coverage", "monitoring coverage", "public hosts with a health check and alert routes / "
           "public hosts", "%", operator.ge, 100.0, "the stack's state, judged by the public-service-monitored rule"),
)
BY_KEY = {t.key: t for t in TARGETS}
