"""Observability tier, Cloudflare side: health checks on the public hosts and who hears about them.

``EdgeMonitoring``; the Render side (``RenderAlerting``) lives in components/alerting.py, so the local stack never
imports pulumi_cloudflare. What is probed, how the uptime and response targets are written into each check, and
the verification status: components/README.md, "observability.py and alerting.py".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_cloudflare as cloudflare

from components import naming
from components.config import HealthCheck, ObservabilityConfig

HEALTH_ALERT = "health_check_status_notification"
APP_PATH = "/"  # the static site's index; config has no separate app health path


@dataclass(frozen=True, kw_only=True)
class EdgeMonitoringArgs:
    zone_id: str
    """Cloudflare zone the hosts are in (`edge.zoneId`); health checks are zone objects."""

    stack: str
    """Stack name, for physical names (`procurement-<stack>-…`)."""

    health_check: HealthCheck
    """Probe settings (`edge.healthCheck`): path on the API host, interval, timeout, retries,
    consecutive fails/successes, expected codes, and the address alerts go to."""

    targets: ObservabilityConfig
    """The platform's objectives (`observability`): uptime percent and response-time target."""

    api_hostname: str
    """Public API host, probed at the health-check path."""

    app_hostname: Optional[str] = None
    """Public web-app host, probed at `/`. None: no app check (frontend tier off)."""

    account_id: Optional[pulumi.Input[str]] = None
    """Cloudflare account that owns the zone (notification policies are account objects).
    None: read from the zone with the provider's getZone lookup."""


class EdgeMonitoring(pulumi.ComponentResource):
    """Cloudflare health checks and their alert policy (``procurement:observability:EdgeMonitoring``).

    Children: ``<name>-api-health`` and ``<name>-app-health`` (cloudflare:index/healthcheck:Healthcheck),
    ``<name>-alerts`` (cloudflare:index/notificationPolicy:NotificationPolicy) when an alert address is
    configured.
    """

    api_health_check_id: pulumi.Output[str]
    """Id of the health check on the API host."""
    app_health_check_id: Optional[pulumi.Output[str]]
    """Id of the health check on the app host; None without an app host."""
    notification_policy_id: Optional[pulumi.Output[str]]
    """Id of the email policy for status changes; None without `edge.healthCheck.notificationEmail`."""

    def __init__(self, name: str, args: EdgeMonitoringArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("procurement:observability:EdgeMonitoring", name, None, opts)
        check = args.health_check
        checks = [self._health_check(f"{name}-api-health", args, "api", args.api_hostname, check.path)]
        if args.app_hostname is not None:
            checks.append(self._health_check(f"{name}-app-health", args, "app", args.app_hostname, APP_PATH))

        self.api_health_check_id = checks[0].id
        self.app_health_check_id = checks[1].id if len(checks) > 1 else None
        self.notification_policy_id = None
        if check.notification_email:
            account_id = args.account_id if args.account_id is not None else self._zone_account(args.zone_id)
            self.notification_policy_id = cloudflare.NotificationPolicy(
                f"{name}-alerts",
                account_id=account_id,
                name=naming.physical_name(args.stack, "health-alerts", naming.CLOUDFLARE_NAME),
                description=f"procurement {args.stack}: a public host changed health status",
                alert_type=HEALTH_ALERT,
                enabled=True,
                mechanisms=cloudflare.NotificationPolicyMechanismsArgs(
                    emails=[cloudflare.NotificationPolicyMechanismsEmailArgs(id=check.notification_email)]),
                # Only this stack's checks: staging and production alert different people.
                filters=cloudflare.NotificationPolicyFiltersArgs(health_check_ids=[c.id for c in checks]),
                opts=pulumi.ResourceOptions(parent=self),
            ).id

        self.register_outputs({
            "api_health_check_id": self.api_health_check_id,
            "app_health_check_id": self.app_health_check_id,
            "notification_policy_id": self.notification_policy_id,
        })

    def _health_check(self, child: str, args: EdgeMonitoringArgs, purpose: str, host: str,
                      path: str) -> cloudflare.Healthcheck:
        check, targets = args.health_check, args.targets
        return cloudflare.Healthcheck(
            child,
            zone_id=args.zone_id,
            name=naming.physical_name(args.stack, f"{purpose}-health", naming.CLOUDFLARE_NAME),
            description=(f"https://{host}{path}; targets: uptime {targets.uptime_target_percent}%, "
                         f"response < {targets.response_time_target_ms} ms"),
            address=host,
            type="HTTPS",
            http_config=cloudflare.HealthcheckHttpConfigArgs(
                method="GET",
                path=path,
                port=443,
                expected_codes=[check.expected_codes],
                follow_redirects=False,  # a redirect from a health endpoint is a misconfiguration
                allow_insecure=False,
            ),
            interval=check.interval_seconds,
            timeout=check.timeout_seconds,
            retries=check.retries,
            consecutive_fails=check.consecutive_fails,
            consecutive_successes=check.consecutive_successes,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _zone_account(self, zone_id: str) -> pulumi.Output[str]:
        return zone_account_id(zone_id, self)


def zone_account_id(zone_id: str, parent: pulumi.Resource) -> pulumi.Output[str]:
    """The Cloudflare account that owns the zone (account objects: notification policies, R2 buckets, tokens)."""
    zone = cloudflare.get_zone_output(zone_id=zone_id, opts=pulumi.InvokeOutputOptions(parent=parent))

    def account_of(result) -> str:
        account = getattr(result, "account", None)
        account_id = account.get("id") if isinstance(account, dict) else getattr(account, "id", None)
        if not account_id:
            raise ValueError(f"observability: Cloudflare getZone({zone_id}) returned no account id; "
                             "check the token's zone read permission (edge.zoneId)")
        return account_id

    return zone.apply(account_of)
