"""Identifiers in the vendors' formats.

Render ids are a type prefix and 20 characters of lowercase base32hex (``srv-ct6vmjtj0q5s700ckea0`` in the recorded
traffic), the shape of an ``xid``: a timestamp first, so ids sort by creation time, then randomness.
Supabase project refs are 20 lowercase letters (spec: ``^[a-z]+$``, length 20).
"""

from __future__ import annotations

import secrets
import string
import time
import uuid

_BASE32HEX = "0123456789abcdefghijklmnopqrstuv"


def render_id(prefix: str) -> str:
    """``<prefix>-`` + 20 base32hex chars: 32-bit seconds + 68 random bits, like the xids Render hands out."""
    value = (int(time.time()) << 68) | secrets.randbits(68)
    chars = []
    for _ in range(20):
        chars.append(_BASE32HEX[value & 31])
        value >>= 5
    return f"{prefix}-{''.join(reversed(chars))}"


def supabase_ref() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(20))


def new_uuid() -> str:
    return str(uuid.uuid4())


def token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)
