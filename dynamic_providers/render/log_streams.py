"""The workspace log stream: where Render ships every service's logs (one setting per owner).

It is a singleton keyed by the owner, so "create" and "update" are the same PUT. An existing stream
to another endpoint is someone else's: taking it over needs ``adopt``. The token is write-only and
secret (Render never returns it); an emptied endpoint reads as gone.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi

from ..core import DeclarativeProvider, DeclarativeResource, Field, NotFoundError, Transport
from .api import RENDER


def log_stream_body(inputs: Mapping[str, Any]) -> dict:
    """PUT /logs/streams/owner/{ownerId} body (the token is re-sent: Render cannot echo it)."""
    body = {"endpoint": inputs["endpoint"], "preview": inputs.get("preview_logs") or "drop"}
    if inputs.get("token"):
        body["token"] = inputs["token"]
    return body


class LogStreamProvider(DeclarativeProvider):
    api = RENDER
    kind = "Render workspace log stream"
    fields = {
        "owner_id": Field(str, required=True, replace=True),
        "endpoint": Field(str, required=True),  # host:port of the syslog-over-TLS receiver
        "token": Field(str, secret=True, write_only=True),
        "preview_logs": Field(str, default="drop", choices=("send", "drop")),  # preview environments' logs
    }
    adopt_alternative = "remove the existing log stream first"

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"of owner {inputs.get('owner_id')}"

    def _get(self, api: Transport, owner_id: str) -> Optional[dict]:
        try:
            data = api.get(f"/logs/streams/owner/{owner_id}")
        except NotFoundError:
            return None
        data = data if isinstance(data, dict) else {}
        endpoint = data.get("endpoint") if isinstance(data.get("endpoint"), str) else ""
        if not endpoint:
            return None  # no stream configured
        preview = data.get("preview") if isinstance(data.get("preview"), str) else None
        return {"owner_id": owner_id, "endpoint": endpoint, "preview_logs": preview}

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        current = self._get(api, inputs["owner_id"])
        return current if current and current["endpoint"] != inputs["endpoint"] else None

    def find_created(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        current = self._get(api, inputs["owner_id"])
        return current if current and current["endpoint"] == inputs["endpoint"] else None

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        api.put(f"/logs/streams/owner/{inputs['owner_id']}", log_stream_body(inputs))
        return {"owner_id": inputs["owner_id"], "endpoint": inputs["endpoint"],
                "preview_logs": inputs.get("preview_logs")}

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Optional[dict]:
        return self._get(api, props.get("owner_id") or id_.split("/", 1)[0])

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> dict:
        return self.create_remote(api, news)

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        api.delete(f"/logs/streams/owner/{props.get('owner_id') or id_.split('/', 1)[0]}")

    def id_of(self, live: dict) -> str:
        return f"{live['owner_id']}/log-stream"

    def live_inputs(self, live: dict) -> dict[str, Any]:
        return {k: v for k, v in live.items() if v is not None}


class LogStream(DeclarativeResource, module="render", name="LogStream"):
    """The workspace log stream (``pulumi-python:dynamic/render:LogStream``).

    Inputs: ``owner_id``, ``endpoint`` (``host:port``), ``token`` (secret), ``preview_logs``
    (send|drop, default drop), ``adopt``.
    """

    def __init__(self, resource_name: str, *, owner_id: pulumi.Input[str], endpoint: pulumi.Input[str],
                 token: Optional[pulumi.Input[str]] = None, preview_logs: str = "drop", adopt: bool = False,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(LogStreamProvider(), resource_name,
                         {"owner_id": owner_id, "endpoint": endpoint, "token": token, "preview_logs": preview_logs,
                          "adopt": adopt}, opts)
