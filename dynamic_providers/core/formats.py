"""Value formats the stack config and the providers both check: one rule per fact, with the vendor's source.

Each check returns None when the value is fine, else the reason ("is not ..."), which the caller prefixes with what
it names (the config key's value, the provider input). Rules and sources: dynamic_providers/core/README.md,
"Shared value formats". Postgres setting values (durations, sizes) are in ``postgres_values``.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Optional

# Postgres "Identifiers and Key Words" (postgresql.org/docs/current/sql-syntax-lexical.html): a letter or '_', then
# letters, digits, '_' (and '$'); at most NAMEDATALEN-1 = 63 bytes (longer names are silently truncated). Lower-case
# ASCII only, so the name reads the same quoted or not (unquoted names fold to lower case).
PG_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Postgres's check_valid_extension_name (src/backend/commands/extension.c): not empty, no "--", no '-' first or
# last, no directory separator; the name is the control file's, so as shipped: lower-case letters, digits, '_'
# and '-' (uuid-ossp, which Supabase pre-installs), at most 63 bytes like any name.
EXTENSION_NAME = re.compile(r"(?!.*--)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# The Management API's path parameter `ref` (/work/shared/specs/supabase/openapi.json: minLength 20,
# maxLength 20, pattern ^[a-z]+$).
SUPABASE_REF = re.compile(r"[a-z]{20}")
# RFC 5322 addr-spec (section 3.4.1), which `format: email` means in OpenAPI 3.0 (JSON Schema Validation
# draft-wright-00, 7.3.2; the Management API declares smtp_admin_email so): a dot-atom local part (no quoted
# strings) and a domain with a dot (a bare host name is not deliverable from the vendor's mail servers).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# POSIX's portable environment variable name (IEEE Std 1003.1, 8.1): what shells, Docker and every language
# runtime (Deno's for Supabase Edge Functions) read. Each vendor sets its own length and reserved prefixes.
ENV_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# fullmatch, never `$`: `$` also matches before a final newline, which would let "name\n" through.
def pg_identifier(value: str) -> Optional[str]:
    if PG_IDENTIFIER.fullmatch(value):
        return None
    return "is not a plain Postgres identifier (lowercase letters, digits, '_', at most 63)"


def extension_name(value: str) -> Optional[str]:
    if EXTENSION_NAME.fullmatch(value):
        return None
    return ("is not a Postgres extension name (lowercase letters, digits, '_' and '-' as in uuid-ossp, no '-' first, "
            "last or doubled, at most 63)")


def supabase_ref(value: str) -> Optional[str]:
    return None if SUPABASE_REF.fullmatch(value) else "is not a Supabase project ref (20 lowercase letters)"


def email(value: str) -> Optional[str]:
    return None if EMAIL.fullmatch(value) else "is not an email address"


def env_var_name(value: str) -> Optional[str]:
    if ENV_VAR_NAME.fullmatch(value):
        return None
    return "is not an environment variable name (letters, digits and '_', not starting with a digit)"


def cidr(value: str) -> Optional[str]:
    """An IPv4 or IPv6 network written with its prefix length and no host bits set (203.0.113.0/24, 2001:db8::/32):
    what the vendors' allow lists take (Supabase's dbAllowedCidrs and dbAllowedCidrsV6). A bare address is refused
    rather than read as a /32 or /128, so a list says what it allows."""
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        return f"is not a CIDR block ({exc})"
    if "/" not in value:
        return f"needs a prefix length (e.g. {value}/{network.max_prefixlen})"
    return None


# Client addresses a database allow list can never see: Supabase's Terraform provider refuses them client-side
# (/work/shared/notes/supabase-api.md, "Network restrictions"). Explicit ranges rather than
# ``ipaddress.is_private``, which also counts the documentation ranges.
NON_PUBLIC = {
    4: tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
                                               "169.254.0.0/16", "100.64.0.0/10", "224.0.0.0/4")),
    6: tuple(ipaddress.ip_network(n) for n in ("fc00::/7", "fe80::/10", "::1/128", "ff00::/8")),
}


def public_cidr(value: str) -> Optional[str]:
    """A CIDR (above) of public addresses, or a /0 (everyone): what a database allow list can match."""
    reason = cidr(value)
    if reason:
        return reason
    network = ipaddress.ip_network(value)
    if network.prefixlen and any(network.subnet_of(block) for block in NON_PUBLIC[network.version]):
        return ("is a private/loopback/link-local network; restrictions apply to the public addresses clients "
                "connect from")
    return None
