"""Supabase backups list. A new project has no backups yet (as recorded from the real API); entries can be
added with an out-of-band edit of ``backups/<ref>`` (``set: {"backups": [...]}``) to simulate daily backups."""

from __future__ import annotations

from ..routing import RouteTable
from ..server import Call, Reply
from .common import active_project, settings_of

routes = RouteTable()


@routes.get("/v1/projects/{ref}/database/backups")
def list_backups(call: Call) -> Reply:
    project = active_project(call)
    state = settings_of(call, "backups")
    return 200, {"region": project["region"], "walg_enabled": True, "pitr_enabled": bool(state.get("pitr_enabled")),
                 "backups": list(state.get("backups") or []),
                 "physical_backup_data": dict(state.get("physical_backup_data") or {})}
