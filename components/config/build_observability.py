"""The observability tier: the platform's targets (uptime, response time) and the optional log stream."""
from __future__ import annotations

from typing import Optional

from .fields import build, get
from .model import EdgeConfig, ObservabilityConfig, Tiers
from .reader import Reader


def build_observability(r: Reader, tiers: Tiers, edge: Optional[EdgeConfig]) -> Optional[ObservabilityConfig]:
    raw = r.obj("observability", tiers.observability)
    if not tiers.observability:
        return None
    target_ms = get(raw, "responseTimeTargetMs")
    timeout = edge.health_check.timeout_seconds if edge is not None else None
    if target_ms is not None and timeout is not None and timeout * 1000 < target_ms:
        # A probe that gives up before the target would page on responses the target calls fine.
        r.add("edge.healthCheck.timeoutSeconds", f"{timeout}s is shorter than "
              f"observability.responseTimeTargetMs ({target_ms} ms)")
    # The streams' tokens come from the environment when they are written, never config.
    return build(ObservabilityConfig, raw)
