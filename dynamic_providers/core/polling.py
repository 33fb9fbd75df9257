"""Waiting for a remote object: poll soon, then back off with jitter.

Every wait of the providers (a Render deploy going live, a Supabase project and its services
becoming healthy, settings being applied) goes through here. A fixed first wait costs the whole
wait on every fast answer (issue 16: 2 s before each deploy's first check, 5 s between a project's
first and second check although it was ready after 0.1 s), while polling a slow one fast wastes
requests under the APIs' rate limits. So: the first check at once, then the transport's
"equal jitter" exponential backoff (`backoff_delay`) from ``first_s`` up to ``cap_s``, so long waits
cost few requests and many waits started together do not poll in lockstep.

Rate limits stay the transport's business: a poll that is answered 429 waits there.
"""
from __future__ import annotations

import random
import time
from typing import Callable, Iterator, Optional, TypeVar

from . import progress
from .transport import HttpOptions, backoff_delay

T = TypeVar("T")

FIRST_DELAY_S = 0.5  # upper bound of the first pause; backoff_delay's jitter makes it 0.25-0.5 s


def poll_delays(cap_s: float, first_s: float = FIRST_DELAY_S,
                rng: Callable[[], float] = random.random) -> Iterator[float]:
    """The pauses between polls: endless, each in [step/2, step], the step doubling from ``first_s`` to ``cap_s``."""
    options = HttpOptions(backoff_base=min(first_s, cap_s), backoff_cap=cap_s)
    attempt = 0
    while True:
        attempt += 1
        yield backoff_delay(attempt, options, rng)
        if options.backoff_base * (2 ** (attempt - 1)) >= cap_s:
            attempt -= 1  # at the cap: keep the exponent from growing without bound


class PollTimeoutError(TimeoutError):
    """What was awaited did not happen in time."""


DONE = "done"  # the last status a wait shows on its row once what it awaited happened


def poll_until(
    poll: Callable[[], T],
    pending_reason: Callable[[T], Optional[str]],
    *,
    timeout_s: float,
    cap_s: float,
    what: str,
    first_s: float = FIRST_DELAY_S,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
    timeout_error: Callable[[str], Exception] = PollTimeoutError,
    status_line: Optional[Callable[[str, str], str]] = None,
) -> T:
    """Poll at once, then after each of ``poll_delays`` until ``pending_reason(value)`` is None; return that value.

    ``pending_reason`` raises to stop early (a terminal failure). Every pending poll is shown on the
    resource's row in the CLI (``progress.report``: what is awaited, the last reason, the time waited).
    On timeout ``timeout_error`` is raised naming what was awaited, the last reason, e.g. "pooler
    (COMING_UP)", the time waited and the limit. No pause runs past the deadline. ``status_line(reason,
    waited)`` words the CLI row when the default "waiting for <what>: ..." does not fit.
    """
    started = clock()
    deadline = started + timeout_s
    delays = poll_delays(cap_s, first_s, rng)
    shown = False
    while True:
        value = poll()
        reason = pending_reason(value)
        if reason is None:
            if shown:  # the row's last status would otherwise stay "pending" once the step is done
                waited = progress.duration(clock() - started)
                progress.report(status_line(DONE, waited) if status_line else f"{DONE} waiting for {what} ({waited})",
                                min_interval=0.0)
            return value
        waited = progress.duration(clock() - started)
        remaining = deadline - clock()
        if remaining <= 0:
            raise timeout_error(f"timed out after {waited} (limit {timeout_s:g}s) waiting for {what}; "
                                f"last seen: {reason}")
        line = status_line(reason, waited) if status_line else f"waiting for {what}: {reason} ({waited})"
        progress.report(line, min_interval=0.0)  # one per poll
        shown = True
        sleep(min(next(delays), remaining))
