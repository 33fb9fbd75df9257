"""What happened to a Render service, kept for ``/metrics/*`` (``tools.sandbox.render.metrics``).

Per service, in the persisted ``metric_samples`` collection: ``requests`` (one ``[time, instance, status,
durationMs, host, path]`` per answered request), ``events`` (scale and suspension) and ``instanceCounts``
(backdated steps from the test-only control), bounded by ``RETENTION_SECONDS`` and ``MAX_REQUESTS`` (the
sandbox's choice). The timeline (``serving_instance``, ``instance_count``): tools/sandbox/README.md, "Metrics".
"""

from __future__ import annotations

import bisect
from datetime import datetime
from typing import Any

from . import traffic

COLLECTION = "metric_samples"
RETENTION_SECONDS = 14 * 24 * 3600  # two weeks: a week's report window, and the week before it
MAX_REQUESTS = 50_000  # per service
SERVED = ("live", "deactivated")  # statuses of a deploy that served (traffic.SWITCHED, for every service type)


def parse_time(value: str) -> float:
    """Epoch seconds of an RFC 3339 time (``Z`` or an offset); ValueError otherwise."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone (RFC 3339 needs Z or an offset)")
    return parsed.timestamp()


def instance_id(service_id: str, deploy_id: str) -> str:
    """Render's instance id shape, ``<service id>-<suffix>`` ("Everything before the final hyphen is the service
    ID": render.com/docs/metrics-streams-reference); the sandbox runs one instance per deploy."""
    return f"{service_id}-{deploy_id[-5:]}"


def samples_of(store, service_id: str) -> dict:
    """The service's record, created empty when missing (the store's lock must be held)."""
    return store[COLLECTION].setdefault(service_id, {"requests": [], "events": [], "instanceCounts": []})


def prune(record: dict, now: float) -> None:
    oldest = now - RETENTION_SECONDS
    requests = record["requests"]
    if requests and (requests[0][0] < oldest or len(requests) > MAX_REQUESTS):
        keep_from = max(bisect.bisect_left(requests, oldest, key=lambda r: r[0]), len(requests) - MAX_REQUESTS)
        del requests[:keep_from]
    record["instanceCounts"] = [s for s in record["instanceCounts"] if s[0] >= oldest] or \
        record["instanceCounts"][-1:]  # the last step before the window still says what held at its start


def record_request(store, service_id: str, at: float, instance: str, status: int, duration_ms: float,
                   host: str, path: str) -> None:
    """Keep one answered request, in time order (the store's lock must be held)."""
    record = samples_of(store, service_id)
    sample = [at, instance, status, round(duration_ms, 3), host, path]
    requests = record["requests"]
    if requests and requests[-1][0] > at:  # a slow request finishing after a faster later one
        bisect.insort(requests, sample, key=lambda r: r[0])
    else:
        requests.append(sample)
    prune(record, at)


def note(store, service_id: str, at: float, field: str, before: Any, after: Any) -> None:
    """Keep a change of ``numInstances`` or ``suspended`` (the store's lock must be held)."""
    if before != after:
        samples_of(store, service_id)["events"].append([at, field, before, after])


def _value_at(events: list, field: str, at: float, current: Any) -> Any:
    mine = [e for e in events if e[1] == field]
    before = [e for e in mine if e[0] <= at]
    if before:
        return before[-1][3]
    return mine[0][2] if mine else current


def _finished_at(deploy: dict) -> float | None:
    return parse_time(deploy["finishedAt"]) if deploy.get("finishedAt") else None


def serving_deploy(service: dict, deploys: list[dict], at: float) -> dict | None:
    """The deploy whose instance serves at ``at`` (None: none), ignoring suspension."""
    if service["type"] == "web_service":
        return traffic.serving(deploys, at)
    served = [(end, d) for d in deploys if d["status"] in SERVED and (end := _finished_at(d)) is not None
              and end <= at]
    return max(served, key=lambda pair: pair[0])[1] if served else None


def _created(service: dict) -> float:
    return parse_time(service["createdAt"])


def instance_count(service: dict, deploys: list[dict], record: dict, at: float) -> int:
    """Instances running at ``at``: a recorded step before the service existed; else 0 while suspended or with
    no deploy serving, otherwise ``numInstances`` (autoscaling's ``min``: the sandbox has no load to scale on)."""
    if at < _created(service):
        steps = [s for s in record["instanceCounts"] if s[0] <= at]
        return int(steps[-1][1]) if steps else 0
    events = record["events"]
    suspended = _value_at(events, "suspended", at, service["suspended"])
    if suspended == "suspended" or serving_deploy(service, deploys, at) is None:
        return 0
    details = service.get("serviceDetails") or {}
    autoscaling = details.get("autoscaling") or {}
    if autoscaling.get("enabled"):
        return int(autoscaling.get("min", 1))
    return int(_value_at(events, "numInstances", at, details.get("numInstances", 1)))


def change_points(service: dict, deploys: list[dict], record: dict) -> list[float]:
    """Every time the instance count or the serving instance may change, sorted."""
    points = [s[0] for s in record["instanceCounts"]] + [e[0] for e in record["events"]] + [_created(service)]
    for deploy in deploys:
        instance = deploy.get("_instance")
        if instance and instance.get("switchAt") is not None and deploy["status"] in SERVED:
            points.append(instance["switchAt"])
            stops = traffic.stop_time(deploy, deploys)
            if stops is not None:
                points.append(stops)
            points.extend(d["_instance"]["updateAt"] for d in deploys if d.get("_instance"))
        end = _finished_at(deploy)
        if end is not None:
            points.append(end)
    return sorted(set(points))
