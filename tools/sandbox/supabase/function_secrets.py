"""Supabase Edge Function secrets: bulk upsert, bulk delete, and a list that shows SHA-256 digests only."""

from __future__ import annotations

import hashlib

from ..clock import now_iso
from ..routing import RouteTable
from ..server import Call, Reply
from .common import settings_of

routes = RouteTable()


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@routes.get("/v1/projects/{ref}/secrets")
def list_secrets(call: Call) -> Reply:
    stored = settings_of(call, "secrets")
    return 200, [{"name": name, "value": digest(s["value"]), "updated_at": s["updated_at"]}
                 for name, s in sorted(stored.items())]


@routes.post("/v1/projects/{ref}/secrets")
def upsert_secrets(call: Call) -> Reply:
    stored = settings_of(call, "secrets")
    now = now_iso()
    for item in call.body:
        stored[item["name"]] = {"value": item["value"], "updated_at": now}
    return Reply(201, empty=True)


@routes.delete("/v1/projects/{ref}/secrets")
def delete_secrets(call: Call) -> Reply:
    stored = settings_of(call, "secrets")
    for name in call.body:
        stored.pop(name, None)
    return Reply(200, empty=True)
