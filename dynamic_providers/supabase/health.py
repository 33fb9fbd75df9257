"""When is a Supabase project ready to be written to? Pure decision functions plus one wait loop.

A project is usable only when ``status`` is ACTIVE_HEALTHY *and* every service reported by
``/health`` is healthy: the pooler tenant in particular lags behind ACTIVE_HEALTHY, and settings
written before it exists fail with 500 "error adding pooler tenant" (the Terraform provider's most
reported bug). The loop takes its clock and sleep as arguments so it is tested without waiting.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence, TypeVar

from ..core import progress
from ..core.polling import PollTimeoutError, poll_until
from .models import ServiceHealth

READY_STATUS = "ACTIVE_HEALTHY"
# Statuses a project passes through on its way to ACTIVE_HEALTHY (create, restore, resize, restart).
PENDING_STATUSES = frozenset({
    "UNKNOWN", "COMING_UP", "ACTIVE_UNHEALTHY", "RESTORING", "UPGRADING", "RESIZING", "RESTARTING",
})
# Statuses it will not leave by itself: waiting for them to change is pointless.
FAILED_STATUSES = frozenset({
    "INIT_FAILED", "REMOVED", "GOING_DOWN", "INACTIVE", "PAUSING", "PAUSE_FAILED", "RESTORE_FAILED",
})

# The services we require healthy before writing settings. pg_bouncer is left out: new projects
# use Supavisor ("pooler") and the legacy PgBouncer is not provisioned unless bought as an add-on.
DEFAULT_SERVICES: tuple[str, ...] = ("auth", "db", "db_postgres_user", "pooler", "realtime", "rest", "storage")
KNOWN_SERVICES = frozenset(DEFAULT_SERVICES) | {"pg_bouncer"}


class ProjectFailedError(RuntimeError):
    """The project reached a status it will not recover from on its own."""


class WaitTimeoutError(PollTimeoutError):
    """The project or its services did not become ready in time."""


def classify_status(status: Optional[str]) -> str:
    """'ready', 'failed' or 'pending'. Unknown (new) statuses count as pending: the timeout bounds them."""
    if status == READY_STATUS:
        return "ready"
    if status in FAILED_STATUSES:
        return "failed"
    return "pending"


def failed_status_message(ref: str, status: str) -> str:
    hints = {
        "INIT_FAILED": "project initialisation failed on Supabase's side; delete the project "
                       "(dashboard or `supabase projects delete`) and run `pulumi up` again",
        "INACTIVE": "the project is paused; restore it (POST /v1/projects/{ref}/restore) first",
        "PAUSING": "the project is being paused; restore it once paused",
        "PAUSE_FAILED": "pausing the project failed; contact Supabase support",
        "RESTORE_FAILED": "restoring the project failed; contact Supabase support",
        "REMOVED": "the project was deleted",
        "GOING_DOWN": "the project is being deleted",
    }
    hint = hints.get(status, "")
    return f"Supabase project {ref} is {status}" + (f": {hint}" if hint else "")


@dataclass(frozen=True)
class HealthVerdict:
    ready: bool
    waiting: tuple[str, ...]  # "name (status: error)" for each service not healthy yet

    def describe(self) -> str:
        return ", ".join(self.waiting) if self.waiting else "all services healthy"


def _is_healthy(service: ServiceHealth) -> bool:
    if service.status is not None:
        return service.status == READY_STATUS
    return service.healthy is True  # deprecated boolean, for servers that send only that


def evaluate_health(services: Iterable[ServiceHealth], required: Sequence[str]) -> HealthVerdict:
    """Which required services are not healthy yet.

    ``rest`` is skipped when its ``db_schema`` is empty: the Data API is then disabled on purpose
    and never becomes healthy (Terraform provider issue #304). Anything else not healthy, including
    the pooler's "tenant not found" while it is provisioned, is waited for until the deadline.
    """
    by_name = {s.name: s for s in services}
    waiting = []
    for name in required:
        service = by_name.get(name)
        if service is None:
            waiting.append(f"{name} (not reported)")
            continue
        if name == "rest" and service.db_schema == "":
            continue
        if _is_healthy(service):
            continue
        detail = service.status or "unknown"
        if service.error:
            detail += f": {service.error}"
        waiting.append(f"{name} ({detail})")
    return HealthVerdict(ready=not waiting, waiting=tuple(waiting))


T = TypeVar("T")


def wait_until(
    poll: Callable[[], T],
    pending_reason: Callable[[T], Optional[str]],
    *,
    timeout_s: float,
    interval_s: float,
    what: str,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> T:
    """Poll until ``pending_reason(value)`` is None and return that value.

    The first check is immediate, then the core's backoff with jitter (dynamic_providers/core/polling.py)
    from a fraction of a second up to ``interval_s`` between checks: a project that is ready soon is
    seen soon, a slow one costs few requests. Every pending poll is shown on the resource's row in
    the CLI (what is awaited, the last reason, the time waited so far). ``pending_reason`` raises
    (:class:`ProjectFailedError`) to stop early; that error and the timeout both say what was awaited
    (with the project's ref), the last reason, e.g. "pooler (COMING_UP)", and how long it waited.
    """
    started = clock()

    def reason_or_failure(value: T) -> Optional[str]:
        try:
            return pending_reason(value)
        except ProjectFailedError as exc:
            raise ProjectFailedError(f"{exc} (after waiting {progress.duration(clock() - started)} for "
                                     f"{what})") from exc

    return poll_until(poll, reason_or_failure, timeout_s=timeout_s, cap_s=interval_s, what=what, clock=clock,
                      sleep=sleep, rng=rng, timeout_error=WaitTimeoutError)
