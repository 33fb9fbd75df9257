"""RFC 3339 times from the vendors and the engine (``…Z`` or an offset) as aware UTC datetimes: one reading for
every ops tool. A time without an offset is taken as UTC, as the vendors write theirs."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional


def utc_time(text: Optional[str]) -> Optional[datetime]:
    """``text`` as an aware UTC datetime; None (or empty) stays None."""
    if not text:
        return None
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
