"""Supabase branches: create, list, look up by name, detail (the branch database), update, delete with a grace
period, restore, reset, disable branching.

The first branch gives the project a default branch; every other branch is a project of its own (kept in
``projects`` marked ``_branch_of``, so the database machinery treats it like any project) that answers 404 as a
project. The status sequence, delete and reset rules and their sources: tools/sandbox/README.md, "Supabase
branches".
"""

from __future__ import annotations

import secrets

from ..clock import iso_at, now_iso
from ..ids import new_uuid, supabase_ref
from ..routing import ApiError, Conflict, NotFound, RouteTable
from ..server import Call, Reply
from .action_runs import drop_runs, new_run
from .common import active_project, epoch, project_or_404, public
from .projects import POSTGRES_ENGINE, POSTGRES_VERSION

routes = RouteTable()

DEFAULT_BRANCH_NAME = "main"
UNPROCESSABLE = 422  # persistent/default branch refusals (terraform-provider-supabase PR #339)


# ------------------------------------------------------------------------------------------------- lifecycle
def advance_branch(server, branch: dict) -> None:
    """Move a branch along its status as its project comes up and the emulated migrations run."""
    if branch["status"] not in ("CREATING_PROJECT", "RUNNING_MIGRATIONS"):
        return
    project = server.store["projects"].get(branch["project_ref"])
    server.advance(project)
    before = branch["status"]
    if project["status"] == "INIT_FAILED":
        branch["status"] = "MIGRATIONS_FAILED"
    elif project["status"] == "ACTIVE_HEALTHY":
        started = branch.setdefault("_migratingSince", epoch())
        done = epoch() >= started + float(server.settings["branch_migrations_delay"])
        branch["status"] = "MIGRATIONS_PASSED" if done else "RUNNING_MIGRATIONS"
    if branch["status"] != before:
        branch["updated_at"] = now_iso()


def remove_branch(server, branch: dict) -> None:
    """Forget a branch; a preview branch's project and database go with it."""
    store = server.store
    del store["branches"][branch["id"]]
    drop_runs(store, branch["project_ref"])
    if not branch["is_default"]:
        store["projects"].pop(branch["project_ref"], None)
        server.drop_project_settings(branch["project_ref"])
        server.stop_database(branch["project_ref"])


def remove_branches_of(server, parent_ref: str) -> None:
    """A deleted project's branches go with it."""
    for branch in [b for b in server.store["branches"].values() if b["parent_project_ref"] == parent_ref]:
        remove_branch(server, branch)


def remove_expired(call: Call) -> None:
    """Delete the branches whose grace period has passed (checked on every branch request)."""
    expired = [b for b in call.store["branches"].values() if "_deleteAt" in b and epoch() >= b["_deleteAt"]]
    for branch in expired:
        remove_branch(call.server, branch)
    if expired:
        call.server._mutated()  # persisted even when a GET noticed it


# ---------------------------------------------------------------------------------------------- lookups
def branches_of(call: Call, parent_ref: str) -> list[dict]:
    remove_expired(call)
    found = [b for b in call.store["branches"].values() if b["parent_project_ref"] == parent_ref]
    return sorted(found, key=lambda b: (not b["is_default"], b["created_at"]))


def branch_or_404(call: Call) -> dict:
    """The branch named by ``{branch_id_or_ref}``: its project ref, or its (deprecated) id."""
    remove_expired(call)
    key = call.params["branch_id_or_ref"]
    for branch in call.store["branches"].values():
        if key in (branch["project_ref"], branch["id"]):
            advance_branch(call.server, branch)
            return branch
    raise NotFound("Branch not found")


def branch_view(call: Call, branch: dict) -> dict:
    """``BranchResponse`` with the recorded keys (no ``preview_project_status``: the recorded answers lack it)."""
    advance_branch(call.server, branch)
    return public(branch)


def detail_view(call: Call, branch: dict) -> dict:
    """``BranchDetailResponse``: how to reach the branch database (port 5432 until its server is up)."""
    project = call.store["projects"][branch["project_ref"]]
    instance = call.server.databases.get(project["ref"])
    return {"ref": project["ref"], "postgres_version": POSTGRES_VERSION,
            "postgres_engine": branch.get("_postgres_engine", POSTGRES_ENGINE),
            "release_channel": branch.get("_release_channel", "ga"), "status": project["status"],
            "db_host": "127.0.0.1", "db_port": instance.port if instance else 5432, "db_user": "postgres",
            "db_pass": project["_db_pass"], "jwt_secret": project["_jwt_secret"]}


# ---------------------------------------------------------------------------------------------- create
def _new_branch(call: Call, parent: dict, name: str, project_ref: str, is_default: bool, body: dict) -> dict:
    now = now_iso()
    branch = {"id": new_uuid(), "name": name, "project_ref": project_ref, "parent_project_ref": parent["ref"],
              "is_default": is_default, "persistent": bool(body.get("persistent", is_default)),
              "status": "MIGRATIONS_PASSED" if is_default else "CREATING_PROJECT", "created_at": now,
              "updated_at": now, "with_data": bool(body.get("with_data", False))}
    for key in ("git_branch", "notify_url"):
        if key in body:
            branch[key] = body[key]
    for key in ("postgres_engine", "release_channel"):
        if key in body:
            branch[f"_{key}"] = body[key]
    call.store["branches"][branch["id"]] = branch
    return branch


