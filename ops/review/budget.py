"""Render's service-create budget: how many `POST /services` the workspace has left this hour, how many a review
stack needs, and the queue that waits for the window instead of failing half-way through an `up`."""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable, Iterable, Optional


if TYPE_CHECKING:
    from dynamic_providers.render.client import RenderApi

# 20 creates per hour per user, in windows that end at the top of each UTC hour: Render's docs (notes/render-api.md
# "Rate limits") and every recorded POST /services answer (tools/sandbox/render/ratelimits.py, its evidence note).
CREATE_LIMIT = 20
WINDOW = timedelta(hours=1)
QUEUED_EXIT = 75  # EX_TEMPFAIL: try again later


def window_start(now: datetime) -> datetime:
    return now.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def window_end(now: datetime) -> datetime:
    return window_start(now) + WINDOW


@dataclass(frozen=True)
class Budget:
    used: int  # services created since the window began, as the vendor lists them
    resets_at: datetime

    @property
    def left(self) -> int:
        return max(0, CREATE_LIMIT - self.used)


def creates_this_window(render: "RenderApi", owner_id: str, now: datetime) -> Budget:
    """The workspace's services created since the top of the hour: one list, `GET /services?createdAfter=`.

    What this cannot see, so the real bucket may hold fewer than it says: services created and deleted within
    the window (each spent a create), Postgres and Key Value creates (the same bucket), and creates of another
    API key on the same user. What it may count too many of: services made by another user of the workspace
    (the bucket is per user). The wait then falls short at worst; the provider still waits out a 429."""
    start = window_start(now)
    # Previews are made by POST .../preview: not this bucket.
    used = sum(1 for _ in render.list_services(owner_id, created_after=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                               include_previews=False))
    return Budget(used=used, resets_at=start + WINDOW)


def service_names(document: dict, stack: str) -> set[str]:
    """The Render services (backend services and the static site) a stack file's config declares."""
    from components import naming  # the program's naming, only when asked

    config = document.get("config") or {}
    tiers = config.get("procurement:tiers") or {}
    names = set()
    if tiers.get("backend"):
        for service in (config.get("procurement:backend") or {}).get("services") or []:
            names.add(naming.physical_name(stack, service["name"], naming.RENDER_SERVICE))
    if tiers.get("frontend"):
        names.add(naming.physical_name(stack, naming.STATIC_SITE, naming.RENDER_SERVICE))
    return names


def creates_needed(document: dict, stack: str, existing: Iterable[str]) -> int:
    """The services the stack would create: the ones it declares that Render does not list yet."""
    return len(service_names(document, stack) - set(existing))


class Queued(SystemExit):
    """The window has too few creates left and waiting would pass --max-wait: exit 75 with the line to print."""

    def __init__(self, message: str) -> None:
        super().__init__(QUEUED_EXIT)
        self.message = message


def queue_line(stack: str, needed: int, budget: Budget) -> str:
    return (f"{stack} queued: needs {needed} service creates, the workspace has {budget.left} of {CREATE_LIMIT} left "
            f"until {budget.resets_at:%H:%M} UTC; it runs then")


def wait_for_budget(stack: str, needed: int, read_budget: Callable[[datetime], Budget], *, again: str,
                    max_wait: Optional[float] = None, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                    sleep: Callable[[float], None] = time.sleep, out=None) -> Budget:
    """Returns once the window has ``needed`` creates left; until then prints the queue line and sleeps to the
    window's end (then reads the budget again). Raises Queued when the wait would pass ``max_wait`` seconds.
    More than CREATE_LIMIT creates never fit one window: the wait is for a fresh one, and the provider's own
    429 handling waits inside the `up` for the rest."""
    out = out or sys.stdout
    started = now()
    while True:
        current = now()
        budget = read_budget(current)
        if budget.left >= min(needed, CREATE_LIMIT):
            return budget
        print(queue_line(stack, needed, budget), file=out, flush=True)
        wait = max(0.0, (budget.resets_at - current).total_seconds())
        if max_wait is not None and (current - started).total_seconds() + wait > max_wait:
            raise Queued(f"{stack} still queued: waiting until {budget.resets_at:%H:%M} UTC would pass --max-wait "
                         f"{max_wait:g} s; run again then: {again}")
        sleep(math.ceil(wait) + 1)  # a second past the top of the hour: the new window has begun
