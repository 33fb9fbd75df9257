"""A Deploy's watch after the switch: check the live service for a while, and on the first failure switch back.

A release can pass its candidate's quick checks and still break once it takes production traffic. For
``watch_seconds`` after the new deploy went live, the deploy is checked to be still live and the checks run
against the service's public URL, at the core polling cadence. The first failed check rolls back at once to the
deploy that was live before (by id), waits until it is live, and fails the Deploy with one line naming the
check, the deploy rolled back to and the switch-back time (failure detected -> previous deploy live).
"""
from __future__ import annotations

import re
import time
from typing import Any, Callable, Mapping, Optional

from ..core import ApiError, Transport, progress
from ..core.polling import poll_until
from . import smoke
from .api import SUPERSEDED, DeployFailedError, DeployTimeoutError, trigger_deploy, wait_for_deploy
from .client import RenderApi

WATCH_POLL_CAP_S = 5.0  # the longest pause between two rounds of checks: a broken release serves errors meanwhile
ROLLBACK_TIMEOUT_S = 900.0
# The report's fixed part, as the release test and bench/release.py read the switch-back from a run's output.
SWITCH_BACK_REPORT = re.compile(r"rolled back to (?P<previous>dep-\w+) \(deploy (?P<rollback>dep-\w+)\), "
                                r"live again (?P<seconds>[\d.]+) s")  # the previous image was live minutes ago; a health-gated restart of it takes this at most


class ReleaseRolledBackError(Exception):
    """The deploy failed a check after its switch and the service was switched back to the previous deploy."""

    concise = True  # one line naming the check, the deploy rolled back to and the switch-back time


class _WatchEnded(Exception):
    """The watch window passed with every round of checks healthy."""


def watch_after_switch(api: Transport, service_id: str, deploy_id: str, previous_id: str, public_url: str,
                       checks: list[Mapping[str, Any]], watch_seconds: float, via: Optional[str],
                       first_poll: float, max_poll: float, clock: Callable[[], float] = time.monotonic) -> None:
    """Returns when the window passed healthy (or a newer deploy replaced ours); raises ReleaseRolledBackError."""
    client = RenderApi(api)
    started = clock()
    found: dict[str, Any] = {}

    def round_of_checks() -> Optional[str]:
        """None when healthy; else what failed (kept in ``found``)."""
        deploy = client.get_deploy(service_id, deploy_id)
        if deploy.status != "live":
            found["superseded" if deploy.status in SUPERSEDED else "failed"] = deploy.status
            return f"deploy {deploy_id} is no longer live ({deploy.status})"
        bad = next((r for r in smoke.run_checks(public_url, checks, via) if not r.ok), None)
        if bad is not None:
            found["check"] = bad
            return bad.line()
        return None

    def ended(_message: str) -> Exception:
        return _WatchEnded()

    try:
        # poll_until waits for a "done": here the first failure is what ends the wait; healthy rounds are pending.
        poll_until(round_of_checks, lambda failure: "healthy" if failure is None else None,
                   timeout_s=watch_seconds, cap_s=min(WATCH_POLL_CAP_S, max_poll), first_s=first_poll,
                   what=f"deploy {deploy_id} under watch", clock=clock, timeout_error=ended,
                   status_line=lambda reason, waited: f"watching deploy {deploy_id} of service {service_id}: "
                                                      f"{'checks ok' if reason == 'healthy' else reason} ({waited} of "
                                                      f"{watch_seconds:g}s)")
    except _WatchEnded:
        # The row's last status says it is done, as every wait's does (core/polling).
        progress.report(f"watching deploy {deploy_id} of service {service_id}: done ({watch_seconds:g} s, every "
                        f"check passed)", min_interval=0.0)
        return
    into = clock() - started
    if "superseded" in found:  # a newer deploy replaced ours: rolling back would undo that one, not ours
        progress.warn(f"Render deploy {deploy_id} of service {service_id} was replaced by a newer deploy "
                      f"{progress.duration(into)} into its watch; the watch ended without a rollback")
        return
    failure = found["check"].failure() if "check" in found else f"the deploy ended '{found.get('failed')}'"
    detected = clock()
    rollback = _switch_back(api, service_id, deploy_id, previous_id, failure, first_poll, max_poll)
    back_after = clock() - detected
    line = (f"Render deploy {deploy_id} of service {service_id} failed after the switch: {failure} "
            f"{into:.0f} s into the {watch_seconds:g} s watch; rolled back to {previous_id} (deploy {rollback}), "
            f"live again {back_after:.1f} s after the failure was detected. Fix the image and promote again.")
    progress.report(line, min_interval=0.0)
    raise ReleaseRolledBackError(line)


def _switch_back(api: Transport, service_id: str, deploy_id: str, previous_id: str, failure: str,
                 first_poll: float, max_poll: float) -> str:
    """Rolls back to ``previous_id`` and waits until it is live; the rollback deploy's id."""
    try:
        rollback = trigger_deploy(api, service_id, {"deployId": previous_id}, rollback=True)
        if rollback is None or not rollback.id:
            raise DeployFailedError(f"Render accepted a rollback of service {service_id} but no deploy could be found")
        wait_for_deploy(api, service_id, rollback, timeout=ROLLBACK_TIMEOUT_S, first_poll=first_poll,
                        max_poll=max_poll)
    except (ApiError, DeployFailedError, DeployTimeoutError) as exc:
        raise ReleaseRolledBackError(
            f"Render deploy {deploy_id} of service {service_id} failed after the switch ({failure}) and rolling "
            f"back to {previous_id} failed too: {exc}. Roll back in the Render dashboard now.") from None
    return rollback.id
