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


@routes.get("/services/{serviceId}/headers")
def list_headers(call: Call) -> Reply:
    service = _static_site(call)
    filters = {k: (lambda r, k=k: r[k]) for k in ("path", "name", "value")}
    rules = [r for r in _rules(call, "headers", service["id"]) if matches_filters(r, call, filters)]
    return 200, paginate(call, [(r["id"], public(r)) for r in rules], "header")


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


@routes.delete("/services/{serviceId}/headers/{headerId}")
def delete_header(call: Call) -> Reply:
    service = _static_site(call)
    rule = call.store["headers"].get(call.params["headerId"])
    if rule is None or rule["_serviceId"] != service["id"]:
        raise NotFound("header not found")
    del call.store["headers"][rule["id"]]
    return Reply(204, empty=True)


@routes.get("/services/{serviceId}/routes")
def list_routes(call: Call) -> Reply:
    service = _static_site(call)
    filters = {k: (lambda r, k=k: r[k]) for k in ("type", "source", "destination")}
    rules = [r for r in _ordered_routes(call, service["id"]) if matches_filters(r, call, filters)]
    return 200, paginate(call, [(r["id"], public(r)) for r in rules], "route")


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
    service = _static_site(call)
    rule = call.store["routes"].get(call.params["routeId"])
    if rule is None or rule["_serviceId"] != service["id"]:
        raise NotFound("route not found")
    del call.store["routes"][rule["id"]]
    _renumber(_ordered_routes(call, service["id"]))
    return Reply(204, empty=True)
