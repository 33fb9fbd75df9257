"""The release section: the candidate before each web service's deploy, the smoke checks, the watch after the switch."""
from __future__ import annotations

from typing import Optional

from .fields import build, get
from .model import ReleaseConfig, Tiers
from .reader import Reader


def build_release(r: Reader, tiers: Tiers) -> Optional[ReleaseConfig]:
    raw = r.obj("release", tiers.backend)
    if not tiers.backend:
        return None
    seen: set[str] = set()
    for i, check in enumerate(get(raw, "smokeChecks") or ()):
        path = get(check, "path")
        if path is not None and path in seen:
            r.add(f"release.smokeChecks[{i}].path", f"'{path}' is checked already; give each path once")
        seen.add(path)
    return build(ReleaseConfig, raw)
