"""Postgres setting values (durations, memory sizes): one rule for the stack config and the Supabase provider.

Each check returns None when the value is fine, else the reason, which the caller prefixes with what it names.
The rules and their sources (the Management API's pattern, Postgres's "Numeric with Unit"):
dynamic_providers/core/README.md, "Postgres setting values".
"""
from __future__ import annotations

import re
from typing import Optional

DURATION = re.compile(r"^(-?[0-9]+(?:\.[0-9]+)?)(us|ms|s|min|h|d)?$")
MEMORY = re.compile(r"^[0-9]+(?:\.[0-9]+)? *(?:B|kB|MB|GB|TB)?$")
# max_slot_wal_keep_size takes -1 (no limit).
SIGNED_MEMORY = re.compile(r"^-?[0-9]+(?:\.[0-9]+)? *(?:B|kB|MB|GB|TB)?$")


def duration(value: str) -> Optional[str]:
    return None if DURATION.fullmatch(value) else "is not a Postgres duration (e.g. 30s, 500ms, 5min)"


def memory(value: str) -> Optional[str]:
    return None if MEMORY.fullmatch(value) else "is not a Postgres memory size (e.g. 8MB, 64kB, 1.5GB)"


def signed_memory(value: str) -> Optional[str]:
    return None if SIGNED_MEMORY.fullmatch(value) else "is not a Postgres memory size or -1 (e.g. 8MB, 64kB, -1)"
