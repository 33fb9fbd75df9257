"""Supabase project API keys: the legacy ``anon``/``service_role`` JWTs and the new publishable/secret keys.

A new project has both legacy keys (real HS256 JWTs signed with the project's JWT secret) and a ``default``
publishable and ``default`` secret key. Secret keys are masked unless ``?reveal=true``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from ..clock import now_iso
from ..ids import new_uuid
from ..routing import BadRequest, Conflict, NotFound, RouteTable
from ..server import Call, Reply
from .common import settings_of

routes = RouteTable()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(secret: str, claims: dict) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _hash(api_key: str) -> str:
    return _b64(hashlib.sha256(api_key.encode()).digest())


def _new_key(key_type: str, name: str, description: str | None, template: dict | None) -> dict:
    api_key = f"sb_{key_type}_{secrets.token_urlsafe(24)}"
    now = now_iso()
    return {"id": new_uuid(), "name": name, "type": key_type, "api_key": api_key, "description": description,
            "secret_jwt_template": template, "hash": _hash(api_key), "prefix": api_key[:len(f"sb_{key_type}_") + 4],
            "inserted_at": now, "updated_at": now}


def initial_keys(ref: str, jwt_secret: str) -> dict:
    """The key set of a new project, keyed by id."""
    issued = int(time.time())
    keys = {}
    for role in ("anon", "service_role"):
        token = jwt(jwt_secret, {"iss": "supabase", "ref": ref, "role": role, "iat": issued,
                                 "exp": issued + 10 * 365 * 86400})
        keys[role] = {"name": role, "api_key": token, "id": role, "type": "legacy", "hash": _hash(token),
                      "prefix": token[:5], "description": f"Legacy {role} API key"}
    for created in (_new_key("publishable", "default", None, None),
                    _new_key("secret", "default", None, {"role": "service_role"})):
        keys[created["id"]] = created
    return keys


def view(key: dict, reveal: bool) -> dict:
    shown = dict(key)
    if key["type"] == "secret" and not reveal:
        shown["api_key"] = key["prefix"] + "•" * 16
    return shown


def _keys(call: Call) -> dict:
    return settings_of(call, "api_keys")


def _legacy_enabled(call: Call) -> bool:
    return call.store["projects"][call.params["ref"]].get("_legacy_keys", True)


@routes.get("/v1/projects/{ref}/api-keys")
def list_keys(call: Call) -> Reply:
    keys = _keys(call)
    reveal = bool(call.query.get("reveal"))
    legacy = _legacy_enabled(call)
    return 200, [view(k, reveal) for k in keys.values() if legacy or k["type"] != "legacy"]


@routes.post("/v1/projects/{ref}/api-keys")
def create_key(call: Call) -> Reply:
    keys = _keys(call)
    body = call.body
    if any(k["name"] == body["name"] and k["type"] == body["type"] for k in keys.values()):
        raise Conflict(f"an API key named {body['name']} already exists")
    created = _new_key(body["type"], body["name"], body.get("description"), body.get("secret_jwt_template"))
    if body["type"] == "secret" and created["secret_jwt_template"] is None:
        created["secret_jwt_template"] = {"role": "service_role"}
    keys[created["id"]] = created
    return 201, view(created, bool(call.query.get("reveal")))


def _key(call: Call) -> dict:
    key = _keys(call).get(call.params["id"])
    if key is None:
        raise NotFound("API key not found")
    return key


@routes.get("/v1/projects/{ref}/api-keys/{id}")
def get_key(call: Call) -> Reply:
    return 200, view(_key(call), bool(call.query.get("reveal")))


@routes.patch("/v1/projects/{ref}/api-keys/{id}")
def update_key(call: Call) -> Reply:
    key = _key(call)
    if key["type"] == "legacy":
        raise BadRequest("legacy API keys cannot be changed")
    for field in ("name", "description", "secret_jwt_template"):
        if field in (call.body or {}):
            key[field] = call.body[field]
    key["updated_at"] = now_iso()
    return 200, view(key, bool(call.query.get("reveal")))


@routes.delete("/v1/projects/{ref}/api-keys/{id}")
def delete_key(call: Call) -> Reply:
    key = _key(call)
    if key["type"] == "legacy":
        raise BadRequest("legacy API keys cannot be deleted; disable them with PUT api-keys/legacy")
    del _keys(call)[key["id"]]
    return 200, view(key, bool(call.query.get("reveal")))


@routes.get("/v1/projects/{ref}/api-keys/legacy")
def get_legacy(call: Call) -> Reply:
    _keys(call)
    return 200, {"enabled": _legacy_enabled(call)}


@routes.put("/v1/projects/{ref}/api-keys/legacy")
def set_legacy(call: Call) -> Reply:
    _keys(call)
    call.store["projects"][call.params["ref"]]["_legacy_keys"] = bool(call.query["enabled"])
    return 200, {"enabled": _legacy_enabled(call)}
