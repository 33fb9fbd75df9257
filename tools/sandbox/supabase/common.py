"""Helpers shared by the Supabase resource families."""

from __future__ import annotations

import copy
import time

from ..routing import ApiError, NotFound
from ..server import Call

# Statuses in which a project's settings can be read and changed.
SERVING = ("ACTIVE_HEALTHY",)


def public(obj: dict) -> dict:
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


def project_or_404(call: Call, ref: str | None = None) -> dict:
    """The project; a preview branch's project answers 404 like the real API (terraform-provider-supabase #345)."""
    project = call.store["projects"].get(ref or call.params["ref"])
    if project is None or is_branch(project):
        raise NotFound("Project not found")
    call.server.advance(project)
    return project


def is_branch(project: dict) -> bool:
    return "_branch_of" in project


def active_project(call: Call) -> dict:
    """The project, which must be up: settings of a project still coming up answer 400 like the real API
    ("Project Not Ready" in terraform-provider-supabase issue #345)."""
    return _serving(project_or_404(call))


def database_project(call: Call) -> dict:
    """The project whose Postgres a ``/v1/projects/{ref}/database/query`` call runs on: the project, or a preview
    branch's own project once it is up. A branch is a project of its own for these once it is ready
    (terraform-provider-supabase #345, fixed by waiting on ``GET /v1/branches/{ref}``; the spec types a branch ref
    as a "Project ref", ``branch_id_or_ref``, and guards the query with ``database_read/write``: the database,
    which a branch has, ``BranchDetailResponse``). ``GET /v1/projects/{branch ref}`` and its health
    (``project_admin_read``) stay 404, and so do the settings endpoints: no recording or note shows a branch serving
    them, so the sandbox stays the stricter. Not up yet: the 400 of a project not ready (#345 "Project Not Ready";
    recorded ``DELETE_v1_projects___PROJECT_REF__/2``: 400 "Project not ready for deletion.")."""
    project = call.store["projects"].get(call.params["ref"])
    if project is None or not is_branch(project):
        return active_project(call)
    call.server.advance(project)
    return _serving(project)


def _serving(project: dict) -> dict:
    if project["status"] not in SERVING:
        raise ApiError(400, f"Project is not ready: status {project['status']}")
    return project


def settings_of(call: Call, collection: str) -> dict:
    return call.store[collection][active_project(call)["ref"]]


def epoch() -> float:
    return time.time()
