"""The request journal: one entry per API request a sandbox server received.

Tests and benchmarks count API calls from it; the pytest fixture fails a test whose requests produced a response
that broke the spec. Control requests (``/_sandbox/...``) are not journaled.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from .locked_list import LockedList

_SEQUENCE = itertools.count(1)  # process-wide, so entries of both servers interleave in order


@dataclass
class JournalEntry:
    server: str  # "render" or "supabase"
    method: str
    path: str  # as requested, without the query string
    query: dict[str, list[str]]
    status: int | None  # None when a fault closed the connection without a response
    duration_ms: float
    operation: str | None = None  # the spec path template it matched, e.g. "/services/{serviceId}"
    fault: dict | None = None  # the fault applied, if any
    request_violations: list[dict] = field(default_factory=list)
    response_violations: list[dict] = field(default_factory=list)
    response_checked: bool = False  # True when the answer was validated against the spec
    # The rate-limit bucket the request was charged to (Render): {"bucket", "limit", "remaining", "reset",
    # "limited"}; "limited": true when the bucket was empty and the answer a 429.
    rate_limit: dict | None = None
    seq: int = field(default_factory=lambda: next(_SEQUENCE))
    time: float = field(default_factory=time.time)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "JournalEntry":
        return cls(**data)


class Journal(LockedList[JournalEntry]):
    def entries(self, predicate: Callable[[JournalEntry], bool] | None = None) -> list[JournalEntry]:
        return [e for e in self.snapshot() if predicate is None or predicate(e)]

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests matched ``method`` (any if None) and ``path`` (a fault-style pattern, any if None)."""
        from .faults import path_matches

        return len(self.entries(lambda e: (method is None or e.method == method.upper())
                                and (path is None or path_matches(path, e.path))))

    def request_violations(self) -> list[JournalEntry]:
        return self.entries(lambda e: bool(e.request_violations))

    def response_violations(self) -> list[JournalEntry]:
        return self.entries(lambda e: bool(e.response_violations))

    def to_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.entries()]
