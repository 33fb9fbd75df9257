"""Render environment groups: CRUD, per-key env vars and secret files, and service links.

Links are stored as service ids and rendered as ``serviceLinks`` on read, so a renamed service shows its new name.
"""

from __future__ import annotations

from ..clock import now_iso
from ..ids import render_id
from ..routing import BadRequest, NotFound, RouteTable
from ..server import Call, Reply
from .common import matches_filters, path_object, require_owner, service_or_404
from .env import ENV_VARS, SECRET_FILES, Keyed
from .services import short_type

routes = RouteTable()


def _links(call: Call, group: dict) -> list[dict]:
    services = call.store["services"]
    return [{"id": sid, "name": services[sid]["name"], "type": short_type(services[sid])}
            for sid in group["_serviceIds"] if sid in services]


def meta_view(call: Call, group: dict) -> dict:
    view = {k: group[k] for k in ("id", "name", "ownerId", "createdAt", "updatedAt")}
    view["serviceLinks"] = _links(call, group)
    if group.get("environmentId"):
        view["environmentId"] = group["environmentId"]
    return view


def full_view(call: Call, group: dict) -> dict:
    view = meta_view(call, group)
    view["envVars"] = [{"key": k, "value": v} for k, v in group["_envVars"].items()]
    view["secretFiles"] = [{"name": n, "content": c} for n, c in group["_secretFiles"].items()]
    return view


_group = path_object("env_groups", "envGroupId", "env group")


def _touch(group: dict) -> None:
    group["updatedAt"] = now_iso()


@routes.get("/env-groups")
def list_groups(call: Call) -> Reply:
    filters = {"name": lambda g: g["name"], "ownerId": lambda g: g["ownerId"],
               "environmentId": lambda g: g.get("environmentId")}
    # Unwrapped envGroupMeta items without cursors: one of Render's lists that does not use the cursor shape.
    return 200, [meta_view(call, g) for g in call.store["env_groups"].values() if matches_filters(g, call, filters)]


@routes.post("/env-groups")
def create_group(call: Call) -> Reply:
    body = call.body
    require_owner(call, body["ownerId"])
    for sid in body.get("serviceIds") or []:
        service_or_404(call, sid)
    environment_id = body.get("environmentId")
    if environment_id and environment_id not in call.store["environments"]:
        raise BadRequest(f"environment {environment_id} not found")
    now = now_iso()
    group = {"id": render_id("evg"), "name": body["name"], "ownerId": body["ownerId"], "createdAt": now,
             "updatedAt": now, "_serviceIds": list(body.get("serviceIds") or []), "_envVars": {}, "_secretFiles": {}}
    if environment_id:
        group["environmentId"] = environment_id
        call.store["environments"][environment_id]["envGroupIds"].append(group["id"])
    ENV_VARS.apply(group["_envVars"], body["envVars"])
    SECRET_FILES.apply(group["_secretFiles"], body.get("secretFiles") or [])
    call.store["env_groups"][group["id"]] = group
    return 201, full_view(call, group)


routes.get_one_with_call("/env-groups/{envGroupId}", _group, full_view)


@routes.patch("/env-groups/{envGroupId}")
def rename_group(call: Call) -> Reply:
    group = _group(call)
    group["name"] = call.body["name"]  # the only updatable field
    _touch(group)
    return 200, full_view(call, group)


@routes.delete("/env-groups/{envGroupId}")
def delete_group(call: Call) -> Reply:
    group = _group(call)
    del call.store["env_groups"][group["id"]]
    for environment in call.store["environments"].values():
        if group["id"] in environment["envGroupIds"]:
            environment["envGroupIds"].remove(group["id"])
    return Reply(204, empty=True)


def _register_per_key(kind: Keyed) -> None:
    one = f"/env-groups/{{envGroupId}}/{kind.segment}/{{{kind.param}}}"

    @routes.get(one)
    def get_one(call: Call) -> Reply:
        return 200, kind.get(_group(call)[kind.group_attr], call.params[kind.param])

    @routes.put(one)
    def upsert_one(call: Call) -> Reply:
        group = _group(call)
        group[kind.group_attr][call.params[kind.param]] = kind.value_of(call.body or {})
        _touch(group)
        return 200, full_view(call, group)  # an env group answers with the whole group

    @routes.delete(one)
    def delete_one(call: Call) -> Reply:
        group = _group(call)
        kind.remove(group[kind.group_attr], call.params[kind.param])
        _touch(group)
        return Reply(204, empty=True)


_register_per_key(ENV_VARS)
_register_per_key(SECRET_FILES)


@routes.post("/env-groups/{envGroupId}/services/{serviceId}")
def link_service(call: Call) -> Reply:
    group = _group(call)
    service = service_or_404(call)
    if service["id"] not in group["_serviceIds"]:
        group["_serviceIds"].append(service["id"])
        _touch(group)
    return 200, full_view(call, group)


@routes.delete("/env-groups/{envGroupId}/services/{serviceId}")
def unlink_service(call: Call) -> Reply:
    group = _group(call)
    if call.params["serviceId"] not in group["_serviceIds"]:
        raise NotFound("service is not linked to this env group")
    group["_serviceIds"].remove(call.params["serviceId"])
    _touch(group)
    return Reply(204, empty=True)
