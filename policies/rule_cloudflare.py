"""Cloudflare zone TLS rules: SSL mode strict, minimum TLS 1.2, HSTS on.

They judge `cloudflare:index/zoneSetting:ZoneSetting` resources by `settingId` and `value` (wire
names of pulumi-cloudflare 6.x). Only the stack that owns the zone-wide settings declares them
(production, `edge.manageZoneSettings`); `cloudflare-zone-security-complete` makes sure that stack
does not silently drop one of the three.
"""
from __future__ import annotations

from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, StackValidationArgs

from .inputs import UNKNOWN, lookup, plain
from .tokens import CLOUDFLARE_ZONE_SETTING

SSL_STRICT = "cloudflare-ssl-strict"
SSL_STRICT_DESCRIPTION = "The Cloudflare zone's SSL mode is 'strict' (Full (strict): the origin certificate is verified)."
MIN_TLS = "cloudflare-min-tls-1-2"
MIN_TLS_DESCRIPTION = "The Cloudflare zone accepts TLS 1.2 or newer only."
HSTS = "cloudflare-hsts-on"
HSTS_DESCRIPTION = "The Cloudflare zone sends Strict-Transport-Security with a max-age of at least 180 days."
COMPLETE = "cloudflare-zone-security-complete"
COMPLETE_DESCRIPTION = ("A stack that manages Cloudflare zone settings manages all of ssl, min_tls_version and "
                        "security_header (HSTS).")

HSTS_MIN_MAX_AGE = 15_552_000  # 180 days, the floor browsers' and scanners' guidance uses
REQUIRED_SETTINGS = ("ssl", "min_tls_version", "security_header")


def _setting(args: ResourceValidationArgs, setting_id: str) -> Any:
    """The value of this zone setting, or None when the resource is another setting or type."""
    if args.resource_type != CLOUDFLARE_ZONE_SETTING:
        return None
    props = plain(args.props)
    if lookup(props, "settingId") != setting_id:
        return None
    return lookup(props, "value")


def validate_ssl(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    value = _setting(args, "ssl")
    if value is None or value is UNKNOWN:
        return
    if value != "strict":
        report_violation(f"Zone setting '{args.name}' sets SSL mode '{value}'; it must be 'strict' "
                         f"(procurement:edge.sslMode).")


def _tls_version(value: Any) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def validate_min_tls(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    value = _setting(args, "min_tls_version")
    if value is None or value is UNKNOWN:
        return
    version = _tls_version(value)
    if version is None or version < 1.2:
        report_violation(f"Zone setting '{args.name}' allows TLS {value}; the minimum must be 1.2 or 1.3 "
                         f"(procurement:edge.minTlsVersion).")


def _first(mapping: Any, *keys: str) -> Any:
    for key in keys:
        value = lookup(mapping, key)
        if value is not None:
            return value
    return None


def validate_hsts(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    value = _setting(args, "security_header")
    if value is None or value is UNKNOWN:
        return
    hsts = _first(value, "strict_transport_security", "strictTransportSecurity")
    if hsts is UNKNOWN:
        return
    enabled = _first(hsts, "enabled")
    max_age = _first(hsts, "max_age", "maxAge")
    if enabled is UNKNOWN or max_age is UNKNOWN:
        return
    if enabled is not True:
        report_violation(f"Zone setting '{args.name}' does not enable HSTS (strict_transport_security.enabled); "
                         f"set procurement:edge.hsts.enabled.")
    elif not isinstance(max_age, (int, float)) or max_age < HSTS_MIN_MAX_AGE:
        report_violation(f"Zone setting '{args.name}' sends HSTS with max-age {max_age}; at least "
                         f"{HSTS_MIN_MAX_AGE} seconds (180 days) is required (procurement:edge.hsts.maxAgeSeconds).")


def validate_complete(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    settings = [r for r in args.resources if r.resource_type == CLOUDFLARE_ZONE_SETTING]
    if not settings:
        return  # this stack does not own the zone-wide settings
    present = {lookup(plain(r.props), "settingId") for r in settings}
    missing = [s for s in REQUIRED_SETTINGS if s not in present]
    if missing and UNKNOWN not in present:
        report_violation(f"This stack manages Cloudflare zone settings but not {', '.join(missing)}; the owner of "
                         f"the zone-wide settings must manage all of {', '.join(REQUIRED_SETTINGS)}.")
