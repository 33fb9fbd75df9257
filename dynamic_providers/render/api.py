"""Render API settings and the few calls several Render resources share (deploys)."""
from __future__ import annotations

import random
import time
from typing import Any, Callable, Iterable, Optional

from ..core import ApiError, ApiSettings, Transport, backoff_delay, is_ambiguous, iter_pages, progress
from ..core.polling import FIRST_DELAY_S, poll_delays
from .models import Deploy

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
                   sleep: Callable[[float], None] = time.sleep, path: Optional[str] = None) -> Optional[Deploy]:
    """POST a deploy and return the deploy this request caused.

    Render answers 201 with the deploy, or 202 with no body when another deploy of the service is running and
    the workspace waits for it ("queued"; 16 of 49 recorded deploy requests). Then our deploy is the one that
    was not in the list before the POST (``known``: the ids listed then; listed here when not given), never
    the running one. None when Render listed no new deploy at all.

    A POST whose answer was lost (reset or timeout after sending, 5xx) is looked up the same way before it
    is sent again: a deploy that was not listed before is ours, so one request never makes two deploys.
    ``path``: another endpoint that starts a deploy (``/services/{id}/rollback``)."""
    before = set(known) if known is not None else {d.id for d in recent_deploys(api, service_id)}
    attempt = 0
    while True:
        attempt += 1
        try:
            resp = api.request("POST", path or f"/services/{service_id}/deploys", json=body or {})
            break
        except ApiError as exc:
            if not is_ambiguous(exc):
                raise
            made = [d for d in recent_deploys(api, service_id) if d.id not in before]
            if made:
                return newest(made)  # it was made; only the answer was lost
            if attempt >= DEPLOY_POST_ATTEMPTS:
                raise
            sleep(backoff_delay(attempt, api.options, random.random))
    if resp.body:
        return Deploy.from_api(resp.body)
    delays = poll_delays(QUEUED_LOOKUP_CAP)
    for lookup in range(QUEUED_LOOKUPS):
        if lookup:
            sleep(next(delays))
        new = [d for d in recent_deploys(api, service_id) if d.id not in before]
        if new:
            return newest(new)
    return None


def recent_deploys(api: Transport, service_id: str) -> list[Deploy]:
    """The service's newest deploys (one page of 20, newest first)."""
    page = api.get(f"/services/{service_id}/deploys", params={"limit": 20})
    return [d for d in (Deploy.from_api(x) for x in (page if isinstance(page, list) else [])) if d.id]


def newest(deploys: list[Deploy]) -> Optional[Deploy]:
    # Render lists newest first; sorting by createdAt as well keeps us right if that ever changes.
    if not deploys:
        return None
    return max(enumerate(deploys), key=lambda p: (p[1].created_at or "", -p[0]))[1]


def latest_deploy(api: Transport, service_id: str) -> Optional[Deploy]:
    return newest(recent_deploys(api, service_id))


def list_deploys(api: Transport, service_id: str, limit: int = 100) -> list[Deploy]:
    return [Deploy.from_api(d) for d in iter_pages(api, f"/services/{service_id}/deploys", item_key="deploy",
                                                   limit=limit)]


def wait_for_deploy(api: Transport, service_id: str, deploy: Deploy, timeout: float,
                    first_poll: float = FIRST_DELAY_S, max_poll: float = 10.0,
                    sleep=time.sleep, rng: Callable[[], float] = random.random) -> tuple[Deploy, Deploy]:
    """Polls until the deploy is live or failed/timed out (raised).

    Returns (our deploy as last seen, the deploy that went live): the same deploy, unless ours
    was superseded by a newer one that went live.

    The first check comes soon (a pause of at most ``first_poll``), then the core's backoff with
    jitter (dynamic_providers/core/polling.py) up to ``max_poll``: a quick deploy is seen quickly, a long
    build costs few GETs, and many deploys started together do not poll in lockstep.
    """
    started = time.monotonic()
    deadline = started + timeout
    delays = poll_delays(max_poll, first_poll, rng)
    current = watched = deploy

    def where() -> str:
        followed = f" (following it after ours, {current.id}, was {current.status})" if watched.id != current.id else ""
        return f"Render deploy {watched.id} of service {service_id}{followed}"

    while True:
        while not watched.finished:
            elapsed = time.monotonic() - started
            progress.report(f"{where()}: {watched.status or 'unknown'} ({progress.duration(elapsed)})")
            if time.monotonic() >= deadline:
                raise DeployTimeoutError(f"{where()} still '{watched.status}' after {progress.duration(elapsed)} "
                                         f"(timeout_seconds={timeout:.0f})")
            sleep(min(next(delays), max(0.0, deadline - time.monotonic())))
            watched = Deploy.from_api(api.get(f"/services/{service_id}/deploys/{watched.id}"))
            if watched.id == current.id:
                current = watched
        if watched.status == "live":
            return current, watched
        if watched.status in SUPERSEDED:
            # Deactivated/canceled because a newer deploy took over (e.g. one an env-var change
            # triggered, or the newest of several queued ones): the service converges when the newest
            # deploy goes live, so follow it.
            latest = latest_deploy(api, service_id)
            if latest is not None and latest.id != watched.id and (latest.created_at or "") >= (watched.created_at or ""):
                watched = latest
                continue
        raise DeployFailedError(f"{where()} ended '{watched.status}' after "
                                f"{progress.duration(time.monotonic() - started)}")


def first(items: Any) -> Any:
    return items[0] if isinstance(items, list) and items else None
