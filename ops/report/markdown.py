"""The report as Markdown: the targets' table, then charts GitHub draws from mermaid `xychart-beta` blocks
(no image to build or host)."""
from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Iterable, Sequence

from .measures import MET, MISSED, Measure
from .records import Bucket, Window

MARK = {MET: "✅ met", MISSED: "❌ missed"}


def _chart(title: str, days: Sequence[str], y_label: str, bars: Sequence[float] = (),
           line: Sequence[float] = ()) -> str:
    top = max([*bars, *line, 1.0]) * 1.2
    lines = ["```mermaid", "xychart-beta", f'    title "{title}"',
             "    x-axis [" + ", ".join(f'"{d[5:]}"' for d in days) + "]",
             f'    y-axis "{y_label}" 0 --> {top:.4g}']
    if bars:
        lines.append("    bar [" + ", ".join(f"{v:.4g}" for v in bars) + "]")
    if line:
        lines.append("    line [" + ", ".join(f"{v:.4g}" for v in line) + "]")
    return "\n".join(lines + ["```"])


def latency_per_day(buckets: Iterable[Bucket]) -> dict[str, float]:
    """UTC day -> request-weighted mean of the buckets' median latency, in seconds."""
    days: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for b in buckets:
        if b.median_seconds is not None and sum(b.requests.values()):
            days[b.start.date().isoformat()].append((sum(b.requests.values()), b.median_seconds))
    return {d: sum(n * m for n, m in v) / sum(n for n, _ in v) for d, v in days.items()}


def render(stack: str, window: Window, measures: Sequence[Measure], deploy_days: Sequence[tuple[str, int, float]],
           buckets: Sequence[Bucket]) -> str:
    out = [f"# Targets report: {stack}", "",
           f"{window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC "
           f"({sum(m.verdict == MET for m in measures)} met, {sum(m.verdict == MISSED for m in measures)} missed, "
           f"{sum(m.verdict not in MARK for m in measures)} without data)", "",
           "| target | value | wanted | verdict | from |", "|---|---|---|---|---|"]
    for m in measures:
        out.append(f"| {m.target.title} | {m.shown} | {m.target.wanted} | {MARK.get(m.verdict, '➖ no data')} | "
                   f"{m.detail.replace('|', '/')} |")
    days = [d for d, _, _ in deploy_days]
    out += ["", "## Deploys", "", _chart("Deploys that went live per day", days, "deploys",
                                         bars=[n for _, n, _ in deploy_days]),
            "", _chart("Mean deploy duration per day (minutes)", days, "minutes",
                       line=[m for _, _, m in deploy_days])]
    latency = latency_per_day(buckets)
    if latency:
        out += ["", "## Response time", "", _chart("Median response per day (seconds)", days, "seconds",
                                                  line=[latency.get(d, 0.0) for d in days])]
    else:
        out += ["", "## Response time", "", "No latency samples in the window."]
    errors = [statistics.fsum(c for s, c in b.requests.items() if 500 <= s <= 599) for b in buckets]
    out += ["", f"{sum(errors):g} requests answered 5xx in the window.", ""]
    return "\n".join(out)
