"""Render projects and their environments, and moving resources into and out of environments."""

from __future__ import annotations

import copy

from ..clock import now_iso
from ..ids import render_id
from ..routing import BadRequest, Conflict, RouteTable
from ..server import Call, Reply
from .common import as_list, get_or_404, matches_filters, paginate, path_object, public, require_owner

routes = RouteTable()

OWNER_FIELDS = ("id", "name", "email", "type")


def project_view(call: Call, project: dict) -> dict:
    view = public(project)
    owner = call.store["owners"].get(project["_ownerId"], {"id": project["_ownerId"], "name": "", "email": "",
                                                             "type": "team"})
    view["owner"] = {k: owner[k] for k in OWNER_FIELDS}
    return view


def _new_environment(call: Call, project: dict, spec: dict) -> dict:
    environment = {"id": render_id("evm"), "name": spec["name"], "projectId": project["id"],
                   "databasesIds": [], "redisIds": [], "serviceIds": [], "envGroupIds": [],
                   "protectedStatus": spec.get("protectedStatus", "unprotected"),
                   "networkIsolationEnabled": spec.get("networkIsolationEnabled", False)}
    if spec.get("ipAllowList") is not None:
        environment["ipAllowList"] = copy.deepcopy(spec["ipAllowList"])
    call.store["environments"][environment["id"]] = environment
    project["environmentIds"].append(environment["id"])
    return environment


@routes.get("/projects")
def list_projects(call: Call) -> Reply:
    filters = {"name": lambda p: p["name"], "ownerId": lambda p: p["_ownerId"]}
    found = [p for p in call.store["projects"].values() if matches_filters(p, call, filters)]
    return 200, paginate(call, [(p["id"], project_view(call, p)) for p in found], "project")


@routes.post("/projects")
def create_project(call: Call) -> Reply:
    body = call.body
    require_owner(call, body["ownerId"])
    names = [e["name"] for e in body["environments"]]
    if len(set(names)) != len(names):
        raise BadRequest("environment names must be unique within a project")
    now = now_iso()
    project = {"id": render_id("prj"), "name": body["name"], "createdAt": now, "updatedAt": now,
               "environmentIds": [], "_ownerId": body["ownerId"]}
    call.store["projects"][project["id"]] = project
    for spec in body["environments"]:
        _new_environment(call, project, spec)
    return 201, project_view(call, project)


def _project(call: Call, project_id: str | None = None) -> dict:
    return get_or_404(call.store["projects"], project_id or call.params["projectId"], "project")


routes.get_one_with_call("/projects/{projectId}", _project, project_view)


@routes.patch("/projects/{projectId}")
def update_project(call: Call) -> Reply:
    project = _project(call)
    if "name" in (call.body or {}):
        project["name"] = call.body["name"]
    project["updatedAt"] = now_iso()
    return 200, project_view(call, project)


# DELETE /environments/{id} and DELETE /projects/{id} "require the environment to be empty (i.e., it must contain
# no services or other resources). Otherwise, deletion fails with a `409` response" (specs/render/render-openapi.json,
# delete-environment and delete-project); the recordings only delete empty ones.
CONTENTS = ("serviceIds", "envGroupIds", "databasesIds", "redisIds")


def _require_empty(environment: dict) -> None:
    held = sum(len(environment.get(key) or ()) for key in CONTENTS)
    if held:
        raise Conflict(f"environment {environment['name']} is not empty ({held} resources); move or delete them first")


def _delete_environment(call: Call, environment: dict) -> None:
    _require_empty(environment)
    del call.store["environments"][environment["id"]]
    project = call.store["projects"].get(environment["projectId"])
    if project and environment["id"] in project["environmentIds"]:
        project["environmentIds"].remove(environment["id"])


@routes.delete("/projects/{projectId}")
def delete_project(call: Call) -> Reply:
    project = _project(call)
    for environment_id in project["environmentIds"]:  # every one empty, or nothing is deleted
        _require_empty(call.store["environments"][environment_id])
    for environment_id in list(project["environmentIds"]):
        _delete_environment(call, call.store["environments"][environment_id])
    del call.store["projects"][project["id"]]
    return Reply(204, empty=True)


