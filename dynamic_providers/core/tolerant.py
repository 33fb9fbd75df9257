"""Tolerant readers for API responses: a wrong type or a missing value becomes None, never an error.

The real Render and Supabase APIs return ``null`` where their specs promise values, omit fields the
specs call required, and grow fields and enum values over time (``shared/recordings``). Decoders
read every value through these helpers, so the shape of what comes back can never crash a
deployment; only the provider decides which missing value is fatal.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional


def obj(value: Any) -> dict:
    """A JSON object, or ``{}``."""
    return value if isinstance(value, Mapping) else {}


def text(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def integer(value: Any) -> Optional[int]:
    # bool is an int subclass in Python; a JSON true is not a number here. Integral floats
    # (the engine sends every number as a double) are numbers.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def boolean(value: Any) -> Optional[bool]:
    return value if isinstance(value, bool) else None


def items(value: Any) -> list:
    """A JSON array (as a new list), or ``[]``."""
    return list(value) if isinstance(value, list) else []
