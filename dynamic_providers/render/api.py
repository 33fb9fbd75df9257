"""Render API settings and the few calls several Render resources share (deploys)."""
from __future__ import annotations

import random
import time
from typing import Any, Optional

from ..core import ApiError, ApiSettings, Transport, backoff_delay, is_ambiguous, iter_pages
from .models import Deploy

SUPERSEDED = frozenset({"deactivated", "canceled"})  # ended because a newer deploy replaced it

RENDER = ApiSettings(
    name="Render",
    url_config_key="procurement:renderApiUrl",
    url_env="RENDER_API_URL",
    default_url="https://api.render.com/v1",
    token_config_key="procurement:renderApiKey",
    token_env="RENDER_API_KEY",
)


class DeployFailedError(Exception):
    """A deploy ended in a failure status (build_failed, update_failed, canceled, ...)."""


class DeployTimeoutError(Exception):
    """A deploy did not finish within the allowed time."""


_UNSET: Any = object()
DEPLOY_POST_ATTEMPTS = 3


def trigger_deploy(api: Transport, service_id: str, body: Optional[dict] = None, *,
                   baseline: Any = _UNSET) -> Optional[Deploy]:
    """POST a deploy and return it. Render answers 201 with the deploy, or 202 with no body when it
    queued it; then the deploy newer than ``baseline`` is looked up so callers always get an id.

    ``baseline`` is the id of the service's newest deploy before the POST (None: it had none);
    unless given it is read first (one GET). It is what makes a lost answer safe: after a POST
    whose answer was lost (reset or timeout after sending, 5xx) a deploy newer than the baseline
    is ours; only when there is none is the POST sent again. So one request never yields two deploys."""
    return post_deploy(api, service_id, f"/services/{service_id}/deploys", body or {}, baseline=baseline)


def post_deploy(api: Transport, service_id: str, path: str, body: dict, *, baseline: Any = _UNSET) -> Optional[Deploy]:
    """POST something that starts a deploy (``/deploys``, ``/rollback``); see ``trigger_deploy``."""
    if baseline is _UNSET:
        before = latest_deploy(api, service_id)
        baseline = before.id if before else None
    attempt = 0
    while True:
        attempt += 1
        try:
            resp = api.request("POST", path, json=body)
        except ApiError as exc:
            if not is_ambiguous(exc):
                raise
            ours = newer_deploy(api, service_id, baseline)
            if ours is not None:
                return ours  # it was made; only the answer was lost
            if attempt >= DEPLOY_POST_ATTEMPTS:
                raise
            time.sleep(backoff_delay(attempt, api.options, random.random))
            continue
        if resp.body:
            return Deploy.from_api(resp.body)
        return newer_deploy(api, service_id, baseline) or latest_deploy(api, service_id)


def newer_deploy(api: Transport, service_id: str, baseline: Optional[str]) -> Optional[Deploy]:
    """The service's newest deploy when it is not ``baseline`` (the newest before a POST), else None."""
    newest = latest_deploy(api, service_id)
    if newest is None or newest.id == baseline:
        return None
    return newest


def latest_deploy(api: Transport, service_id: str) -> Optional[Deploy]:
    # Render lists newest first; sorting by createdAt as well keeps us right if that ever changes.
    page = api.get(f"/services/{service_id}/deploys", params={"limit": 20})
    deploys = [Deploy.from_api(d) for d in (page if isinstance(page, list) else [])]
    deploys = [d for d in deploys if d.id]
    if not deploys:
        return None
    return max(enumerate(deploys), key=lambda p: (p[1].created_at or "", -p[0]))[1]


def list_deploys(api: Transport, service_id: str, limit: int = 100) -> list[Deploy]:
    return [Deploy.from_api(d) for d in iter_pages(api, f"/services/{service_id}/deploys", item_key="deploy",
                                                   limit=limit)]


def wait_for_deploy(api: Transport, service_id: str, deploy: Deploy, timeout: float,
                    first_poll: float = 1.0, max_poll: float = 10.0,
                    sleep=time.sleep) -> tuple[Deploy, Deploy]:
    """Polls until the deploy is live or failed/timed out (raised).

    Returns (our deploy as last seen, the deploy that went live): the same deploy, unless ours
    was superseded by a newer one that went live.

    Polling backs off x1.5 up to ``max_poll`` so long builds cost few GETs.
    """
    deadline = time.monotonic() + timeout
    interval = first_poll
    current = watched = deploy
    while True:
        while not watched.finished:
            if time.monotonic() >= deadline:
                raise DeployTimeoutError(
                    f"Render deploy {watched.id} of service {service_id} still '{watched.status}' after {timeout:.0f}s")
            sleep(interval)
            interval = min(max_poll, interval * 1.5)
            watched = Deploy.from_api(api.get(f"/services/{service_id}/deploys/{watched.id}"))
            if watched.id == current.id:
                current = watched
        if watched.status == "live":
            return current, watched
        if watched.status in SUPERSEDED:
            # Deactivated/canceled because a newer deploy took over (e.g. one an env-var change
            # triggered): the service converges when the newest deploy goes live, so follow it.
            newest = latest_deploy(api, service_id)
            if newest is not None and newest.id != watched.id and (newest.created_at or "") >= (watched.created_at or ""):
                watched = newest
                continue
        raise DeployFailedError(f"Render deploy {watched.id} of service {service_id} ended '{watched.status}'")


def first(items: Any) -> Any:
    return items[0] if isinstance(items, list) and items else None
