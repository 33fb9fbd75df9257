"""Every check of a stack: read once (ops/readings), judge (pure functions), in screen order."""
from __future__ import annotations

import os
from datetime import datetime
from typing import Optional

from policies.enforcement import ENVIRONMENT_KEY, facts_from

from ..readings import apis, drift, restore_tests
from ..readings.coverage import read_coverage
from ..readings.render import read_service
from ..readings.stack import StackReading
from ..readings.supabase import read_database
from .checks import Check, service_checks
from .database import database_checks, restore_test
from .watch import alert_routing, drift_check


def restore_record(env=os.environ) -> tuple[Optional[dict], Optional[str]]:
    """(the newest record, None) or (None, why none was looked for)."""
    records = restore_tests.open_records(env)
    if records is None:
        return None, restore_tests.NOWHERE
    return restore_tests.newest(records), None


def collect(stack: StackReading, now: datetime, env=os.environ) -> list[Check]:
    checks: list[Check] = []
    services = []
    if stack.services():
        render = apis.render(stack.config)
        services = [read_service(render, name, sid) for name, sid in stack.services().items()]
        for reading in services:
            checks += service_checks(reading, now)
    ref = stack.outputs.get("supabase_project_ref")
    if ref:
        database = read_database(apis.supabase(stack.config), ref)
        pitr_days = (stack.config.get("procurement:database") or {}).get("pitrDays")
        checks += database_checks(database, pitr_days, now)
        checks.append(restore_test(*restore_record(env), now))
    enforcement = facts_from({ENVIRONMENT_KEY: stack.config.get(ENVIRONMENT_KEY) or ""}, stack.name).enforcement
    checks.append(alert_routing(read_coverage(stack.resources), services, enforcement))
    checks.append(drift_check(drift.newest_run(env), now))
    return checks
