"""How the Management API reports secrets it will not return in plaintext, and how we compare them.

- Edge-function secrets: ``GET /secrets`` returns ``value`` = hex SHA-256 of the plaintext.
- Auth config secrets (``smtp_pass``, ``external_*_secret``, hook secrets ...): returned as hex
  HMAC-SHA256 keyed by the project ref (the Supabase CLI compares them this way before pushing).

Comparing digests instead of plaintext is what keeps these resources free of perpetual diffs (the
Terraform provider's most reported bug class) while still noticing out-of-band changes.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Optional


def edge_secret_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def auth_secret_hash(project_ref: str, plaintext: str) -> str:
    return hmac.new(project_ref.encode("utf-8"), plaintext.encode("utf-8"), hashlib.sha256).hexdigest()


def is_masked(remote: Optional[str]) -> bool:
    """A value the API masked (e.g. ``"******"``): it says 'set', but not to what."""
    return bool(remote) and set(remote) <= {"*", "\u00b7", "•"}


def auth_secret_matches(project_ref: str, plaintext: Optional[str], remote: Optional[str]) -> bool:
    """Whether the API's report of an auth secret is consistent with the declared plaintext.

    The API's documented form is the HMAC; a server that echoes plaintext is accepted too, and a
    masked value cannot be compared, so it counts as a match when a value is expected (otherwise
    every preview would show a change nobody can resolve).
    """
    if not plaintext:
        return not remote
    if not remote:
        return False
    if is_masked(remote):
        return True
    got = remote.encode("utf-8")
    return hmac.compare_digest(got, auth_secret_hash(project_ref, plaintext).encode("ascii")) or \
        hmac.compare_digest(got, plaintext.encode("utf-8"))
