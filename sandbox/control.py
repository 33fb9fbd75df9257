"""The HTTP control surface under ``/_sandbox/`` on each server (no auth: loopback only, never journaled).

  GET    /_sandbox/health                  {"server", "ok"}
  GET    /_sandbox/journal                 {"entries": [...]}        DELETE clears it
  GET    /_sandbox/faults                  {"faults": [...]}         DELETE clears them
  POST   /_sandbox/faults                  one fault object or a list -> 201 {"faults": [...]}
  DELETE /_sandbox/faults/{id}             remove one fault
  POST   /_sandbox/edit                    {"collection", "id", "set": {dotted.path: value}, "unset": [...]}
  GET    /_sandbox/state                   every collection;  GET /_sandbox/state/{collection}[/{id}]
  POST   /_sandbox/reset                   forget objects (re-seed), journal and faults
  GET    /_sandbox/settings                timing settings;  PATCH merges new values
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .faults import Fault
from .state import NotFoundInStore

if TYPE_CHECKING:  # pragma: no cover
    from .server import ApiServer, Reply


def _reply(status: int, body: Any = None) -> "Reply":
    from .server import Reply

    return Reply(status, body if body is not None else {}, empty=status == 204)


def handle(api: "ApiServer", method: str, target: str, body: bytes) -> "Reply":
    parts = [unquote(p) for p in urlsplit(target).path.split("/")[2:] if p]
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        return _reply(400, {"error": "control body must be JSON"})
    try:
        return _route(api, method, parts, payload)
    except (ValueError, TypeError) as error:
        return _reply(400, {"error": str(error)})
    except NotFoundInStore as error:
        return _reply(404, {"error": error.args[0]})


def _route(api: "ApiServer", method: str, parts: list[str], payload: Any) -> "Reply":
    head = parts[0] if parts else ""
    if head == "health" and method == "GET":
        return _reply(200, {"server": api.name, "ok": True})
    if head == "journal" and method == "GET":
        return _reply(200, {"entries": api.journal.to_json()})
    if head == "journal" and method == "DELETE":
        api.journal.clear()
        return _reply(204)
    if head == "faults":
        if method == "GET":
            return _reply(200, {"faults": [f.to_json() for f in api.faults.list()]})
        if method == "POST":
            items = payload if isinstance(payload, list) else [payload or {}]
            faults = [Fault.from_json(item) for item in items]  # validate all before adding any
            for fault in faults:
                api.faults.add(fault)
            return _reply(201, {"faults": [f.to_json() for f in faults]})
        if method == "DELETE" and len(parts) == 2:
            found = api.faults.remove(int(parts[1]))
            return _reply(204) if found else _reply(404, {"error": f"no fault {parts[1]}"})
        if method == "DELETE":
            api.faults.clear()
            return _reply(204)
    if head == "edit" and method == "POST":
        payload = payload or {}
        missing = {"collection", "id"} - set(payload)
        if missing:
            raise ValueError(f"edit needs {', '.join(sorted(missing))}")
        result = api.edit(payload["collection"], payload["id"], payload.get("set"), payload.get("unset"))
        return _reply(200, result)
    if head == "state" and method == "GET":
        data = api.store.to_json()
        if len(parts) >= 2:
            if parts[1] not in data:
                raise NotFoundInStore(f"no collection {parts[1]!r}")
            data = data[parts[1]]
            if len(parts) >= 3:
                if parts[2] not in data:
                    raise NotFoundInStore(f"no object {parts[2]!r} in {parts[1]!r}")
                data = data[parts[2]]
        return _reply(200, data)
    if head == "reset" and method == "POST":
        api.reset()
        return _reply(204)
    if head == "settings":
        if method == "PATCH":
            unknown = set(payload or {}) - set(api.settings)
            if unknown:
                raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
            api.check_settings(payload or {})
            api.settings.update(payload or {})
        if method in ("GET", "PATCH"):
            return _reply(200, api.settings)
    return _reply(404, {"error": f"no control endpoint {method} /_sandbox/{'/'.join(parts)}"})