@routes.get("/environments")
def list_environments(call: Call) -> Reply:
    filters = {"projectId": lambda e: e["projectId"], "name": lambda e: e["name"], "environmentId": lambda e: e["id"]}
    found = [e for e in call.store["environments"].values() if matches_filters(e, call, filters)]
    return 200, paginate(call, [(e["id"], public(e)) for e in found], "environment")


@routes.post("/environments")
def create_environment(call: Call) -> Reply:
    project = call.store["projects"].get(call.body["projectId"])
    if project is None:
        raise BadRequest(f"project {call.body['projectId']} not found")
    taken = {call.store["environments"][e]["name"] for e in project["environmentIds"]}
    if call.body["name"] in taken:
        raise Conflict(f"project already has an environment named {call.body['name']}")
    environment = _new_environment(call, project, call.body)
    project["updatedAt"] = now_iso()
    return 201, public(environment)


_environment = path_object("environments", "environmentId", "environment")


routes.get_one("/environments/{environmentId}", _environment, public)


@routes.patch("/environments/{environmentId}")
def update_environment(call: Call) -> Reply:
    environment = _environment(call)
    for key in ("name", "networkIsolationEnabled", "protectedStatus", "ipAllowList"):
        if key in (call.body or {}):
            environment[key] = copy.deepcopy(call.body[key])
    return 200, public(environment)


@routes.delete("/environments/{environmentId}")
def delete_environment(call: Call) -> Reply:
    _delete_environment(call, _environment(call))
    return Reply(204, empty=True)


def _resource_list(call: Call, resource_id: str) -> tuple[dict, str]:
    if resource_id in call.store["services"]:
        return call.store["services"][resource_id], "serviceIds"
    if resource_id in call.store["env_groups"]:
        return call.store["env_groups"][resource_id], "envGroupIds"
    raise BadRequest(f"resource {resource_id} not found (the sandbox holds services and env groups)")


@routes.post("/environments/{environmentId}/resources")
def add_resources(call: Call) -> Reply:
    environment = _environment(call)
    for resource_id in call.body["resourceIds"]:
        resource, field = _resource_list(call, resource_id)
        previous = resource.get("environmentId")
        if previous and previous != environment["id"] and previous in call.store["environments"]:
            call.store["environments"][previous][field].remove(resource_id)
        resource["environmentId"] = environment["id"]
        if resource_id not in environment[field]:
            environment[field].append(resource_id)
    return 201, public(environment)  # the real API answers 201 (recorded); the spec says 200


@routes.delete("/environments/{environmentId}/resources")
def remove_resources(call: Call) -> Reply:
    """Take the listed resources out of the environment that holds them.

    Render does not check the path's environment id: the Terraform provider sends the resource's own id there
    (``DELETE /environments/srv-.../resources?resourceIds=srv-...``) and Render answered 204 and moved it out
    (backgroundworker__resource__background_worker_cassette.yaml#84, then #85 adds it to another environment;
    same in the cron-job, private-service, Key Value, Redis and Postgres cassettes). The resources must exist."""
    path_environment = call.store["environments"].get(call.params["environmentId"])
    for resource_id in as_list(call.query.get("resourceIds")) or []:
        resource, field = _resource_list(call, resource_id)
        environment = call.store["environments"].get(resource.get("environmentId") or "") or path_environment
        if environment is None:
            continue
        if field == "serviceIds":
            linked = [g["name"] for g in call.store["env_groups"].values() if resource_id in g["_serviceIds"]
                      and g.get("environmentId") == environment["id"]]
            if linked:  # terraform-provider-render #10
                raise Conflict("cannot move service out of environment with linked env groups: " + ", ".join(linked))
        if resource_id in environment[field]:
            environment[field].remove(resource_id)
        resource.pop("environmentId", None)
    return Reply(204, empty=True)
