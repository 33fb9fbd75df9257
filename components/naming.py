"""The one place physical names are made: `procurement-<stack>-<purpose>`, within each API's limit.

Physical names are what the vendors see (Render service names, the Supabase project name, Postgres
roles, Cloudflare health checks, ...). Logical (Pulumi) names are the components' business and
are derived from the component name. A name over its limit is cut and given a short hash of the
full name, so it stays unique and stable: the same inputs always give the same name, and changing
a name replaces the vendor object, so these rules are part of the contract.
"""
from __future__ import annotations

import hashlib
import re

PROJECT = "procurement"

# Limits per API. Where the vendor does not publish one, the comment says why the number.
RENDER_SERVICE = 63  # not in the spec; the name becomes the <name>.onrender.com DNS label (<= 63)
RENDER_ENV_GROUP = 63  # same convention as services (no documented limit)
SUPABASE_PROJECT = 256  # V1CreateProjectBody.name.maxLength
POSTGRES_IDENTIFIER = 63  # NAMEDATALEN - 1
CLOUDFLARE_NAME = 63  # health checks/notification policies: kept DNS-label sized for readability
GITHUB_ENVIRONMENT = 255
DNS_LABEL = 63

_HASH_LENGTH = 8
_UNSAFE = re.compile(r"[^a-z0-9]+")


def _normalise(text: str, separator: str) -> str:
    return _UNSAFE.sub(separator, text.lower()).strip(separator)


def fit(name: str, limit: int, separator: str = "-") -> str:
    """`name` unchanged when it fits, else cut and suffixed with a hash of the full name."""
    if limit < _HASH_LENGTH + 2:
        raise ValueError(f"limit {limit} leaves no room for the hash suffix")
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH_LENGTH]
    head = name[: limit - _HASH_LENGTH - 1].rstrip(separator)
    return f"{head}{separator}{digest}"


def physical_name(stack: str, purpose: str, limit: int = DNS_LABEL) -> str:
    """`procurement-<stack>-<purpose>`, lowercase, '-' separated, at most `limit` characters.

    >>> physical_name("production", "api")
    'procurement-production-api'
    """
    parts = [_normalise(p, "-") for p in (PROJECT, stack, purpose)]
    if not all(parts):
        raise ValueError(f"stack {stack!r} and purpose {purpose!r} must contain letters or digits")
    return fit("-".join(parts), limit)


def postgres_role_name(stack: str, purpose: str) -> str:
    """Role names are identifiers: '_' instead of '-' (no quoting needed in SQL)."""
    parts = [_normalise(p, "_") for p in (PROJECT, stack, purpose)]
    if not all(parts):
        raise ValueError(f"stack {stack!r} and purpose {purpose!r} must contain letters or digits")
    return fit("_".join(parts), POSTGRES_IDENTIFIER, separator="_")


# Review stacks (issue 26): the stack `pr-<n>` of pull request n, and the tag every vendor object it makes
# carries: Render `procurement-pr-<n>[-<purpose>]`, Supabase branch `pr-<n>`. `review_pr_of` reads any of them.
# The static site's purpose in its physical name (components/frontend.py; the review budget counts it).
STATIC_SITE = "app"

REVIEW_PREFIX = "pr-"
_REVIEW_NAME = re.compile(rf"^(?:{PROJECT}-)?{REVIEW_PREFIX}([1-9][0-9]*)(?:-.+)?$")


def review_stack(pr: int) -> str:
    """The review stack (and Supabase branch) name of pull request `pr`: `pr-<n>`."""
    if isinstance(pr, bool) or not isinstance(pr, int) or pr < 1:
        raise ValueError(f"a pull request number is a positive integer (got {pr!r})")
    return f"{REVIEW_PREFIX}{pr}"


def review_pr_of(name: str) -> int | None:
    """The pull request a name is tagged with: `pr-7`, `procurement-pr-7`, `procurement-pr-7-api` -> 7; else None."""
    match = _REVIEW_NAME.match(name or "")
    return int(match.group(1)) if match else None
