"""Monitoring coverage: every public service is watched from outside and its failures reach someone.

For each public host (a Render web service or static site with a custom domain): a Cloudflare health check on it,
a notification policy naming that check, and a Render notification override sending failures. Resources are
linked through their input dependencies (no ids in a preview). Details: policies/README.md, "Monitoring coverage".
"""
from __future__ import annotations

from typing import Iterable, Optional

from pulumi_policy import PolicyResource, ReportViolation, StackValidationArgs

from .inputs import UNKNOWN, lookup, plain
from .tokens import (CLOUDFLARE_HEALTHCHECK, CLOUDFLARE_NOTIFICATION_POLICY, RENDER_CUSTOM_DOMAIN,
                     RENDER_NOTIFICATION_OVERRIDE, RENDER_SERVICE, STATIC_SITE, WEB_SERVICE)

NAME = "public-service-monitored"
DESCRIPTION = ("Every public Render service (a web service or static site with a custom domain) has a Cloudflare "
               "health check on each of its host names with a notification policy, and a Render notification "
               "override sending failures: no public service without a health check and an alert route.")
HEALTH_ALERT = "health_check_status_notification"
ALERTING_EVENTS = ("failure", "all")


def _depends_on(resource: PolicyResource, prop: str, target: PolicyResource) -> bool:
    return any(dep.urn == target.urn for dep in (resource.property_dependencies or {}).get(prop) or [])


def _service_of(domain: PolicyResource, services: Iterable[PolicyResource]) -> Optional[PolicyResource]:
    return next((s for s in services if _depends_on(domain, "service_id", s)), None)


def _policy_alerts(policy: PolicyResource, check: PolicyResource) -> bool:
    props = plain(policy.props)
    if lookup(props, "enabled") is False or lookup(props, "alertType") not in (HEALTH_ALERT, UNKNOWN):
        return False
    mechanisms = lookup(props, "mechanisms")
    if mechanisms is not UNKNOWN and not (isinstance(mechanisms, dict) and any(
            isinstance(v, list) and v for v in mechanisms.values())):
        return False
    return _depends_on(policy, "filters", check)


def _alerting_override(override: PolicyResource, service: PolicyResource) -> bool:
    events = lookup(plain(override.props), "notifications_to_send")
    return _depends_on(override, "service_id", service) and (events in ALERTING_EVENTS or events is UNKNOWN)


def public_hosts(resources: list[PolicyResource]) -> list[tuple[PolicyResource, str]]:
    """(service, host) for every custom domain of a web service or static site of the stack."""
    services = [r for r in resources if r.resource_type == RENDER_SERVICE
                and lookup(plain(r.props), "service_type") in (WEB_SERVICE, STATIC_SITE, UNKNOWN)]
    found = []
    for domain in (r for r in resources if r.resource_type == RENDER_CUSTOM_DOMAIN):
        service = _service_of(domain, services)
        host = lookup(plain(domain.props), "name")
        if service is None or host is UNKNOWN or not isinstance(host, str):
            continue  # not a web service or static site of this stack, or not known yet
        found.append((service, host.lower().rstrip(".")))
    return found


def gaps(resources: list[PolicyResource]) -> list[tuple[PolicyResource, str, list[str]]]:
    """(service, host, what is missing) for every public host that lacks a health check or an alert route."""
    checks = [r for r in resources if r.resource_type == CLOUDFLARE_HEALTHCHECK]
    policies = [r for r in resources if r.resource_type == CLOUDFLARE_NOTIFICATION_POLICY]
    overrides = [r for r in resources if r.resource_type == RENDER_NOTIFICATION_OVERRIDE]
    found = []
    for service, host in public_hosts(resources):
        missing = []
        probing = [c for c in checks if str(lookup(plain(c.props), "address") or "").lower().rstrip(".") == host]
        if not probing:
            missing.append(f"no Cloudflare health check probes {host} (tiers.edge and tiers.observability)")
        elif not any(_policy_alerts(p, c) for p in policies for c in probing):
            missing.append(f"no enabled Cloudflare notification policy alerts on the health check of {host} "
                           "(edge.healthCheck.notificationEmail)")
        if not any(_alerting_override(o, service) for o in overrides):
            missing.append("no Render notification override sends its failures "
                           "(observability.alerts.serviceEvents: failure or all)")
        if missing:
            found.append((service, host, missing))
    return found


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for service, host, missing in gaps(list(args.resources)):
        report_violation(f"Public service '{service.name}' ({host}) is not monitored: {'; '.join(missing)}.",
                         service.urn)
