"""Supabase database access: SSL enforced, network restrictions never open to the world.

`pulumi-python:dynamic/supabase:SslEnforcement` must set `enforced` true (Postgres refuses
unencrypted connections). `pulumi-python:dynamic/supabase:NetworkRestrictions` must list the
networks allowed to connect and none of them may be the whole internet: no CIDR at all means
allow-all (components/database.py declares 0.0.0.0/0 and ::/0 then), and a /0 network
(0.0.0.0/0, ::/0) is allow-all by definition. `supabase-project-secured` makes sure every Supabase
project the stack declares has both settings declared (an undeclared setting is whatever the
project happens to have: allow-all and SSL optional for a new project).
"""
from __future__ import annotations

import ipaddress
from typing import Any, Iterable

from pulumi_policy import PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs

from .inputs import UNKNOWN, lookup, plain
from .tokens import SUPABASE_NETWORK_RESTRICTIONS, SUPABASE_PROJECT, SUPABASE_SSL_ENFORCEMENT

SSL = "supabase-ssl-enforced"
SSL_DESCRIPTION = "The Supabase database refuses connections without SSL (SslEnforcement enforced = true)."
NETWORK = "supabase-network-restricted"
NETWORK_DESCRIPTION = ("The Supabase database accepts connections only from listed networks: no empty list "
                       "(allow-all), no 0.0.0.0/0 or ::/0.")
SECURED = "supabase-project-secured"
SECURED_DESCRIPTION = "Every Supabase project the stack declares has its SslEnforcement and NetworkRestrictions declared."

CIDR_KEYS = ("db_allowed_cidrs", "db_allowed_cidrs_v6")


def validate_ssl(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != SUPABASE_SSL_ENFORCEMENT:
        return
    enforced = lookup(plain(args.props), "enforced")
    if enforced is not True and enforced is not UNKNOWN:
        report_violation(f"'{args.name}' does not enforce SSL (enforced = {enforced!r}): the database would accept "
                         f"unencrypted connections (procurement:database.enforceSsl).")


def _whole_internet(cidr: Any) -> bool:
    try:
        return ipaddress.ip_network(str(cidr).strip(), strict=False).prefixlen == 0
    except ValueError:
        return False  # not a network: the provider's check refuses it


def open_networks(props: dict) -> list[str]:
    """Why these restrictions admit everyone (empty: they do not, or cannot tell yet)."""
    lists = [lookup(props, key) for key in CIDR_KEYS]
    if any(value is UNKNOWN for value in lists):
        return []
    cidrs = [c for value in lists if isinstance(value, list) for c in value]
    if UNKNOWN in cidrs:
        return []
    if not cidrs:
        return ["no network is listed, which allows every address"]
    return [f"{c} is the whole internet" for c in cidrs if _whole_internet(c)]


def validate_network(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != SUPABASE_NETWORK_RESTRICTIONS:
        return
    reasons = open_networks(plain(args.props))
    if reasons:
        report_violation(f"'{args.name}' leaves the database open to the world: {'; '.join(reasons)}. List the "
                         f"networks that connect (the Render workspace's outbound ranges) in "
                         f"procurement:database.networkRestrictions.")


def _settings_of(project: PolicyResource, settings: Iterable[PolicyResource]) -> list[PolicyResource]:
    """The settings bound to this project: their `project_ref` input depends on it."""
    return [s for s in settings
            if any(dep.urn == project.urn for dep in (s.property_dependencies or {}).get("project_ref") or [])]


def validate_secured(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    projects = [r for r in resources if r.resource_type == SUPABASE_PROJECT]
    for project in projects:
        missing = [kind.rsplit(":", 1)[-1] for kind in (SUPABASE_SSL_ENFORCEMENT, SUPABASE_NETWORK_RESTRICTIONS)
                   if not _settings_of(project, (r for r in resources if r.resource_type == kind))]
        if missing:
            report_violation(f"Supabase project '{project.name}' has no {' and no '.join(missing)} declared: its "
                             f"database keeps whatever the project has (a new one: SSL optional, every address "
                             f"allowed).", project.urn)
