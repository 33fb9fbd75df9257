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
    project = project_or_404(call)
    if project["status"] not in SERVING:
        raise ApiError(400, f"Project is not ready: status {project['status']}")
    return project


def settings_of(call: Call, collection: str) -> dict:
    return call.store[collection][active_project(call)["ref"]]


def epoch() -> float:
    return time.time()
