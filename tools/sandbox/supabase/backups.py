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


# --- restore points (x-internal in the spec): a real snapshot of the project's `public` schema -----------------
# POST takes a pg_dump of `public` (as the sandbox's admin role, owners and grants included) into the project's
# data directory and answers PENDING (stricter: a client must poll); GET answers the point, AVAILABLE once the
# snapshot is written. POST undo puts the project in RESTORING, replaces `public` with the snapshot and returns to
# ACTIVE_HEALTHY. What the platform restores is the whole database; the sandbox restores `public` (tools/sandbox/README.md
# "Fidelity: Supabase").

def _points(call: Call) -> dict:
    return settings_of(call, "backups").setdefault("_restore_points", {})


def _view(point: dict) -> dict:
    return {"name": point["name"], "status": point["status"], "completed_on": point.get("completed_on")}


@routes.post("/v1/projects/{ref}/database/backups/restore-point", locked=False)
def create_restore_point(call: Call) -> Reply:
    from ..clock import now_iso
    from ..routing import BadRequest

    with call.store.lock:
        project = active_project(call)
        points = _points(call)
        name = call.body["name"]
        if name in points:
            raise BadRequest(f"A restore point named {name} already exists")
        points[name] = {"name": name, "status": "PENDING", "completed_on": None}
        answer = _view(points[name])
        instance = call.server.databases.get(project["ref"])
    if instance is not None:
        target = instance.data_dir / "restore_points" / f"{name}.dump"
        target.parent.mkdir(parents=True, exist_ok=True)
        import shutil

        if call.server.postgres.user:
            shutil.chown(target.parent, call.server.postgres.user, call.server.postgres.user)
        done = call.server.postgres.run("pg_dump", "--format=custom", "--schema=public", f"--file={target}",
                                        env=instance.admin_env())
        if done.returncode != 0:
            with call.store.lock:
                points[name].update(status="FAILED")
            return Reply(201, answer)
    with call.store.lock:
        points[name].update(status="AVAILABLE", completed_on=now_iso(), _file=str(
            instance.data_dir / "restore_points" / f"{name}.dump") if instance else None)
    call.server._mutated()
    return Reply(201, answer)


@routes.get("/v1/projects/{ref}/database/backups/restore-point")
def get_restore_point(call: Call) -> Reply:
    from ..routing import NotFound

    points = _points(call)
    name = call.query.get("name")
    point = points.get(name) if name else (list(points.values())[-1] if points else None)
    if point is None:
        raise NotFound(f"Restore point {name} not found" if name else "No restore point")
    return 200, _view(point)


@routes.post("/v1/projects/{ref}/database/backups/undo", locked=False)
def undo(call: Call) -> Reply:
    from ..routing import BadRequest

    with call.store.lock:
        project = active_project(call)
        point = _points(call).get(call.body["name"])
        if point is None or point["status"] != "AVAILABLE":
            raise BadRequest(f"Restore point {call.body['name']} is not available")
        instance = call.server.databases.get(project["ref"])
        project["status"] = "RESTORING"
    try:
        if instance is not None and point.get("_file"):
            with instance.admin_connect(autocommit=True) as db:
                db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = 'postgres' AND pid <> pg_backend_pid()")
                db.execute("DROP SCHEMA public CASCADE")
            call.server.postgres.run("pg_restore", "--exit-on-error", f"--dbname={instance.dbname}", point["_file"],
                                     env=instance.admin_env())
    finally:
        with call.store.lock:
            project["status"] = "ACTIVE_HEALTHY"
        call.server._mutated()
    return Reply(201, empty=True)


@routes.post("/v1/projects/{ref}/database/backups/restore-pitr")
def restore_pitr(call: Call) -> Reply:
    from ..routing import ApiError, BadRequest

    if not settings_of(call, "backups").get("pitr_enabled"):
        raise BadRequest("PITR is not enabled for this project.")  # recorded real answer
    raise ApiError(501, "the sandbox does not emulate point-in-time recovery itself (no WAL archive)")
