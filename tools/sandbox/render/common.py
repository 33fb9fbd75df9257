"""Helpers shared by the Render resource families: list shapes, lookups, owner checks."""

from __future__ import annotations

import base64
import copy
import re
from typing import Any, Callable, Iterable

from ..routing import BadRequest, NotFound
from ..server import Call

DEFAULT_LIMIT = 20


def public(obj: dict) -> dict:
    """The object as the API shows it: internal bookkeeping keys start with ``_`` and are dropped."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


def cursor_for(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def paginate(call: Call, items: Iterable[tuple[str, Any]], wrapper: str) -> list[dict]:
    """Render's list shape: ``[{"cursor": ..., "<wrapper>": {...}}]``; ``cursor`` asks for the items after the
    one that carried it, ``limit`` (1-100, default 20) caps the page. An empty page means the end."""
    items = list(items)
    start = 0
    cursor = call.query.get("cursor")
    if cursor:
        keys = [cursor_for(key) for key, _ in items]
        if cursor not in keys:
            raise BadRequest(f"invalid cursor {cursor!r}")
        start = keys.index(cursor) + 1
    limit = int(call.query.get("limit") or DEFAULT_LIMIT)
    return [{"cursor": cursor_for(key), wrapper: value} for key, value in items[start:start + limit]]


def as_list(value: Any) -> list | None:
    """Render's array filters arrive comma-separated; openapi-core already split them into lists."""
    if value is None:
        return None
    return list(value) if isinstance(value, (list, tuple)) else [value]


def matches_filters(obj: dict, call: Call, fields: dict[str, Callable[[dict], Any]]) -> bool:
    for param, getter in fields.items():
        wanted = as_list(call.query.get(param))
        if wanted and getter(obj) not in wanted:
            return False
    return True


def get_or_404(collection: dict, key: str, what: str) -> dict:
    obj = collection.get(key)
    if obj is None:
        raise NotFound(f"{what} not found")
    return obj


def path_object(collection: str, param: str, what: str) -> Callable[[Call], dict]:
    """The lookup of the object the path's ``param`` names in ``collection`` (404 "<what> not found" if none)."""
    return lambda call: get_or_404(call.store[collection], call.params[param], what)


def service_or_404(call: Call, service_id: str | None = None) -> dict:
    return get_or_404(call.store["services"], service_id or call.params["serviceId"], "service")


def owner_or_404(call: Call) -> str:
    """The path's ``ownerId``, answered 404 when the sandbox has no such owner (workspace)."""
    owner_id = call.params["ownerId"]
    if owner_id not in call.store["owners"]:
        raise NotFound(f"owner not found: {owner_id}")
    return owner_id


def require_owner(call: Call, owner_id: str) -> dict:
    owner = call.store["owners"].get(owner_id)
    if owner is None:
        raise BadRequest(f"owner {owner_id} not found; use one of GET /owners")
    return owner


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "service"
