"""The plain records the vendors' answers become: what the measures compute over (no API, no clock)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional


@dataclass(frozen=True)
class Deploy:
    service: str
    id: str
    status: str
    trigger: Optional[str]
    created_at: datetime
    finished_at: Optional[datetime]
    commit_at: Optional[datetime] = None  # when the deployed commit was made, when known


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400

    def holds(self, moment: Optional[datetime]) -> bool:
        return moment is not None and self.start <= moment < self.end


@dataclass(frozen=True)
class Bucket:
    """One metrics bucket of a service: requests by status code, and the median latency in seconds."""
    start: datetime
    requests: dict[int, float]
    median_seconds: Optional[float] = None


@dataclass(frozen=True)
class RestoreTest:
    finished_at: datetime
    ok: bool
    duration_seconds: float
