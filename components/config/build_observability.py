"""The observability tier: the platform's targets (uptime, response time) and the optional log stream."""
from __future__ import annotations

from typing import Optional

from .fields import get
from .model import EdgeConfig, ObservabilityConfig, RenderAlerts, Tiers
from .reader import Reader


def build_observability(r: Reader, tiers: Tiers, edge: Optional[EdgeConfig],
                        environment: Optional[str] = None) -> Optional[ObservabilityConfig]:
    raw = r.obj("observability", tiers.observability)
    if not tiers.observability:
        return None
    # The endpoint's token comes from RENDER_LOG_STREAM_TOKEN when the stream is written, never config.
    endpoint = get(raw, "logStreamEndpoint")
    target_ms = get(raw, "responseTimeTargetMs")
    timeout = edge.health_check.timeout_seconds if edge is not None else None
    if target_ms is not None and timeout is not None and timeout * 1000 < target_ms:
        # A probe that gives up before the target would page on responses the target calls fine.
        r.add("edge.healthCheck.timeoutSeconds", f"{timeout}s is shorter than "
              f"observability.responseTimeTargetMs ({target_ms} ms)")
    alerts = get(raw, "alerts")
    events = get(alerts, "serviceEvents")
    if environment == "production" and events == "none":
        # The coverage policy would refuse it too; caught here, before any preview, naming the key.
        r.add("observability.alerts.serviceEvents", "must be failure or all in production: a failed deploy or an "
              "unhealthy service must reach someone")
    return ObservabilityConfig(uptime_target_percent=get(raw, "uptimeTargetPercent"),
                               response_time_target_ms=target_ms, log_stream_endpoint=endpoint,
                               metrics_stream_url=get(raw, "metricsStreamUrl"),
                               metrics_stream_provider=get(raw, "metricsStreamProvider") or "CUSTOM",
                               alerts=RenderAlerts(
                                   service_events=events, preview_notifications=get(alerts, "previewNotifications"),
                                   manage_workspace=get(alerts, "manageWorkspace"),
                                   workspace_email=get(alerts, "workspaceEmail"),
                                   workspace_events=get(alerts, "workspaceEvents")))
