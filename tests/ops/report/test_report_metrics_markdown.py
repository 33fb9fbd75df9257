"""Render's /metrics answers in the spec's shape read into buckets, and the Markdown report with its charts."""
from __future__ import annotations

import pytest

from ops.report import measures, metrics
from ops.report.markdown import render
from tests.ops.report.history import DEPLOYS, WEEK, at


def series(labels: dict, points: list, unit: str) -> dict:
    return {"labels": [{"field": k, "value": v} for k, v in labels.items()],
            "values": [{"timestamp": t, "value": v} for t, v in points], "unit": unit}


REQUESTS = [series({"service": "srv-a", "statusCode": "200"},
                   [("2026-12-01T10:00:00Z", 990), ("2026-12-02T10:00:00Z", 500)], "requests"),
            series({"service": "srv-a", "statusCode": "503"}, [("2026-12-01T10:00:00Z", 10)], "requests")]
LATENCY = [series({"service": "srv-a", "quantile": "0.5"},
                  [("2026-12-01T10:00:00Z", 200), ("2026-12-02T10:00:00Z", 2600)], "ms")]


def test_requests_by_status_and_latency_in_seconds():
    assert metrics.requests_by_status(REQUESTS) == {at("2026-12-01T10:00"): {200: 990.0, 503: 10.0},
                                                    at("2026-12-02T10:00"): {200: 500.0}}
    assert metrics.latency_seconds(LATENCY) == {at("2026-12-01T10:00"): 0.2, at("2026-12-02T10:00"): 2.6}
    buckets = metrics.buckets(REQUESTS, LATENCY)
    assert measures.uptime(buckets).value == pytest.approx(100 * 1490 / 1500)
    assert measures.response(buckets).value == pytest.approx((1000 * 0.2 + 500 * 2.6) / 1500)  # 1.0 s


@pytest.mark.parametrize("answer", [{"items": []}, [{"labels": []}], "x"])
def test_an_answer_not_in_the_spec_shape_is_refused(answer):
    with pytest.raises(metrics.BadAnswer):
        metrics.requests_by_status(answer)


def test_latency_in_an_unknown_unit_is_refused():
    with pytest.raises(metrics.BadAnswer, match="'min'"):
        metrics.latency_seconds([series({}, [("2026-12-01T10:00:00Z", 1)], "min")])


def test_markdown_has_the_table_and_the_charts():
    buckets = metrics.buckets(REQUESTS, LATENCY)
    ms = [measures.deployment(DEPLOYS, WEEK), measures.uptime(buckets), measures.lead_time([], WEEK, "n/a")]
    text = render("production", WEEK, ms, measures.per_day(DEPLOYS, WEEK), buckets)
    assert "| deployment | 15.0 min | < 10.0 min | ❌ missed |" in text
    assert "| lead time | - | < 60.0 min | ➖ no data | no deploy went live in the window |" in text
    assert "(0 met, 2 missed, 1 without data)" in text  # deployment 15 min, uptime 99.33 %
    charts = text.split("```mermaid\n")[1:]
    assert len(charts) == 3 and all(c.startswith("xychart-beta\n") for c in charts)
    assert 'x-axis ["11-30", "12-01", "12-02", "12-03", "12-04", "12-05", "12-06"]' in charts[0]
    assert "bar [1, 1, 1, 2, 1, 0, 0]" in charts[0]
    assert "line [4, 4, 15, 3.5, 2, 0, 0]" in charts[1]
    assert "line [0, 0.2, 2.6, 0, 0, 0, 0]" in charts[2]
