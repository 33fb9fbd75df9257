"""The database's checks over a DatabaseReading and the restore test's newest record (pure functions)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Optional

from ..readings.supabase import DatabaseReading
from .checks import DAILY_MAX_AGE_HOURS, FAIL, HEALTHY_PROJECT, NA, OK, Check, age
from ..timestamps import utc_time


def project(d: DatabaseReading) -> Check:
    name = "database: project"
    sick = [f"{h.name} {h.status or 'unknown'}" for h in d.health if h.healthy is not True]
    if d.project.status != HEALTHY_PROJECT or sick:
        return Check(name, FAIL, f"{d.project.ref} is {d.project.status}" + (f"; unhealthy: {', '.join(sick)}"
                                                                              if sick else ""))
    return Check(name, OK, f"{d.project.ref} {d.project.status}, {', '.join(h.name for h in d.health)} healthy")


def _unix(value: Optional[int]) -> Optional[datetime]:
    return datetime.fromtimestamp(value, timezone.utc) if value else None


def pitr(d: DatabaseReading, pitr_days: Optional[int], now: datetime) -> Check:
    name = "database: PITR"
    b = d.backups
    if not pitr_days:
        return Check(name, NA, "this stack sets no database.pitrDays" + ("" if not b.pitr_enabled else
                                                                          " (yet the project has PITR on)"))
    if not b.pitr_enabled:
        return Check(name, FAIL, f"database.pitrDays is {pitr_days} but the project's PITR is off")
    earliest, latest = _unix(b.earliest_physical_backup_unix), _unix(b.latest_physical_backup_unix)
    if earliest is None or latest is None:
        return Check(name, FAIL, "PITR is on but the project reports no recovery window")
    return Check(name, OK, f"window {earliest:%Y-%m-%d %H:%M} to {latest:%Y-%m-%d %H:%M} UTC "
                           f"({(latest - earliest) / timedelta(days=1):.1f} of {pitr_days} days)")


def newest_backup(d: DatabaseReading, now: datetime) -> Check:
    name = "database: newest backup"
    b = d.backups
    if not b.backup_count or not b.latest_backup_at:
        created = utc_time(d.project.created_at)
        if created is not None and now - created < timedelta(hours=DAILY_MAX_AGE_HOURS):
            return Check(name, NA, f"none yet: the project was created {age(created, now)} (Supabase lists its "
                                   "daily backups from the first day on)")
        return Check(name, FAIL, "the project has no backup")
    taken = utc_time(b.latest_backup_at)
    detail = f"{b.latest_backup_status or 'status unknown'}, {age(taken, now)} ({b.backup_count} listed)"
    overdue = taken is None or now - taken > timedelta(hours=DAILY_MAX_AGE_HOURS)
    if b.latest_backup_status != "COMPLETED" or overdue:
        return Check(name, FAIL, detail + (f"; older than {DAILY_MAX_AGE_HOURS}h" if overdue else ""))
    return Check(name, OK, detail)


def restore_test(record: Optional[dict], not_read: Optional[str], now: datetime) -> Check:
    """``record``: the newest the restore test left (ops/readings/restore_tests.py); ``not_read``: why none
    could be looked for."""
    name = "database: restore test"
    if not_read:
        return Check(name, NA, not_read)
    if record is None:
        return Check(name, FAIL, "the restore test has recorded no result where its records are")
    finished = utc_time(record.get("finished_at"))
    detail = f"{record.get('result')} {age(finished, now)}: backup {record.get('backup')}"
    if record.get("result") != "ok":
        return Check(name, FAIL, f"{detail}: {record.get('detail')}")
    if finished is None or now - finished > timedelta(hours=DAILY_MAX_AGE_HOURS):
        return Check(name, FAIL, f"{detail}; older than {DAILY_MAX_AGE_HOURS}h (the test runs daily)")
    return Check(name, OK, f"{detail} in {record.get('seconds')}s")


def database_checks(d: DatabaseReading, pitr_days: Optional[int], now: datetime) -> list[Check]:
    return [project(d), pitr(d, pitr_days, now), newest_backup(d, now)]
