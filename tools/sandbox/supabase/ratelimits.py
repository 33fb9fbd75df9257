"""Supabase's rate limits: 120 requests per minute per user, per scope (project or organization), per endpoint
(10 for custom hostname and vanity subdomain endpoints), the window starting with its first request, enforced by
default.

The documentation and the recorded counts this follows, and how "endpoint" and scope are read:
tools/sandbox/README.md, "Fidelity: Supabase" (the rate limits in detail).
"""

from __future__ import annotations

import functools
import re

from ..ratelimits import Family
from ..routing import SpecRouter
from ..specs import SUPABASE_SPEC

_REF = re.compile(r"^/v1/(?:projects|branches)/([a-z]{20})(?:/|$)")


@functools.lru_cache(maxsize=1)
def _router() -> SpecRouter:
    # Built on first use, not at import: a sandbox without its specs must fail at start with one clear line.
    return SpecRouter(list(SUPABASE_SPEC.document["paths"].keys()))


def _endpoint_scope(method: str, match: re.Match) -> str:
    path = match.string
    found = _router().match(path)
    template = found[0] if found else path
    ref = _REF.match(path)
    return f"{method} {template} @ {ref.group(1) if ref else 'user'}"


FAMILIES: tuple[Family, ...] = (
    Family(
        "custom hostname and vanity subdomain endpoints (per endpoint and project)", None,
        r"/v1/projects/[^/]+/(custom-hostname|vanity-subdomain)(/.*)?", 10, 60,
        "DELETE_v1_projects___PROJECT_REF___custom_hostname, GET/DELETE/POST *_vanity_subdomain*, "
        "POST *_custom_hostname_reverify: Limit 10, Remaining 9, Reset 60; docs: 10/minute.",
        scope=_endpoint_scope, anchored=True),
    Family(
        "endpoint (120 requests per minute per endpoint and project)", None, r"/.*", 120, 60,
        "every other recorded answer: Limit 120, the first of a window Remaining 119 Reset 60; docs: 120 requests "
        "per minute per user, per scope, per endpoint.",
        scope=_endpoint_scope, anchored=True),
)
