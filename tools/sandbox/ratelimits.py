"""Rate-limit buckets: fixed windows per request family, as the vendors' headers show them.

A ``Family`` says which requests share a bucket (method + relative path regex), how many a window allows, how
long a window lasts and whose bucket it is. Render's windows are aligned to the clock, Supabase's start with
their first request (``anchored``). An empty bucket refuses the request (429, unprocessed). Scaling for fast
tests only, never by default. The evidence and the settings: tools/sandbox/README.md, "Render rate limits".
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Callable, Mapping

SETTINGS_DEFAULTS = {"rate_limit_time_scale": 1.0, "rate_limit_capacity_scale": 1.0}


@dataclass(frozen=True)
class Family:
    name: str  # what a 429 message calls the bucket: "service creates (POST /services)"
    methods: frozenset[str] | None  # None: any method
    pattern: str  # regex over the path relative to the API base (full match)
    limit: int
    window: float  # seconds
    evidence: str
    # The bucket key within the family: "" for one bucket per user; a function of the method and the regex
    # match for per-object buckets (Render: one bucket per service; Supabase: per endpoint and project).
    scope: Callable[[str, re.Match], str] | None = None
    # Clock-aligned windows (Render: the top of the minute/hour) or windows that start with their first
    # request (Supabase: the first request of a window is answered Remaining 119, Reset 60).
    anchored: bool = False

    def match(self, method: str, path: str) -> re.Match | None:
        if self.methods is not None and method not in self.methods:
            return None
        return re.fullmatch(self.pattern, path)


@dataclass(frozen=True)
class Charge:
    family: Family
    limit: int
    remaining: int  # after this request
    reset: int  # whole seconds until the window ends (rounded down)
    allowed: bool
    reset_at: float  # epoch seconds


class RateLimiter:
    """Counts requests per (family, scope, window); thread-safe."""

    def __init__(self, families: tuple[Family, ...], settings: Mapping[str, float],
                 clock: Callable[[], float] = time.time):
        self.families = families
        self.settings = settings
        self.clock = clock
        self._counts: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def family_of(self, method: str, path: str) -> tuple[Family, str]:
        for family in self.families:
            found = family.match(method, path)
            if found is not None:
                return family, (family.scope(method, found) if family.scope else "")
        raise LookupError(f"no rate-limit family for {method} {path}")  # the table ends with catch-alls

    def _shape(self, family: Family) -> tuple[int, float]:
        capacity = max(1, int(round(family.limit * float(self.settings.get("rate_limit_capacity_scale", 1.0)))))
        window = family.window * float(self.settings.get("rate_limit_time_scale", 1.0))
        return capacity, max(window, 0.001)

    def charge(self, method: str, path: str, *, consume: bool = True) -> Charge:
        """Count one request (``consume=False``: only report the bucket, e.g. for an injected error)."""
        family, scope = self.family_of(method, path)
        capacity, window = self._shape(family)
        now = self.clock()
        key = (family.name, scope)
        with self._lock:
            if family.anchored:
                start, used = self._counts.get(key, (now, 0))
                if now >= start + window:
                    start, used = now, 0
                window_start = start
            else:
                start = math.floor(now / window) * window
                window_start, used = self._counts.get(key, (start, 0))
            if window_start != start:
                used = 0
            allowed = used < capacity
            if allowed and consume:
                used += 1
            self._counts[key] = (start, used)
        end = start + window
        return Charge(family, capacity, max(0, capacity - used), max(0, int(end - now)), allowed, end)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
