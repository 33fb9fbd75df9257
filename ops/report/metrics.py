"""Render's /metrics answers (spec: `[{labels: [{field, value}], values: [{timestamp, value}], unit}]`) as
buckets: /metrics/http-requests asked with aggregateBy=statusCode gives one series per status code;
/metrics/http-latency with quantile=0.5 gives the median per bucket."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Optional

from ..timestamps import utc_time
from .records import Bucket

LATENCY_UNITS = {"ms": 0.001, "s": 1.0}


class BadAnswer(ValueError):
    """A metrics answer not in the shape the spec gives."""


def _series(answer: Any) -> list[dict]:
    if not isinstance(answer, list) or not all(isinstance(s, dict) and isinstance(s.get("values"), list)
                                               and isinstance(s.get("labels", []), list) for s in answer):
        raise BadAnswer("a metrics answer is a list of {labels, values, unit}")
    return answer


def label(series: dict, field: str) -> Optional[str]:
    return next((item.get("value") for item in series.get("labels") or [] if item.get("field") == field), None)


def requests_by_status(answer: Any) -> dict[datetime, dict[int, float]]:
    """{bucket start: {status code: requests}}; a series without a statusCode label counts as unknown (0)."""
    found: dict[datetime, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for series in _series(answer):
        code = label(series, "statusCode")
        status = int(code) if code and code.isdigit() else 0
        for point in series["values"]:
            found[utc_time(point["timestamp"])][status] += float(point["value"])
    return {k: dict(v) for k, v in found.items()}


def latency_seconds(answer: Any) -> dict[datetime, float]:
    """{bucket start: latency in seconds} of a one-quantile answer (the largest when several series answer)."""
    found: dict[datetime, float] = {}
    for series in _series(answer):
        unit = series.get("unit") or "ms"
        if unit not in LATENCY_UNITS:
            raise BadAnswer(f"latency in {unit!r}: expected one of {', '.join(LATENCY_UNITS)}")
        for point in series["values"]:
            moment, value = utc_time(point["timestamp"]), float(point["value"]) * LATENCY_UNITS[unit]
            found[moment] = max(value, found.get(moment, value))
    return found


def buckets(requests: Any, latency: Any) -> list[Bucket]:
    counts, medians = requests_by_status(requests), latency_seconds(latency)
    return [Bucket(start, counts.get(start, {}), medians.get(start)) for start in sorted({*counts, *medians})]
