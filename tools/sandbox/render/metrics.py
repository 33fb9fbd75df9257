"""Render ``GET /metrics/*`` for services: values derived from what happened in the sandbox.

``http-requests``, ``http-latency`` and ``instance-count`` from the recorded samples; ``cpu``/``memory`` from a
documented deterministic model (no containers run); static sites and cron jobs answer ``[]``; stricter than the
spec on bad windows and undeclared parameters. Parameters, bucketing, the model and the sources:
tools/sandbox/README.md, "Metrics" and "Render fidelity".
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from typing import Callable

from ..routing import BadRequest, RouteTable
from ..server import Call
from . import metric_samples as samples
from .deploys import advance

routes = RouteTable()

DEFAULT_WINDOW_SECONDS = 3600  # spec: startTime "Defaults to now() - 1 hour"
DEFAULT_RESOLUTION = 60  # spec: resolutionSeconds default 60, minimum 30
MAX_POINTS = 50_000  # the sandbox's bound on buckets per answer (a week at 30 s is 20,160)
DEFAULT_QUANTILE = 0.95  # the spec gives none
NO_METRICS_TYPES = ("static_site", "cron_job")
CPU_IDLE, CPU_PER_RPS = 0.02, 0.01  # cores
MEMORY_IDLE, MEMORY_PER_RPS = 150 * 2**20, 2**20  # bytes
AGGREGATIONS: dict[str, Callable[[list[float]], float]] = {"AVG": lambda v: sum(v) / len(v), "MAX": max,
                                                           "MIN": min}


def _stamp(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Window:
    """The request's time window and buckets."""

    def __init__(self, call: Call, now: float):
        given = self._given(call)
        self.end = self._time(given, "endTime", now)
        self.start = self._time(given, "startTime", self.end - DEFAULT_WINDOW_SECONDS)
        if self.end <= self.start:
            raise BadRequest(f"endTime ({_stamp(self.end)}) must be after startTime ({_stamp(self.start)})")
        self.resolution = float(call.query.get("resolutionSeconds", DEFAULT_RESOLUTION))
        if not math.isfinite(self.resolution):  # "nan" and "inf" pass the spec's minimum
            raise BadRequest(f"resolutionSeconds must be a finite number >= 30, got {self.resolution}")
        first = math.floor(self.start / self.resolution) * self.resolution
        count = math.ceil((self.end - first) / self.resolution)
        if count > MAX_POINTS:
            raise BadRequest(f"{count} points of {self.resolution:g} s between startTime and endTime; the sandbox "
                             f"answers at most {MAX_POINTS}: raise resolutionSeconds or shorten the window")
        self.buckets = [first + i * self.resolution for i in range(count)]

    @staticmethod
    def _given(call: Call) -> dict[str, str]:
        return {name: value for name, value in call.raw_query}

    @staticmethod
    def _time(given: dict[str, str], name: str, default: float) -> float:
        if name not in given:
            return default
        try:
            return samples.parse_time(given[name])
        except ValueError:
            raise BadRequest(f"{name} must be an RFC 3339 date-time such as 2021-06-17T08:15:30Z, "
                             f"got {given[name]!r}") from None

    def index(self, at: float) -> int | None:
        """The bucket of a time inside the window, or None."""
        if not self.start <= at < self.end:
            return None
        return int((at - self.buckets[0]) // self.resolution)

    def span(self, index: int) -> tuple[float, float]:
        bucket = self.buckets[index]
        return max(bucket, self.start), min(bucket + self.resolution, self.end)


def _values(call: Call, name: str) -> list[str]:
    return [part for key, value in call.raw_query if key == name for part in value.split(",") if part]


def _check_declared(call: Call) -> None:
    declared = set(call.server.spec.query_parameters(call.method, call.template))
    unknown = sorted({key for key, _ in call.raw_query} - declared)
    if unknown:
        raise BadRequest(f"{call.template} takes no {', '.join(unknown)} parameter (it takes "
                         f"{', '.join(sorted(declared))})")


def _services(call: Call) -> list[dict]:
    """The services named by ``resource`` (and the deprecated ``service``), each advanced to now."""
    wanted = list(dict.fromkeys(_values(call, "resource") + _values(call, "service")))
    if not wanted:
        raise BadRequest("name at least one resource (resource=srv-...)")
    unknown = [sid for sid in wanted if sid not in call.store["services"]]
    if unknown:
        raise BadRequest(f"unknown resource(s): {', '.join(unknown)}")
    for sid in wanted:
        advance(call.store, call.server.settings, sid)
    return [call.store["services"][sid] for sid in wanted if call.store["services"][sid]["type"]
            not in NO_METRICS_TYPES]


def _deploys(call: Call, service_id: str) -> list[dict]:
    return [d for d in call.store["deploys"].values() if d["_serviceId"] == service_id]


def _series(labels: dict[str, str], points: list[tuple[float, float]], unit: str) -> dict:
    return {"labels": [{"field": field, "value": value} for field, value in labels.items()],
            "values": [{"timestamp": _stamp(at), "value": value, "unit": unit} for at, value in points],
            "unit": unit}


def _prepare(call: Call) -> tuple[Window, list[dict]]:
    _check_declared(call)
    return Window(call, time.time()), _services(call)


def _requests(call: Call, service: dict, window: Window) -> list[list]:
    hosts, paths = set(_values(call, "host")), set(_values(call, "path"))
    return [r for r in samples.samples_of(call.store, service["id"])["requests"]
            if window.index(r[0]) is not None and (not hosts or r[4] in hosts) and (not paths or r[5] in paths)]


@routes.get("/metrics/http-requests")
def http_requests(call: Call) -> tuple[int, list]:
    window, services = _prepare(call)
    by = call.query.get("aggregateBy")
    column = {"statusCode": 2, "host": 4}.get(by)
    out = []
    for service in services:
        groups: dict[str, list[int]] = {}
        if column is None:
            groups[""] = [0] * len(window.buckets)
        for request in _requests(call, service, window):
            key = "" if column is None else str(request[column])
            groups.setdefault(key, [0] * len(window.buckets))[window.index(request[0])] += 1
        for key, counts in sorted(groups.items()):
            labels = {"service": service["id"], **({by: key} if column is not None else {})}
            out.append(_series(labels, list(zip(window.buckets, counts)), "requests"))
    return 200, out


def quantile(durations: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (``statistics.quantiles``' inclusive method)."""
    ordered = sorted(durations)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@routes.get("/metrics/http-latency")
def http_latency(call: Call) -> tuple[int, list]:
    window, services = _prepare(call)
    given = _values(call, "quantile")
    try:
        quantiles = [float(q) for q in given] or [DEFAULT_QUANTILE]
    except ValueError:
        quantiles = [math.nan]
    if any(not 0 <= q <= 1 for q in quantiles):  # nan too
        raise BadRequest(f"quantile must be a number between 0 and 1, got {', '.join(given)}")
    out = []
    for service in services:
        buckets: dict[int, list[float]] = {}
        for request in _requests(call, service, window):
            buckets.setdefault(window.index(request[0]), []).append(request[3])
        for q in quantiles:
            points = [(window.buckets[i], round(quantile(d, q), 3)) for i, d in sorted(buckets.items())]
            out.append(_series({"service": service["id"], "quantile": f"{q:g}"}, points, "ms"))
    return 200, out


@routes.get("/metrics/instance-count")
def instance_count(call: Call) -> tuple[int, list]:
    window, services = _prepare(call)
    out = []
    for service in services:
        deploys, record = _deploys(call, service["id"]), samples.samples_of(call.store, service["id"])
        changes = samples.change_points(service, deploys, record)
        points = []
        for index, bucket in enumerate(window.buckets):
            start, end = window.span(index)
            moments = [start] + [t for t in changes if start < t < end]
            points.append((bucket, min(samples.instance_count(service, deploys, record, t) for t in moments)))
        out.append(_series({"service": service["id"]}, points, "instances"))
    return 200, out


def _usage(call: Call, model: Callable[[float], float], unit: str) -> tuple[int, list]:
    """cpu / memory: ``model(requests per second)`` per instance serving in a bucket (see the module doc)."""
    window, services = _prepare(call)
    wanted = set(_values(call, "instance"))
    method = call.query.get("aggregationMethod")
    out = []
    for service in services:
        deploys, record = _deploys(call, service["id"]), samples.samples_of(call.store, service["id"])
        changes = samples.change_points(service, deploys, record)
        answered: dict[int, dict[str, int]] = {}
        for request in record["requests"]:
            index = window.index(request[0])
            if index is not None and request[1]:
                answered.setdefault(index, {})[request[1]] = answered.get(index, {}).get(request[1], 0) + 1
        per_instance: dict[str, dict[int, float]] = {}
        for index, bucket in enumerate(window.buckets):
            start, end = window.span(index)
            moments = [start] + [t for t in changes if start < t < end]
            serving = {samples.instance_id(service["id"], d["id"]) for t in moments
                       if samples.instance_count(service, deploys, record, t)
                       and (d := samples.serving_deploy(service, deploys, t)) is not None}
            counts = {**{name: 0 for name in serving}, **answered.get(index, {})}
            for name, count in counts.items():
                if not wanted or name in wanted:
                    per_instance.setdefault(name, {})[index] = model(count / window.resolution)
        if method:
            folded: dict[int, list[float]] = {}
            for values in per_instance.values():
                for index, value in values.items():
                    folded.setdefault(index, []).append(value)
            points = [(window.buckets[i], round(AGGREGATIONS[method](v), 6)) for i, v in sorted(folded.items())]
            if points:
                out.append(_series({"service": service["id"], "aggregationMethod": method}, points, unit))
            continue
        for name, values in sorted(per_instance.items()):
            points = [(window.buckets[i], round(v, 6)) for i, v in sorted(values.items())]
            out.append(_series({"service": service["id"], "instance": name}, points, unit))
    return 200, out


@routes.get("/metrics/cpu")
def cpu(call: Call) -> tuple[int, list]:
    return _usage(call, lambda rps: CPU_IDLE + CPU_PER_RPS * rps, "CPU")


@routes.get("/metrics/memory")
def memory(call: Call) -> tuple[int, list]:
    return _usage(call, lambda rps: MEMORY_IDLE + MEMORY_PER_RPS * rps, "bytes")
