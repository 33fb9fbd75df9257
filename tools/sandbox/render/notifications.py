"""Render notification settings: the workspace (owner) defaults and per-service overrides.

Shapes and defaults as recorded; a PATCH changes only the fields it sends; the service's ``notifyOnFail`` follows
its override; neither can be deleted through the API ("removing" one writes the defaults back); an unknown owner
or service answers 404. Each fact's cassette: tools/sandbox/README.md, "Render fidelity".
"""

from __future__ import annotations

from ..routing import NotFound, RouteTable
from ..server import Call, Reply
from .common import owner_or_404, paginate, public, service_or_404

routes = RouteTable()

OWNER_DEFAULTS = {"slackEnabled": False, "emailEnabled": True, "previewNotificationsEnabled": False,
                  "notificationsToSend": "failure"}
OVERRIDE_DEFAULTS = {"previewNotificationsEnabled": "default", "notificationsToSend": "default"}
NOTIFY_ON_FAIL = {"default": "default", "none": "ignore", "failure": "notify", "all": "notify"}


def _owner_settings(call: Call) -> dict:
    owner_id = owner_or_404(call)
    return call.store["notification_settings"].setdefault(owner_id, {"ownerId": owner_id, **OWNER_DEFAULTS})


routes.get_one("/notification-settings/owners/{ownerId}", _owner_settings, public)


@routes.patch("/notification-settings/owners/{ownerId}")
def patch_owner_settings(call: Call) -> Reply:
    settings = _owner_settings(call)
    for key in ("emailEnabled", "previewNotificationsEnabled", "notificationsToSend"):
        if key in call.body:
            settings[key] = call.body[key]
    return 200, public(settings)


def override_of(store, service_id: str) -> dict:
    return {"serviceId": service_id, **OVERRIDE_DEFAULTS, **(store["notification_overrides"].get(service_id) or {})}


@routes.get("/notification-settings/overrides/services/{serviceId}")
def get_override(call: Call) -> Reply:
    service = service_or_404(call)
    return 200, public(override_of(call.store, service["id"]))


@routes.patch("/notification-settings/overrides/services/{serviceId}")
def patch_override(call: Call) -> Reply:
    service = service_or_404(call)
    stored = call.store["notification_overrides"].setdefault(service["id"], {})
    for key in ("previewNotificationsEnabled", "notificationsToSend"):
        if key in call.body:
            stored[key] = call.body[key]
    current = override_of(call.store, service["id"])
    service["notifyOnFail"] = NOTIFY_ON_FAIL[current["notificationsToSend"]]
    return 200, public(current)


@routes.get("/notification-settings/overrides")
def list_overrides(call: Call) -> Reply:
    """Every service's override (``default`` ones included), filtered by owner and service ids."""
    owners = call.query.get("ownerId") or []
    wanted = call.query.get("serviceId") or []
    items = [(sid, {"type": "service", **override_of(call.store, sid)})
             for sid, service in call.store["services"].items()
             if (not owners or service["ownerId"] in owners) and (not wanted or sid in wanted)]
    return 200, paginate(call, items, "override")
