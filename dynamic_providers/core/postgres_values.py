"""Postgres setting values (durations, memory sizes): one rule for the stack config and the Supabase provider.

Each check returns None when the value is fine, else the reason ("is not a Postgres memory size ..."), which
the caller prefixes with what it names (the config key's value, the provider input).

Sources:
- Durations: the Supabase Management API's own pattern for statement_timeout, wal_sender_timeout and
  checkpoint_timeout (UpdatePostgresConfigBody, /work/shared/specs/supabase/openapi.json): a number, a
  fraction allowed, then us, ms, s, min, h or d with no space (the API refuses what Postgres would allow).
- Memory sizes: the API declares work_mem and the other sizes as plain strings, so Postgres decides:
  "Numeric with Unit" (postgresql.org/docs/current/config-setting.html, "Parameter Names and Values"):
  units B, kB, MB, GB, TB, case-sensitive (so "8mb" and "8KB" are refused by Postgres), whitespace
  allowed between number and unit ("256 MB"), a fraction allowed with a unit ("1.5GB" is rounded to the
  next smaller unit).
"""
from __future__ import annotations

import re
from typing import Optional

DURATION = re.compile(r"^(-?[0-9]+(?:\.[0-9]+)?)(us|ms|s|min|h|d)?$")
MEMORY = re.compile(r"^[0-9]+(?:\.[0-9]+)? *(?:B|kB|MB|GB|TB)?$")
# max_slot_wal_keep_size takes -1 (no limit).
SIGNED_MEMORY = re.compile(r"^-?[0-9]+(?:\.[0-9]+)? *(?:B|kB|MB|GB|TB)?$")


def duration(value: str) -> Optional[str]:
    return None if DURATION.match(value) else "is not a Postgres duration (e.g. 30s, 500ms, 5min)"


def memory(value: str) -> Optional[str]:
    return None if MEMORY.match(value) else "is not a Postgres memory size (e.g. 8MB, 64kB, 1.5GB)"


def signed_memory(value: str) -> Optional[str]:
    return None if SIGNED_MEMORY.match(value) else "is not a Postgres memory size or -1 (e.g. 8MB, 64kB, -1)"
