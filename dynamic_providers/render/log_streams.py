"""The workspace log stream: where Render ships every service's logs (one setting per owner).

It is a singleton keyed by the owner, so "create" and "update" are the same PUT. An existing stream
to another endpoint is someone else's: taking it over needs ``adopt``. The receiver's token is read
from an environment variable at call time (``token_env``, e.g. ``RENDER_LOG_STREAM_TOKEN``); inputs
and state hold only its ``token_fingerprint``, so a rotation shows as a change and is re-sent. Render
never returns the token; an emptied endpoint reads as gone.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi

from ..core import DeclarativeResource, Field, NotFoundError, Transport
from ..core.fields import no_live_setting
from .base import WorkspaceStreamProvider


def log_stream_body(inputs: Mapping[str, Any], token: Optional[str] = None) -> dict:
    """PUT /logs/streams/owner/{ownerId} body (the token is re-sent: Render cannot echo it)."""
    body = {"endpoint": inputs["endpoint"], "preview": inputs.get("preview_logs") or "drop"}
    if token:
        body["token"] = token
    return body


class LogStreamProvider(WorkspaceStreamProvider):
    kind = "Render workspace log stream"
    target = "endpoint"
    fields = {
        "owner_id": Field(str, required=True, replace=True),
        "endpoint": Field(str, required=True),  # host:port of the syslog-over-TLS receiver
        # The name of the variable holding the receiver's token (none: no token), never the token.
        "token_env": Field(str, managed=False),
        "token_fingerprint": Field(str, write_only=True, on_remove=no_live_setting(
            "check() derives it from the token variable; the token itself is what the receiver holds")),  # set by check(), from the variable
        "preview_logs": Field(str, default="drop", choices=("send", "drop")),  # preview environments' logs
    }
    adopt_alternative = "remove the existing log stream first"
    env_secrets = {"token_fingerprint": ("token_env", "log-stream token for Render to send logs with")}

    def _get(self, api: Transport, owner_id: str) -> Optional[dict]:
        try:
            stream = self.client(api).get_log_stream(owner_id)
        except NotFoundError:
            return None
        if not stream["endpoint"]:
            return None  # no stream configured
        return {"owner_id": owner_id, "endpoint": stream["endpoint"], "preview_logs": stream["preview"]}

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        token = self.env_secret(inputs, "token_fingerprint") if inputs.get("token_env") else None
        self.client(api).put_log_stream(inputs["owner_id"], log_stream_body(inputs, token))
        return {"owner_id": inputs["owner_id"], "endpoint": inputs["endpoint"],
                "preview_logs": inputs.get("preview_logs")}

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        self.client(api).delete_log_stream(self._owner_of(id_, props))

    def id_of(self, live: dict) -> str:
        return f"{live['owner_id']}/log-stream"

    def live_inputs(self, live: dict) -> dict[str, Any]:
        return {k: v for k, v in live.items() if v is not None}


class LogStream(DeclarativeResource, module="render", name="LogStream"):
    """The workspace log stream (``pulumi-python:dynamic/render:LogStream``).

    Inputs: ``owner_id``, ``endpoint`` (``host:port``), ``token_env`` (environment variable holding
    the receiver's token, read at call time; absent: no token), ``preview_logs`` (send|drop, default
    drop), ``adopt``. Output ``token_fingerprint`` changes when the token is rotated.
    """

    token_fingerprint: pulumi.Output[Optional[str]]

    def __init__(self, resource_name: str, *, owner_id: pulumi.Input[str], endpoint: pulumi.Input[str],
                 token_env: Optional[str] = None, preview_logs: str = "drop", adopt: bool = False,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(LogStreamProvider(), resource_name,
                         {"owner_id": owner_id, "endpoint": endpoint, "token_env": token_env,
                          "token_fingerprint": None, "preview_logs": preview_logs, "adopt": adopt}, opts)
