"""Test-only control of a Render service's metric samples (``/_sandbox/metrics/{serviceId}``, token required).

``GET`` shows what ``/metrics/*`` derive their values from. ``POST`` records synthetic history (``requests``,
``instanceCounts``), so a test can stage a week without waiting for it; everything is checked before anything
is recorded. The body and its rules: tools/sandbox/README.md, "Metrics".
"""

from __future__ import annotations

import time
from typing import Any

from ..clock import iso_at
from ..state import NotFoundInStore
from . import metric_samples as samples
from .traffic_ports import host_of

MAX_COUNT = 10_000  # copies of one synthetic request


def describe(store: Any, service_id: str) -> dict:
    """``GET /_sandbox/metrics/{serviceId}``."""
    with store.lock:
        if service_id not in store["services"]:
            raise NotFoundInStore(f"no service {service_id!r}")
        record = samples.samples_of(store, service_id)
        return {"serviceId": service_id,
                "requests": [{"at": iso_at(r[0]), "instance": r[1], "status": r[2], "durationMs": r[3],
                              "host": r[4], "path": r[5]} for r in record["requests"]],
                "events": [{"at": iso_at(e[0]), "field": e[1], "before": e[2], "after": e[3]}
                           for e in record["events"]],
                "instanceCounts": [{"at": iso_at(s[0]), "count": s[1]} for s in record["instanceCounts"]]}


def _time(item: dict, now: float, what: str) -> float:
    if not isinstance(item, dict) or not isinstance(item.get("at"), str):
        raise ValueError(f"each of {what} needs \"at\" (an RFC 3339 time), got {item!r}")
    at = samples.parse_time(item["at"])
    if at > now:
        raise ValueError(f"{what} at {item['at']} is in the future")
    if at < now - samples.RETENTION_SECONDS:
        raise ValueError(f"{what} at {item['at']} is older than the {samples.RETENTION_SECONDS // 86400}-day "
                         f"retention")
    return at


def _whole(item: dict, key: str, low: int, high: int, default: int | None = None) -> int:
    value = item.get(key, default)
    if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
        raise ValueError(f"{key} must be a whole number {low}-{high}, got {value!r}")
    return value


def record(store: Any, service_id: str, payload: Any) -> dict:
    """``POST /_sandbox/metrics/{serviceId}``: check every item, then record them all."""
    if not isinstance(payload, dict) or set(payload) - {"requests", "instanceCounts"}:
        raise ValueError("the body is {\"requests\": [...], \"instanceCounts\": [...]}")
    now = time.time()
    with store.lock:
        service = store["services"].get(service_id)
        if service is None:
            raise NotFoundInStore(f"no service {service_id!r}")
        created = samples.parse_time(service["createdAt"])
        requests = []
        for item in payload.get("requests") or []:
            at = _time(item, now, "requests")
            duration = item.get("durationMs")
            if not (isinstance(duration, (int, float)) and not isinstance(duration, bool) and duration >= 0):
                raise ValueError(f"durationMs must be a number >= 0, got {duration!r}")
            path, instance = item.get("path", "/"), item.get("instance", "")
            if not (isinstance(path, str) and path.startswith("/") and isinstance(instance, str)):
                raise ValueError(f"path must start with / and instance be a string, got {path!r}, {instance!r}")
            requests.append((at, instance, _whole(item, "status", 100, 599), float(duration), path,
                             _whole(item, "count", 1, MAX_COUNT, 1)))
        steps = []
        for item in payload.get("instanceCounts") or []:
            at = _time(item, now, "instanceCounts")
            if at >= created:
                raise ValueError(f"instanceCounts at {item['at']} is not before the service's createdAt "
                                 f"({service['createdAt']}): from then on its own history counts")
            steps.append([at, _whole(item, "count", 0, 100)])
        for at, instance, status, duration, path, count in requests:
            for _ in range(count):
                samples.record_request(store, service_id, at, instance, status, duration, host_of(service), path)
        kept = samples.samples_of(store, service_id)
        kept["instanceCounts"] = sorted(kept["instanceCounts"] + steps)
        return {"serviceId": service_id, "requests": sum(r[-1] for r in requests), "instanceCounts": len(steps)}
