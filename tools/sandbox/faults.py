"""Fault injection: count-limited misbehaviour for requests matching a method and a path pattern.

Kinds (``Fault.kind``): ``rate_limit``, ``error``, ``slow``, ``reset``, ``drop_response`` and (Render)
``deploy_fail``. A fault applies to the next ``count`` matching requests after letting the first ``after``
through, so tests are deterministic; ``{name}`` matches one path segment, ``*`` anything. What each kind does:
tools/sandbox/README.md, "Fault injection".
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from .locked_list import LockedList

KINDS = ("rate_limit", "error", "slow", "reset", "drop_response", "deploy_fail")
DEPLOY_FAILURES = ("build_failed", "update_failed", "pre_deploy_failed", "canceled")
_IDS = itertools.count(1)


@lru_cache(maxsize=256)
def _pattern_regex(pattern: str) -> re.Pattern:
    parts = re.split(r"(\{[^}/]+\})", pattern)
    regex = "".join("[^/]+" if p.startswith("{") else fnmatch.translate(p)[4:-3] for p in parts)
    return re.compile(rf"^{regex}/?$")


def path_matches(pattern: str | None, path: str) -> bool:
    return pattern in (None, "", "*") or bool(_pattern_regex(pattern).match(path))


@dataclass
class Fault:
    kind: str
    method: str | None = None  # None or "*": any method
    path: str | None = None  # None: any path
    count: int | None = 1  # remaining applications; None = unlimited
    status: int = 503  # for kind="error"
    retry_after: int = 1  # seconds, for kind="rate_limit"
    delay: float = 5.0  # seconds, for kind="slow"
    deploy_status: str = "build_failed"  # for kind="deploy_fail"
    after: int = 0  # matching requests to let through before the fault applies
    id: int = field(default_factory=lambda: next(_IDS))
    applied: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.kind == "error" and not 400 <= int(self.status) <= 599:
            raise ValueError(f"fault status must be a 4xx/5xx code, got {self.status}")
        if self.kind == "deploy_fail" and self.deploy_status not in DEPLOY_FAILURES:
            raise ValueError(f"deploy_status must be one of {', '.join(DEPLOY_FAILURES)}, got {self.deploy_status!r}")
        if self.count is not None and int(self.count) < 1:
            raise ValueError("fault count must be >= 1 (or null for unlimited)")
        if int(self.after) < 0:
            raise ValueError("fault after must be >= 0")
        self.method = self.method.upper() if self.method and self.method != "*" else None
        _pattern_regex(self.path or "")  # fail early on a broken pattern

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method.upper()) and path_matches(self.path, path)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Fault":
        allowed = {"kind", "method", "path", "count", "status", "retry_after", "delay", "deploy_status", "after"}
        unknown = set(data) - allowed - {"id", "applied"}
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        return cls(**{k: v for k, v in data.items() if k in allowed})


class FaultSet(LockedList[Fault]):
    """The active faults of one server; the first matching fault (in insertion order) wins."""

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one application of the first fault matching this request, if any."""
        with self._lock:
            for fault in self._items:
                if fault.matches(method, path):
                    if fault.after > 0:
                        fault.after -= 1  # let this one through; a later fault may still match it
                        continue
                    fault.applied += 1
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self._items.remove(fault)
                    return fault
        return None

    def list(self) -> list[Fault]:
        return self.snapshot()

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._items)
            self._items = [f for f in self._items if f.id != fault_id]
            return len(self._items) != before

