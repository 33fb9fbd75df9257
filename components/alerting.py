"""Observability tier, Render side: who hears about what goes wrong inside Render.

``RenderAlerting``: a notification override per service, the workspace's defaults (one stack) and its metrics
stream. Apart from the Cloudflare side (components/observability.py) so that `local` never imports
pulumi_cloudflare; the type keeps its ``procurement:observability:`` prefix (URNs do not depend on the module).
Details: components/README.md, "observability.py and alerting.py".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

import pulumi

from components.config import RenderAlerts
from dynamic_providers import render

METRICS_STREAM_TOKEN_ENV = "RENDER_METRICS_STREAM_TOKEN"  # exported by the stack's ESC environment


@dataclass(frozen=True, kw_only=True)
class RenderAlertingArgs:
    owner_id: str
    """Render workspace (`render.ownerId`)."""

    alerts: RenderAlerts
    """Routing (`observability.alerts`): the services' override, the workspace defaults and who owns them."""

    services: Mapping[str, pulumi.Input[str]]
    """Purpose (`api`, `frontend-site`, `db-backup`, ...) -> Render service id: each gets an override."""

    metrics_stream_url: Optional[str] = None
    """OTLP endpoint of the workspace's metrics stream (`observability.metricsStreamUrl`); None: none."""

    metrics_stream_provider: str = "CUSTOM"
    """Kind of receiver (`observability.metricsStreamProvider`)."""


class RenderAlerting(pulumi.ComponentResource):
    """Render notifications and the metrics stream (``procurement:observability:RenderAlerting``).

    Children: ``<name>-<purpose>-notifications`` (render:NotificationOverride) per service,
    ``<name>-workspace-notifications`` (render:NotificationSettings) where this stack owns the workspace's
    defaults, ``<name>-metrics-stream`` (render:MetricsStream) when a metrics endpoint is configured.
    """

    override_ids: dict[str, pulumi.Output[str]]
    """Purpose -> id of the service's notification override."""

    def __init__(self, name: str, args: RenderAlertingArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("procurement:observability:RenderAlerting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        alerts = args.alerts
        preview = "true" if alerts.preview_notifications else "false"
        self.override_ids = {
            purpose: render.NotificationOverride(
                f"{name}-{purpose}-notifications", service_id=service_id,
                notifications_to_send=alerts.service_events, preview_notifications_enabled=preview, opts=child).id
            for purpose, service_id in sorted(args.services.items())}
        if alerts.manage_workspace:
            render.NotificationSettings(
                f"{name}-workspace-notifications", owner_id=args.owner_id, email_enabled=alerts.workspace_email,
                notifications_to_send=alerts.workspace_events,
                preview_notifications_enabled=alerts.preview_notifications, opts=child)
        if args.metrics_stream_url is not None:
            render.MetricsStream(f"{name}-metrics-stream", owner_id=args.owner_id, url=args.metrics_stream_url,
                                 provider=args.metrics_stream_provider, token_env=METRICS_STREAM_TOKEN_ENV,
                                 opts=child)
        self.register_outputs({"override_ids": self.override_ids})
