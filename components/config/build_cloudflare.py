"""The edge tier: Cloudflare zone settings, rate limit, cache rules and the API health check."""
from __future__ import annotations

from typing import Optional

from . import constants as c
from .declarative import build, get
from .model import BackendConfig, EdgeConfig, HealthCheck, ObservabilityConfig, Tiers
from .reader import Reader


def build_edge(r: Reader, tiers: Tiers, environment: Optional[str], domain: Optional[str],
               backend: Optional[BackendConfig]) -> Optional[EdgeConfig]:
    raw = r.obj("edge", tiers.edge)
    if not tiers.edge:
        return None
    zone = get(raw, "zoneName")
    if zone is not None and domain is not None and domain != zone and not domain.endswith("." + zone):
        r.add("edge.zoneName", f"the domain '{domain}' is not inside the zone '{zone}'")

    hsts, check = get(raw, "hsts"), get(raw, "healthCheck")
    manages = get(raw, "manageZoneSettings")
    if environment == "production" and manages:
        _production_zone_rules(r, raw, hsts)

    email = get(check, "notificationEmail")
    if tiers.observability and check is not None and email is None and not r.reported(
            "edge.healthCheck.notificationEmail"):
        r.add("edge.healthCheck.notificationEmail", "is required when tiers.observability is on "
              "(health-check alerts go there)")

    path = get(check, "path") or (backend.health_check_path if backend is not None else None) or "/health"
    edge = build(EdgeConfig, raw, health_check=build(HealthCheck, check, path=path))
    rules = edge.cache_rules
    for i, rule in enumerate(rules):
        if rule.name is not None and [x.name for x in rules].count(rule.name) > 1:
            r.add(f"edge.cacheRules[{i}].name", f"duplicate cache rule name '{rule.name}'")
    return edge


def check_observability(r: Reader, raw: Optional[dict], observability: ObservabilityConfig,
                        edge: Optional[EdgeConfig]) -> None:
    """The edge's health check waits for the response time the observability tier calls fine."""
    target_ms = observability.response_time_target_ms
    timeout = edge.health_check.timeout_seconds if edge is not None else None
    if target_ms is not None and timeout is not None and timeout * 1000 < target_ms:
        # A probe that gives up before the target would page on responses the target calls fine.
        r.add("edge.healthCheck.timeoutSeconds", f"{timeout}s is shorter than "
              f"observability.responseTimeTargetMs ({target_ms} ms)")


def _production_zone_rules(r: Reader, raw, hsts) -> None:
    """What the production policy pack also enforces; caught here first, before any preview."""
    if get(raw, "sslMode") not in (None, "strict"):
        r.add("edge.sslMode", f"must be 'strict' in production (got '{get(raw, 'sslMode')}')")
    tls = get(raw, "minTlsVersion")
    if tls is not None and c.CLOUDFLARE_TLS_VERSIONS.index(tls) < c.CLOUDFLARE_TLS_VERSIONS.index("1.2"):
        r.add("edge.minTlsVersion", f"must be 1.2 or higher in production (got {tls})")
    if get(hsts, "enabled") is False:
        r.add("edge.hsts.enabled", "must be true in production")
    if get(raw, "alwaysUseHttps") is False:
        r.add("edge.alwaysUseHttps", "must be true in production")
