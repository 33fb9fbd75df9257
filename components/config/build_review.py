"""`procurement:review` and the review stack's rules: environment review exactly on a stack pr-<n> of the same n,
the section only there, and none of what ops/review/stack_config.py drops (so a hand edit cannot bring it back)."""
from __future__ import annotations

from typing import Any, Optional

from components import naming

from .constants import REVIEW
from .declarative import attribute, build, get
from .keys import BY_NAME
from .model import ReviewConfig, Tiers
from .reader import Reader, full_key, holds_values, json_or_text

# What a review stack never builds (tiers.<name> set false): a registry push, DNS/WAF on the shared zone,
# GitHub settings.
SWITCHED_OFF_TIERS = ("images", "edge", "sourceControl")
# Whole keys dropped: the nightly backup, adoption entries, promotion (the image is pinned), the custom domains'
# host labels (review services answer on onrender.com), and the sections of the tiers switched off.
DROPPED_KEYS = ("backup", "adopt", "promoteFromStack", "apiSubdomain", "appSubdomain", "edge", "sourceControl")
# database fields a branch has no endpoint for (settings answer 404 on a branch ref: notes/supabase-api.md,
# terraform-provider-supabase #345), or that only a project has (protection, PITR, adoption by ref).
DROPPED_DATABASE_FIELDS = ("postgres", "pooler", "networkRestrictions", "enforceSsl", "caCertificate", "auth",
                           "deletionProtection", "pitrDays", "projectRef")
_DERIVE = "derive the stack file again: python -m ops.review derive"


def build_review(r: Reader, environment: Optional[str], stack: str, tiers: Tiers) -> Optional[ReviewConfig]:
    is_review = environment == REVIEW
    raw = r.obj("review", is_review)
    pr = naming.review_pr_of(stack)
    review_name = pr is not None and stack == naming.review_stack(pr)
    if not is_review:
        if review_name and environment is not None:
            r.add("environment", f"is {environment}, but stack {stack} is a pull request's review stack: its "
                  f"environment is review ({_DERIVE})")
        given = _given(r, "review")
        for field in sorted(given) if isinstance(given, dict) else ():
            r.add(f"review.{field}", f"is only read on a review stack (environment review, stack pr-<n>), not on "
                  f"{environment or 'this'} stack {stack}; remove procurement:review")
        return None

    if not review_name:
        r.add("environment", f"review is the environment of a pull request's stack pr-<n>, not of stack {stack}")
    elif get(raw, "pr") is not None and get(raw, "pr") != pr:
        r.add("review.pr", f"is {get(raw, 'pr')}, but the stack is {stack}: a review stack deploys its own pull "
              f"request ({_DERIVE})")
    for tier in SWITCHED_OFF_TIERS:
        if getattr(tiers, attribute(tier)):
            r.add(f"tiers.{tier}", f"must be false on a review stack ({_DERIVE})")
    for key in DROPPED_KEYS:
        stored = r.raw.values.get(full_key(key))
        if stored is not None and holds_values(stored) and json_or_text(stored) != BY_NAME[key].default:
            r.add(key, f"is not read on a review stack ({_DERIVE})")
    database = _given(r, "database")
    for field in DROPPED_DATABASE_FIELDS if isinstance(database, dict) else ():
        if field in database:
            r.add(f"database.{field}", f"a Supabase branch has no such setting (only its parent project has); "
                  f"remove it ({_DERIVE})")
    return build(ReviewConfig, raw)


def _given(r: Reader, key: str) -> Any:
    """The key's value as the stack set it (None: absent), not its parsed, defaulted form."""
    stored = r.raw.values.get(full_key(key))
    return None if stored is None else json_or_text(stored)
