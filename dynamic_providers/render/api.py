"""Render API settings and the deploy loops several Render resources share (start one, wait for it).

Endpoints and decoders: ``client.py`` (re-exported here)."""
from __future__ import annotations

import random
import time
from typing import Callable, Iterable, Optional

from ..core import ApiSettings, Transport, look_up_then_retry, progress
from ..core.polling import FIRST_DELAY_S, poll_delays, poll_until
from .client import RenderApi
from .models import Deploy

__all__ = ["RENDER", "RenderApi", "DeployFailedError", "DeployTimeoutError", "trigger_deploy", "latest_deploy",
           "list_deploys", "wait_for_deploy"]

SUPERSEDED = frozenset({"deactivated", "canceled"})  # ended because a newer deploy replaced it

RENDER = ApiSettings(
    name="Render",
    url_config_key="procurement:renderApiUrl",
    url_env="RENDER_API_URL",
    default_url="https://api.render.com/v1",
    token_env="RENDER_API_KEY",
    wait_config_key="procurement:renderMaxRateLimitWaitSeconds",
    wait_env="RENDER_MAX_RATE_LIMIT_WAIT_SECONDS",
)


class DeployFailedError(Exception):
    """A deploy ended in a failure status (build_failed, update_failed, canceled, ...)."""


class DeployTimeoutError(Exception):
    """A deploy did not finish within the allowed time."""


# After a 202 the queued deploy is looked up this many times before giving up: the first at once, then
# with the core's poll backoff up to QUEUED_LOOKUP_CAP seconds apart (1.75-3.5 s in all).
QUEUED_LOOKUPS = 4
QUEUED_LOOKUP_CAP = 2.0
DEPLOY_POST_ATTEMPTS = 3  # sends of one deploy request whose answers were lost (each after a lookup)


def trigger_deploy(api: Transport, service_id: str, body: Optional[dict] = None,
                   known: Optional[Iterable[str]] = None,
                   sleep: Callable[[float], None] = time.sleep, rollback: bool = False) -> Optional[Deploy]:
    """POST a deploy and return the deploy this request caused.

    Render answers 201 with the deploy, or 202 with no body when another deploy of the service is running and
    the workspace waits for it ("queued"; 16 of 49 recorded deploy requests). Then our deploy is the one that
    was not in the list before the POST (``known``: the ids listed then; listed here when not given), never
    the running one. None when Render listed no new deploy at all.

    A POST whose answer was lost (reset or timeout after sending, 5xx) is looked up the same way before it
    is sent again: a deploy that was not listed before is ours, so one request never makes two deploys.
    ``rollback``: start it with ``POST /services/{id}/rollback`` instead."""
    client = RenderApi(api)
    before = set(known) if known is not None else {d.id for d in client.recent_deploys(service_id)}
    started, _recovered = look_up_then_retry(
        lambda: client.start_deploy(service_id, body or {}, rollback=rollback),
        lambda: newest([d for d in client.recent_deploys(service_id) if d.id not in before]),
        attempts=DEPLOY_POST_ATTEMPTS, options=api.options, sleep=sleep)
    if started is not None:
        return started  # the POST's answer, or the deploy it made when its answer was lost
    delays = poll_delays(QUEUED_LOOKUP_CAP)
    for lookup in range(QUEUED_LOOKUPS):
        if lookup:
            sleep(next(delays))
        new = [d for d in client.recent_deploys(service_id) if d.id not in before]
        if new:
            return newest(new)
    return None


def newest(deploys: list[Deploy]) -> Optional[Deploy]:
    # Render lists newest first; sorting by createdAt as well keeps us right if that ever changes.
    if not deploys:
        return None
    return max(enumerate(deploys), key=lambda p: (p[1].created_at or "", -p[0]))[1]


def latest_deploy(api: Transport, service_id: str) -> Optional[Deploy]:
    return newest(RenderApi(api).recent_deploys(service_id))


def list_deploys(api: Transport, service_id: str, limit: int = 100) -> list[Deploy]:
    return RenderApi(api).list_deploys(service_id, limit=limit)


def wait_for_deploy(api: Transport, service_id: str, deploy: Deploy, timeout: float,
                    first_poll: float = FIRST_DELAY_S, max_poll: float = 10.0,
                    sleep=time.sleep, rng: Callable[[], float] = random.random) -> tuple[Deploy, Deploy]:
    """Polls until the deploy is live or failed/timed out (raised).

    Returns (our deploy as last seen, the deploy that went live): the same deploy, unless ours
    was superseded by a newer one that went live.

    The waits are ``core/polling``'s: the deploy as given is checked at once, then after a pause of at most
    ``first_poll``, backing off with jitter up to ``max_poll``, all within one deadline of ``timeout`` seconds.
    """
    client = RenderApi(api)
    started = time.monotonic()
    deadline = started + timeout
    current = watched = deploy

    def where() -> str:
        followed = f" (following it after ours, {current.id}, was {current.status})" if watched.id != current.id else ""
        return f"Render deploy {watched.id} of service {service_id}{followed}"

    def poll() -> Deploy:
        nonlocal watched, current, given
        if given is None:
            watched = client.get_deploy(service_id, watched.id)
        given = None  # the deploy we were handed (or just followed) needs no GET
        if watched.id == current.id:
            current = watched
        return watched

    def timed_out(_message: str) -> Exception:
        return DeployTimeoutError(f"{where()} still '{watched.status}' after "
                                  f"{progress.duration(time.monotonic() - started)} (timeout_seconds={timeout:.0f})")

    given: Optional[Deploy] = deploy
    while True:
        poll_until(poll, lambda d: None if d.finished else (d.status or "unknown"),
                   timeout_s=deadline - time.monotonic(), cap_s=max_poll, first_s=first_poll, what=where(),
                   sleep=sleep, rng=rng, timeout_error=timed_out,
                   status_line=lambda status, _waited: f"{where()}: {status} "
                                                        f"({progress.duration(time.monotonic() - started)})")
        if watched.status == "live":
            return current, watched
        if watched.status in SUPERSEDED:
            # Deactivated/canceled because a newer deploy took over (e.g. one an env-var change
            # triggered, or the newest of several queued ones): the service converges when the newest
            # deploy goes live, so follow it.
            latest = newest(client.recent_deploys(service_id))
            if latest is not None and latest.id != watched.id and (latest.created_at or "") >= (watched.created_at or ""):
                watched = given = latest
                continue
        raise DeployFailedError(f"{where()} ended '{watched.status}' after "
                                f"{progress.duration(time.monotonic() - started)}")
