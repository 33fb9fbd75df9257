"""Supabase project usage: ``GET /v1/projects/{ref}/analytics/endpoints/usage.api-counts`` and
``usage.api-requests-count`` (spec ``V1GetUsageApiCountResponse``, ``V1GetUsageApiRequestsCountResponse``).

They count the project's Data API traffic, which the sandbox does not serve: the values come only from what the
test-only control (``POST /_sandbox/usage/{ref}``) recorded, else 0. ``interval`` is required here (stricter);
the buckets are the sandbox's choice: tools/sandbox/README.md, "Metrics".
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from typing import Any

from ..routing import BadRequest, RouteTable
from ..server import Call, Reply
from ..state import NotFoundInStore
from .common import project_or_404

routes = RouteTable()

COLLECTION = "usage_samples"
SERVICES = ("auth", "realtime", "rest", "storage")  # the spec's total_<service>_requests
MINUTE, HOUR, DAY = 60, 3600, 86400
INTERVALS = {"15min": (15 * MINUTE, MINUTE), "30min": (30 * MINUTE, MINUTE), "1hr": (HOUR, MINUTE),
             "3hr": (3 * HOUR, 10 * MINUTE), "1day": (DAY, HOUR), "3day": (3 * DAY, DAY), "7day": (7 * DAY, DAY)}
REQUESTS_COUNT_WINDOW = DAY
RETENTION_SECONDS = 8 * DAY  # the longest interval, and its first bucket's start
MAX_COUNT = 1_000_000  # requests in one synthetic sample


def _stamp(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _samples(call: Call, ref: str) -> list:
    return call.store[COLLECTION].get(ref, [])


@routes.get("/v1/projects/{ref}/analytics/endpoints/usage.api-counts")
def api_counts(call: Call) -> Reply:
    project = project_or_404(call)
    interval = call.query.get("interval")
    if interval is None:
        raise BadRequest(f"interval is required: one of {', '.join(INTERVALS)}")
    window, size = INTERVALS[interval]
    now = time.time()
    first = math.floor((now - window) / size) * size
    buckets = [first + i * size for i in range(math.ceil((now - first) / size))]
    totals = [{service: 0 for service in SERVICES} for _ in buckets]
    for at, service, count in _samples(call, project["ref"]):
        if now - window <= at < now:
            totals[int((at - first) // size)][service] += count
    return 200, {"result": [{"timestamp": _stamp(bucket), **{f"total_{s}_requests": t[s] for s in SERVICES}}
                            for bucket, t in zip(buckets, totals)]}


@routes.get("/v1/projects/{ref}/analytics/endpoints/usage.api-requests-count")
def api_requests_count(call: Call) -> Reply:
    project = project_or_404(call)
    since = time.time() - REQUESTS_COUNT_WINDOW
    return 200, {"result": [{"count": sum(count for at, _, count in _samples(call, project["ref"]) if at >= since)}]}


def record(store: Any, ref: str, payload: Any) -> dict:
    """``POST /_sandbox/usage/{ref}`` (test-only): check every item, then record them all."""
    if not isinstance(payload, dict) or set(payload) != {"requests"} or not isinstance(payload["requests"], list):
        raise ValueError('the body is {"requests": [{"at": "<RFC 3339>", "service": "rest", "count": 1}]}')
    now = time.time()
    items = []
    for item in payload["requests"]:
        try:
            at = datetime.fromisoformat(str(item.get("at")).replace("Z", "+00:00")).timestamp()
        except (AttributeError, ValueError):
            raise ValueError(f"each request needs \"at\", an RFC 3339 time, got {item!r}") from None
        if not now - RETENTION_SECONDS <= at <= now:
            raise ValueError(f"at {item['at']} is in the future or older than the "
                             f"{RETENTION_SECONDS // DAY}-day retention")
        if item.get("service") not in SERVICES:
            raise ValueError(f"service must be one of {', '.join(SERVICES)}, got {item.get('service')!r}")
        count = item.get("count", 1)
        if not (isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= MAX_COUNT):
            raise ValueError(f"count must be a whole number 1-{MAX_COUNT}, got {count!r}")
        items.append([at, item["service"], count])
    with store.lock:
        if ref not in store["projects"]:
            raise NotFoundInStore(f"no project {ref!r}")
        kept = store[COLLECTION].setdefault(ref, [])
        kept[:] = sorted(s for s in kept + items if s[0] >= now - RETENTION_SECONDS)
        return {"ref": ref, "requests": sum(i[2] for i in items)}
