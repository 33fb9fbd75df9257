"""Render owners (workspaces): the sandbox account has one team workspace, seeded at start."""

from __future__ import annotations

from ..routing import RouteTable
from ..server import Call, Reply
from .common import get_or_404, matches_filters, paginate

routes = RouteTable()

SANDBOX_OWNER = {"id": "tea-sandbox0000000000000", "name": "Sandbox Workspace", "email": "sandbox@example.com",
                 "type": "team", "ipAllowList": [], "twoFactorAuthEnabled": False}


@routes.get("/owners")
def list_owners(call: Call) -> Reply:
    filters = {"name": lambda o: o["name"], "email": lambda o: o["email"]}
    items = [(k, dict(o)) for k, o in call.store["owners"].items() if matches_filters(o, call, filters)]
    return 200, paginate(call, items, "owner")


@routes.get("/owners/{ownerId}")
def get_owner(call: Call) -> Reply:
    return 200, dict(get_or_404(call.store["owners"], call.params["ownerId"], "owner"))
