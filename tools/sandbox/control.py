"""The HTTP control surface under ``/_sandbox/`` on each server (never journaled).

Every endpoint but health needs the sandbox's control token in the ``X-Sandbox-Control-Token`` header
(``tools.sandbox.control_token``); every request, the API's too, must be addressed to a loopback Host and carry no
foreign Origin (``tools.sandbox.loopback``, checked by the server before this module sees the request).
The endpoints and why the guard: tools/sandbox/README.md, "Control API".
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from . import control_token
from .faults import Fault
from .state import NotFoundInStore

if TYPE_CHECKING:  # pragma: no cover
    from .server import ApiServer, Reply


def _reply(status: int, body: Any = None) -> "Reply":
    from .server import Reply

    return Reply(status, body if body is not None else {}, empty=status == 204)


def handle(api: "ApiServer", method: str, target: str, body: bytes, presented_token: str | None) -> "Reply":
    parts = [unquote(p) for p in urlsplit(target).path.split("/")[2:] if p]
    # Health stays open: a liveness probe that says only "a sandbox serves here", which the Host/Origin check
    # already keeps from any web page, and which lets a script wait for a start without the token.
    if parts != ["health"]:
        where = str(api.control_token_file) if api.control_token_file else "the in-process Sandbox's control_token"
        refused = control_token.refusal(presented_token, api.control_token, where)
        if refused is not None:
            return _reply(401, {"error": refused})
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
            payload = dict(payload or {})
            token = payload.pop("token", None)  # a rotation, as a vendor dashboard does it; never echoed
            if token is not None and (not isinstance(token, str) or not token.strip()):
                raise ValueError("token must be a non-empty string")
            unknown = set(payload) - set(api.settings)
            if unknown:
                raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
            api.check_settings(payload)
            api.settings.update(payload)
            if token is not None:
                api.token = token
        if method in ("GET", "PATCH"):
            return _reply(200, api.settings)
    own = api.control_route(method, parts, payload)  # a vendor's own endpoint (Render: traffic)
    if own is not None:
        return own
    return _reply(404, {"error": f"no control endpoint {method} /_sandbox/{'/'.join(parts)}"})