def _branch_project(call: Call, parent: dict, body: dict) -> str:
    """Create the project (and start the real database) of a preview branch; returns its ref."""
    ref = supabase_ref()
    password = secrets.token_urlsafe(24)
    project = {"id": ref, "ref": ref, "organization_id": parent["organization_id"],
               "organization_slug": parent["organization_slug"], "name": body["branch_name"],
               "region": body.get("region", parent["region"]), "created_at": now_iso(), "status": "COMING_UP",
               "_db_pass": password, "_readyAt": epoch() + float(call.server.settings["project_ready_delay"]),
               "_instance_size": body.get("desired_instance_size", "micro"), "_branch_of": parent["ref"]}
    call.store["projects"][ref] = project
    call.server.create_project_settings(project)
    now = now_iso()
    call.store["secrets"][ref] = {k: {"value": v, "updated_at": now} for k, v in body.get("secrets", {}).items()}
    call.server.start_database(ref, password)
    return ref


@routes.get("/v1/projects/{ref}/branches")
def list_branches(call: Call) -> Reply:
    parent = project_or_404(call)
    return 200, [branch_view(call, b) for b in branches_of(call, parent["ref"])]


@routes.post("/v1/projects/{ref}/branches")
def create_branch(call: Call) -> Reply:
    parent = active_project(call)
    body = call.body
    existing = branches_of(call, parent["ref"])
    if any(b["name"] == body["branch_name"] for b in existing):
        raise Conflict(f"Branch {body['branch_name']} already exists")
    has_default = any(b["is_default"] for b in existing)
    if body.get("is_default"):
        if has_default:
            raise Conflict("The project already has a default branch")
        return 201, branch_view(call, _new_branch(call, parent, body["branch_name"], parent["ref"], True, body))
    if not has_default:  # the first branch enables branching
        _new_branch(call, parent, DEFAULT_BRANCH_NAME, parent["ref"], True, {"git_branch": DEFAULT_BRANCH_NAME})
    branch = _new_branch(call, parent, body["branch_name"], _branch_project(call, parent, body), False, body)
    new_run(call, branch)
    return 201, branch_view(call, branch)


@routes.delete("/v1/projects/{ref}/branches")
def disable_branching(call: Call) -> Reply:
    parent = project_or_404(call)
    branches = branches_of(call, parent["ref"])
    previews = [b["name"] for b in branches if not b["is_default"]]
    if previews:
        raise ApiError(UNPROCESSABLE, f"Delete the project's branches first: {', '.join(previews)}")
    for branch in branches:
        remove_branch(call.server, branch)
    return Reply(200, empty=True)


@routes.get("/v1/projects/{ref}/branches/{name}")
def get_branch_by_name(call: Call) -> Reply:
    parent = project_or_404(call)
    for branch in branches_of(call, parent["ref"]):
        if branch["name"] == call.params["name"]:
            return 200, branch_view(call, branch)
    raise NotFound(f"Branch {call.params['name']} not found")


# ------------------------------------------------------------------------------------------ one branch
routes.get_one_with_call("/v1/branches/{branch_id_or_ref}", branch_or_404, detail_view)


@routes.patch("/v1/branches/{branch_id_or_ref}")
def update_branch(call: Call) -> Reply:
    branch = branch_or_404(call)
    body = call.body
    name = body.get("branch_name", branch["name"])
    if name != branch["name"] and any(b["name"] == name for b in branches_of(call, branch["parent_project_ref"])):
        raise Conflict(f"Branch {name} already exists")
    branch["name"] = name
    for key in ("git_branch", "persistent", "status", "notify_url"):
        if key in body:
            branch[key] = body[key]
    if body.get("request_review"):
        branch["review_requested_at"] = now_iso()
    branch["updated_at"] = now_iso()
    return 200, branch_view(call, branch)


@routes.delete("/v1/branches/{branch_id_or_ref}")
def delete_branch(call: Call) -> Reply:
    branch = branch_or_404(call)
    if branch["is_default"]:
        raise ApiError(UNPROCESSABLE, "Cannot delete the default branch; disable branching instead")
    if branch["persistent"]:
        raise ApiError(UNPROCESSABLE, "Cannot delete a persistent branch; set persistent to false first")
    if call.query.get("force", True) in (True, "true"):
        remove_branch(call.server, branch)
    elif "_deleteAt" not in branch:
        branch["_deleteAt"] = epoch() + float(call.server.settings["branch_deletion_grace"])
        branch["deletion_scheduled_at"] = iso_at(branch["_deleteAt"])
        branch["updated_at"] = now_iso()
    return 200, {"message": "ok"}


@routes.post("/v1/branches/{branch_id_or_ref}/restore")
def restore_branch(call: Call) -> Reply:
    branch = branch_or_404(call)
    if "_deleteAt" not in branch:
        raise ApiError(UNPROCESSABLE, "Branch is not scheduled for deletion")
    del branch["_deleteAt"], branch["deletion_scheduled_at"]
    branch["updated_at"] = now_iso()
    return 200, {"message": "Branch restoration initiated"}


@routes.post("/v1/branches/{branch_id_or_ref}/reset")
def reset_branch(call: Call) -> Reply:
    branch = branch_or_404(call)
    if branch["is_default"]:
        raise ApiError(UNPROCESSABLE, "Cannot reset the default branch: its database is the project's")
    project = call.store["projects"][branch["project_ref"]]
    project.update(status="COMING_UP", _readyAt=epoch() + float(call.server.settings["project_ready_delay"]))
    call.server.recreate_database(project["ref"], project["_db_pass"])
    branch.pop("_migratingSince", None)
    branch.update(status="RUNNING_MIGRATIONS", updated_at=now_iso())
    return 201, {"workflow_run_id": new_run(call, branch), "message": "ok"}
