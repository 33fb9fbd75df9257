"""Timestamps in the vendors' format (RFC 3339, UTC, ``Z`` suffix, microseconds as the real APIs send)."""

from __future__ import annotations

import time
from datetime import datetime, timezone


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_at(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now() -> float:
    return time.time()
