"""What every Supabase resource provider shares on top of the core ``DeclarativeProvider``:
the API settings (config keys / env vars), unknown handling, and the "is the project ready" wait.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from pulumi.dynamic import CheckResult, DiffResult
from pulumi.output import Unknown

from ..core.fields import UNKNOWN, Field
from ..core.provider import _RUNTIME_SLOT, DeclarativeProvider
from ..core.transport import Transport
from .api import SUPABASE_API, SupabaseApi
from .health import (
    DEFAULT_SERVICES,
    ProjectFailedError,
    classify_status,
    evaluate_health,
    failed_status_message,
    wait_until,
)


def normalise_unknowns(value: Any) -> Any:
    """Engine unknowns -> the core's UNKNOWN sentinel.

    The dynamic-provider server deserializes check/diff properties with ``keep_unknowns=True``,
    which yields ``pulumi.output.Unknown`` *objects*, while ``core.fields.contains_unknown`` only
    recognises the wire string. Converting here keeps preview working when an input (typically
    ``project_ref`` of a project not created yet) is unknown. Reported to the core owner; remove
    once core handles ``Unknown`` itself.
    """
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: normalise_unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise_unknowns(v) for v in value]
    return value


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or value == UNKNOWN


def _rate_limit_reset_only_on_429(response, *args, **kwargs):
    """requests response hook: drop ``X-RateLimit-Reset`` from every non-429 response.

    Supabase sends ``X-RateLimit-Reset`` (seconds until the rate-limit window resets, up to 60) on
    *every* response. The core transport reads it as a server wait hint on 5xx replies too, so a
    single 500/501 made it sleep up to a minute per retry. On a 429 it is the right hint and stays.
    Reported to the core owner; remove once the transport only uses it for 429s.
    """
    if response.status_code != 429:
        response.headers.pop("X-RateLimit-Reset", None)
    return response


class SupabaseProvider(DeclarativeProvider):
    api = SUPABASE_API

    def transport(self) -> Transport:
        import requests

        session = requests.Session()
        session.hooks["response"].append(_rate_limit_reset_only_on_429)
        url, token = self.api.resolve(getattr(self, _RUNTIME_SLOT, None))
        return Transport(url, token, api_name=self.api.name, options=self.http, auth_scheme=self.api.auth_scheme,
                         session=session)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return super().check(normalise_unknowns(olds), normalise_unknowns(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return super().diff(_id, normalise_unknowns(olds), normalise_unknowns(news))

    @staticmethod
    def client(transport: Transport) -> SupabaseApi:
        return SupabaseApi(transport)


# Inputs that steer waiting, shared by every resource that waits on project health. Not managed:
# changing them never causes an update.
WAIT_FIELDS: dict[str, Field] = {
    "wait_timeout_seconds": Field(kind=int, default=900, managed=False,
                                  doc="How long to wait for the project (and its services) to be ready."),
    "poll_interval_seconds": Field(kind=float, default=5.0, managed=False,
                                   doc="Seconds between status polls while waiting."),
}


def wait_for_project_ready(
    api: SupabaseApi,
    ref: str,
    *,
    timeout_s: float,
    interval_s: float,
    services: Sequence[str] = DEFAULT_SERVICES,
    sleep=None,
) -> None:
    """Blocks until the project is ACTIVE_HEALTHY and every required service is healthy.

    Raises ``ProjectFailedError`` on a terminal status, ``WaitTimeoutError`` on timeout. The
    service check shares the same deadline as the status check.
    """
    import time

    kwargs = {} if sleep is None else {"sleep": sleep}
    started = time.monotonic()

    def status_reason(project) -> Optional[str]:
        verdict = classify_status(project.status)
        if verdict == "failed":
            raise ProjectFailedError(failed_status_message(ref, project.status or "UNKNOWN"))
        return None if verdict == "ready" else f"status {project.status}"

    wait_until(lambda: api.get_project(ref), status_reason, timeout_s=timeout_s, interval_s=interval_s,
               what=f"Supabase project {ref} to become ACTIVE_HEALTHY", **kwargs)
    if not services:
        return
    remaining = max(timeout_s - (time.monotonic() - started), interval_s)

    def health_reason(reported) -> Optional[str]:
        verdict = evaluate_health(reported, services)
        return None if verdict.ready else verdict.describe()

    wait_until(lambda: api.get_health(ref, services), health_reason, timeout_s=remaining,
               interval_s=interval_s, what=f"the services of Supabase project {ref} to be healthy", **kwargs)


def wait_settings(inputs: Mapping[str, Any]) -> dict[str, float]:
    return {
        "timeout_s": float(inputs.get("wait_timeout_seconds") or 900),
        "interval_s": float(inputs.get("poll_interval_seconds") or 5.0),
    }
