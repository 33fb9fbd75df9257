"""The runs a daily-style cron schedule (``M H * * DOW``, UTC, the backup's `backup.schedule`) makes in a window."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from .records import Window


def _days_of_week(field: str) -> Optional[set[int]]:
    """Cron day-of-week (0 or 7 = Sunday) as Python weekdays (0 = Monday); None when not understood."""
    if field == "*":
        return set(range(7))
    days: set[int] = set()
    for part in field.split(","):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            return None
        for day in range(int(low), int(high or low) + 1):
            days.add((day - 1) % 7)
    return days


def runs(schedule: str, window: Window) -> Optional[list[datetime]]:
    """Run times in [start, end); None for a schedule other than minute, hour and days of the week."""
    fields = schedule.split()
    if len(fields) != 5 or not fields[0].isdigit() or not fields[1].isdigit() or fields[2:4] != ["*", "*"]:
        return None
    weekdays = _days_of_week(fields[4])
    if weekdays is None:
        return None
    found, day = [], window.start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < window.end:
        run = day.replace(hour=int(fields[1]), minute=int(fields[0]))
        if window.holds(run) and run.weekday() in weekdays:
            found.append(run)
        day += timedelta(days=1)
    return found
