"""Render's HTTP metrics of services over a window, as the API answers them (GETs only). Parameters as the spec
(render-openapi.json, ``/metrics/http-requests`` and ``/metrics/http-latency``) takes them: ``resource``,
``startTime``/``endTime`` (RFC 3339), ``resolutionSeconds`` (>= 30); requests with ``aggregateBy=statusCode`` (a
series per status code), latency with one ``quantile``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from dynamic_providers.render.client import RenderApi

RESOLUTION_SECONDS = 3600  # one bucket an hour: 168 points a week per series (the spec's minimum is 30)
MEDIAN = 0.5


@dataclass(frozen=True)
class HttpMetrics:
    service_id: str
    requests: Any  # /metrics/http-requests by statusCode: [{labels, values, unit}]
    latency: Any  # /metrics/http-latency at the median


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_http_metrics(api: RenderApi, service_id: str, start: datetime, end: datetime) -> HttpMetrics:
    common = {"resource": service_id, "startTime": rfc3339(start), "endTime": rfc3339(end),
              "resolutionSeconds": RESOLUTION_SECONDS}
    requests = api.http.get("/metrics/http-requests", params={**common, "aggregateBy": "statusCode"})
    latency = api.http.get("/metrics/http-latency", params={**common, "quantile": MEDIAN})
    return HttpMetrics(service_id, requests, latency)
