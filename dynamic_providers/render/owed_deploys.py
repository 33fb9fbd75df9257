"""A deploy that a change still needs is recorded in the state until it is made.

Render applies env vars, secret files and build settings only at the next deploy, so a resource that writes
them and then deploys keeps ``deployed_fingerprint``; while it differs from what the resource declares,
``pending_changes`` reports ``deploy`` and the next ``up`` makes it. Details: dynamic_providers/render/README.md,
"Owed deploys".
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping, Optional

from ..core.fields import contains_unknown

OWED = "deploy"  # the name pending_changes reports and update_remote finds in `changed`
OUTPUT = "deployed_fingerprint"


def fingerprint(values: Mapping[str, Any]) -> str:
    """SHA-256 of what a deploy puts into effect (names and values, order-independent)."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def owed(olds: Mapping[str, Any], declared: Mapping[str, Any], enabled: bool,
         previous: Optional[Mapping[str, Any]] = None) -> set[str]:
    """``{OWED}`` when the state's last deploy did not cover what the state declared (``previous``, the
    values before this edit), else empty. An edit of the values is an input change, whose update deploys
    anyway: reported as owed too, the plan would show the output-only fingerprint changing beside it."""
    recorded: Optional[str] = olds.get(OUTPUT)
    if not enabled or not recorded or contains_unknown(declared):
        return set()  # not tracked, or an unknown value (a change already)
    if recorded == fingerprint(declared):
        return set()
    if previous is not None and recorded == fingerprint(previous):
        return set()  # the last deploy covered the state: the difference is this edit, an input change
    return {OWED}
