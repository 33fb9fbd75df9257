"""Supabase's rate limits: 120 requests per minute per user, per scope (project or organization), per endpoint
(Supabase's docs, `apps/docs/content/_partials/api_rate_limits.mdx`, summarised in notes/supabase-api.md:
"Exceeding it returns 429 Too Many Requests for the rest of the window"), enforced by default.

What the recordings (``recordings/supabase/*/N.response.json``, every answer carries ``X-RateLimit-*``) show:
- The first request of a window is answered ``Limit 120, Remaining 119, Reset 60``, whatever the second of the
  minute: the window starts with its first request (``anchored``), unlike Render's clock-aligned ones
  (GET_v1_projects___PROJECT_REF__: 119/60, 118/60, 117/58, 116/54).
- Every endpoint starts its own count at 119 (each folder's first answer), and repeated calls to one endpoint
  count down (DELETE network_bans 119 then 118; GET projects 119, 118, 117, 116).
- Custom hostname and vanity subdomain endpoints allow 10 per window (`*_custom_hostname*`, `*_vanity_subdomain*`:
  Limit 10, Remaining 9), as the docs say.
An "endpoint" is read as method + path template (the stricter reading would share one bucket between GET and
PATCH of a path; the recordings never show either). The scope is the project ref in the path, else the user.
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
