"""Render static-site response headers and redirect/rewrite routes.

Stored per rule (``headers[hdr-...]``, ``routes[rdr-...]``) with the owning service in ``_serviceId``. Route
priorities are 0-based and contiguous: list order of a replace-all PUT sets them, and moving one route shifts the
others, as Render documents.
"""

from __future__ import annotations

from ..ids import render_id
from ..routing import BadRequest, NotFound, RouteTable
from ..server import Call, Reply
from .common import matches_filters, paginate, public, service_or_404

routes = RouteTable()


def _static_site(call: Call) -> dict:
    service = service_or_404(call)
    if service["type"] != "static_site":
        raise BadRequest("headers and routes are only available for static sites")
    return service


def _rules(call: Call, collection: str, service_id: str) -> list[dict]:
    return [r for r in call.store[collection].values() if r["_serviceId"] == service_id]


def replace_headers(call: Call, service_id: str, items: list[dict]) -> list[dict]:
    for rule in _rules(call, "headers", service_id):
        del call.store["headers"][rule["id"]]
    created = []
    for item in items:
        rule = {"id": render_id("hdr"), "path": item["path"], "name": item["name"], "value": item["value"],
                "_serviceId": service_id}
        call.store["headers"][rule["id"]] = rule
        created.append(rule)
    return created


def _ordered_routes(call: Call, service_id: str) -> list[dict]:
    return sorted(_rules(call, "routes", service_id), key=lambda r: r["priority"])


def _renumber(rules: list[dict]) -> None:
    for priority, rule in enumerate(rules):
        rule["priority"] = priority


def replace_routes(call: Call, service_id: str, items: list[dict]) -> list[dict]:
    for rule in _rules(call, "routes", service_id):
        del call.store["routes"][rule["id"]]
    created = []
    for priority, item in enumerate(items):
        rule = {"id": render_id("rdr"), "type": item["type"], "source": item["source"],
                "destination": item["destination"], "priority": priority, "_serviceId": service_id}
        call.store["routes"][rule["id"]] = rule
        created.append(rule)
    return created


def _list(call: Call, rules: list[dict], fields: tuple[str, ...], wrapper: str) -> Reply:
    filters = {k: (lambda r, k=k: r[k]) for k in fields}
    found = [r for r in rules if matches_filters(r, call, filters)]
    return 200, paginate(call, [(r["id"], public(r)) for r in found], wrapper)


@routes.get("/services/{serviceId}/headers")
def list_headers(call: Call) -> Reply:
    return _list(call, _rules(call, "headers", _static_site(call)["id"]), ("path", "name", "value"), "header")


@routes.post("/services/{serviceId}/headers")
def add_header(call: Call) -> Reply:
    service = _static_site(call)
    rule = {"id": render_id("hdr"), **{k: call.body[k] for k in ("path", "name", "value")},
            "_serviceId": service["id"]}
    call.store["headers"][rule["id"]] = rule
    return 201, {"headers": public(rule)}  # Render wraps the created header in "headers"


@routes.put("/services/{serviceId}/headers")
def put_headers(call: Call) -> Reply:
    service = _static_site(call)
    return 200, [public(r) for r in replace_headers(call, service["id"], call.body or [])]


def _delete(call: Call, collection: str, rule_id: str, noun: str) -> str:
    """Delete one rule of the static site; returns the service id."""
    service = _static_site(call)
    rule = call.store[collection].get(rule_id)
    if rule is None or rule["_serviceId"] != service["id"]:
        raise NotFound(f"{noun} not found")
    del call.store[collection][rule_id]
    return service["id"]


@routes.delete("/services/{serviceId}/headers/{headerId}")
def delete_header(call: Call) -> Reply:
    _delete(call, "headers", call.params["headerId"], "header")
    return Reply(204, empty=True)


@routes.get("/services/{serviceId}/routes")
def list_routes(call: Call) -> Reply:
    return _list(call, _ordered_routes(call, _static_site(call)["id"]), ("type", "source", "destination"), "route")


@routes.post("/services/{serviceId}/routes")
def add_route(call: Call) -> Reply:
    service = _static_site(call)
    body = call.body
    rules = _ordered_routes(call, service["id"])
    rule = {"id": render_id("rdr"), "type": body["type"], "source": body["source"],
            "destination": body["destination"], "priority": 0, "_serviceId": service["id"]}
    position = body.get("priority", len(rules))  # defaults to last
    rules.insert(max(0, min(position, len(rules))), rule)
    _renumber(rules)
    call.store["routes"][rule["id"]] = rule
    return 201, public(rule)


@routes.put("/services/{serviceId}/routes")
def put_routes(call: Call) -> Reply:
    service = _static_site(call)
    return 200, [public(r) for r in replace_routes(call, service["id"], call.body or [])]


@routes.patch("/services/{serviceId}/routes")
def move_route(call: Call) -> Reply:
    # The spec's routePatch carries only `priority` and does not say which route moves; the sandbox takes the
    # route's `id` in the same body (extra properties are allowed there).
    service = _static_site(call)
    route_id = (call.body or {}).get("id")
    rules = _ordered_routes(call, service["id"])
    moving = next((r for r in rules if r["id"] == route_id), None)
    if moving is None:
        raise BadRequest("give the id of the route to move in the body: {\"id\": \"rdr-...\", \"priority\": n}")
    rules.remove(moving)
    rules.insert(max(0, min(call.body["priority"], len(rules))), moving)
    _renumber(rules)
    return 200, {"headers": public(moving)}


@routes.delete("/services/{serviceId}/routes/{routeId}")
def delete_route(call: Call) -> Reply:
    service_id = _delete(call, "routes", call.params["routeId"], "route")
    _renumber(_ordered_routes(call, service_id))
    return Reply(204, empty=True)
