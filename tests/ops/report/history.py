"""A scripted week of a platform (times by hand, so every expected number below is worked out by hand)."""
from __future__ import annotations

from datetime import datetime, timezone

from ops.report.records import Deploy, Window


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


WEEK = Window(at("2026-11-30T00:00"), at("2026-12-07T00:00"))


def deploy(service, id, status, created, finished, trigger="api", commit=None) -> Deploy:
    return Deploy(service, id, status, trigger, at(created), at(finished) if finished else None,
                  at(commit) if commit else None)


DEPLOYS = [
    deploy("api", "old", "deactivated", "2026-11-29T10:00", "2026-11-29T10:30"),  # before the window
    deploy("api", "d1", "deactivated", "2026-11-30T10:00", "2026-11-30T10:04", commit="2026-11-30T09:26"),
    deploy("api", "d2", "build_failed", "2026-12-01T10:00", "2026-12-01T10:03", commit="2026-12-01T09:40"),
    deploy("api", "d3", "deactivated", "2026-12-01T10:05", "2026-12-01T10:09", commit="2026-12-01T09:50"),
    deploy("api", "d4-slow", "deactivated", "2026-12-02T12:00", "2026-12-02T12:15", commit="2026-12-02T11:00"),
    deploy("api", "d5", "deactivated", "2026-12-03T09:00", "2026-12-03T09:05", commit="2026-12-03T08:55"),
    deploy("api", "d6-rollback", "live", "2026-12-03T09:10", "2026-12-03T09:12", trigger="rollback"),
    deploy("web", "s0", "canceled", "2026-12-04T07:59", "2026-12-04T08:00", commit="2026-12-04T07:50"),
    deploy("web", "s1", "live", "2026-12-04T08:00", "2026-12-04T08:02", commit="2026-12-04T07:58"),
]
