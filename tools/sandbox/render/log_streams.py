"""Render log streams: the workspace (owner) setting and per-resource overrides (the list is not emulated: 501).

Shapes follow the recorded real answers: ``{"ownerId", "endpoint", "preview"}`` and ``{"resourceId", "endpoint",
"setting"}``; the token is stored but never returned. A PUT with an empty endpoint is stored as such (the real
API answers ``"endpoint": ""``). An owner or resource with no setting, or one deleted, answers 404
(``not found: <id>``) as the recorded resource override does after its DELETE.
"""

from __future__ import annotations

from typing import Callable

from ..routing import BadRequest, NotFound, RouteTable
from ..server import Call, Reply
from .common import owner_or_404, public

routes = RouteTable()


def _missing(key: str) -> Reply:
    # The recorded real 404 here is ``{"message": "not found: <id>"}``, without the usual ``id``.
    return Reply(404, {"message": f"not found: {key}"})


def _stored(call: Call, collection: str, key: str) -> Reply:
    found = call.store[collection].get(key)
    return _missing(key) if found is None else (200, public(found))


def _deleted(call: Call, collection: str, key: str) -> Reply:
    if call.store[collection].pop(key, None) is None:
        return _missing(key)
    return Reply(204, empty=True)


def _get_and_delete(template: str, collection: str, key_of: Callable[[Call], str]) -> None:
    """The GET and DELETE of one stored setting; its PUT is the one that differs between owner and resource."""
    routes.get(template)(lambda call: _stored(call, collection, key_of(call)))
    routes.delete(template)(lambda call: _deleted(call, collection, key_of(call)))


_get_and_delete("/logs/streams/owner/{ownerId}", "log_streams", owner_or_404)


@routes.put("/logs/streams/owner/{ownerId}")
def put_owner_stream(call: Call) -> Reply:
    owner_id = owner_or_404(call)
    body = call.body
    current = call.store["log_streams"].get(owner_id) or {}
    stream = {"ownerId": owner_id, "endpoint": body.get("endpoint", current.get("endpoint", "")),
              "preview": body["preview"], "_token": body.get("token", current.get("_token", ""))}
    call.store["log_streams"][owner_id] = stream
    return 200, public(stream)


def _resource(call: Call) -> str:
    resource_id = call.params["resourceId"]
    if resource_id not in call.store["services"]:  # services are the only resources the sandbox has
        raise NotFound(f"not found: {resource_id}")
    return resource_id


_get_and_delete("/logs/streams/resource/{resourceId}", "resource_log_streams", _resource)


@routes.put("/logs/streams/resource/{resourceId}")
def put_resource_stream(call: Call) -> Reply:
    resource_id = _resource(call)
    body = call.body
    endpoint = body.get("endpoint") or ""
    # Spec: the endpoint "must be present if setting is send, cannot be present if setting is drop".
    if body["setting"] == "send" and not endpoint:
        raise BadRequest("endpoint is required when setting is send")
    if body["setting"] == "drop" and endpoint:
        raise BadRequest("endpoint cannot be set when setting is drop")
    override = {"resourceId": resource_id, "endpoint": endpoint, "setting": body["setting"],
                "_token": body.get("token", "")}
    call.store["resource_log_streams"][resource_id] = override
    return 200, public(override)
