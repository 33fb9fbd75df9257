"""What every Supabase resource provider shares on top of the core ``DeclarativeProvider``:
the API settings (config keys / env vars) and the "is the project (or branch database) ready" wait.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from ..core.fields import Field
from ..core.provider import DeclarativeProvider
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


class SupabaseProvider(DeclarativeProvider):
    api = SUPABASE_API

    @staticmethod
    def client(transport: Transport) -> SupabaseApi:
        return SupabaseApi(transport)


# Inputs that steer waiting, shared by every resource that waits on project health. Not managed:
# changing them never causes an update.
WAIT_FIELDS: dict[str, Field] = {
    "wait_timeout_seconds": Field(kind=int, default=900, managed=False,
                                  doc="How long to wait for the project (and its services) to be ready."),
    "poll_interval_seconds": Field(kind=float, default=5.0, managed=False,
                                   doc="Longest pause between status polls while waiting (the first poll is "
                                       "at once, then the pauses back off to this)."),
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


# The input of resources that run SQL on a database that may be a preview branch's. Absent on a project (state
# written before it existed reads the same); not managed: it says how to wait, never what the object is.
BRANCH_FIELDS: dict[str, Field] = {
    "branch": Field(kind=bool, managed=False,
                    doc="project_ref is a Supabase branch's ref: wait on GET /v1/branches/{ref}, since "
                        "GET /v1/projects/{ref} answers 404 for a branch (terraform-provider-supabase #345)."),
}


def wait_for_database_ready(api: SupabaseApi, inputs: Mapping[str, Any], services: Sequence[str] = ("db",),
                            sleep=None) -> None:
    """Blocks until the database of ``inputs["project_ref"]`` takes queries: a project as
    ``wait_for_project_ready``; a branch (``inputs["branch"]``) until ``GET /v1/branches/{ref}`` reports
    ACTIVE_HEALTHY, as the Terraform provider does (notes/supabase-api.md, `refreshBranchStatus`): a branch ref has
    no project health endpoint, its status is the same enum."""
    ref = inputs["project_ref"]
    settings = wait_settings(inputs)
    if not inputs.get("branch"):
        wait_for_project_ready(api, ref, services=services, sleep=sleep, **settings)
        return
    kwargs = {} if sleep is None else {"sleep": sleep}

    def status_reason(detail) -> Optional[str]:
        verdict = classify_status(detail.status)
        if verdict == "failed":
            raise ProjectFailedError(failed_status_message(ref, detail.status or "UNKNOWN"))
        return None if verdict == "ready" else f"status {detail.status}"

    wait_until(lambda: api.get_branch_detail(ref), status_reason, timeout_s=settings["timeout_s"],
               interval_s=settings["interval_s"], what=f"the database of Supabase branch {ref} to become ACTIVE_HEALTHY",
               **kwargs)


def wait_settings(inputs: Mapping[str, Any]) -> dict[str, float]:
    return {
        "timeout_s": float(inputs.get("wait_timeout_seconds") or 900),
        "interval_s": float(inputs.get("poll_interval_seconds") or 5.0),
    }
