"""The workspace metrics stream: Render exports every service's metrics to an OpenTelemetry endpoint.

One per workspace (``/metrics-stream/{ownerId}``), so "create" and "update" are the same PUT, like the log
stream; an existing stream to another URL is someone else's and taking it over needs ``adopt``. The
receiver's token is read from an environment variable at call time (``token_env``, e.g.
``RENDER_METRICS_STREAM_TOKEN``, exported by the stack's ESC environment); inputs and state hold only its
``token_fingerprint``, so a rotation shows as a change and ``up`` re-sends it. Render never returns the token.

The token handling is the core's ``env_secrets`` (``dynamic_providers/core/settings.py``), as for the registry
and log-stream tokens.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi

from ..core import DeclarativeResource, Field, NotFoundError, Transport
from ..core.fields import no_live_setting
from .base import WorkspaceStreamProvider

# recordings/render metricstream cassette and the spec's upsertOwnerMetricsStream provider enum.
PROVIDERS = ("BETTER_STACK", "GRAFANA", "DATADOG", "NEW_RELIC", "HONEYCOMB", "SIGNOZ", "GROUNDCOVER", "CUSTOM")


class MetricsStreamProvider(WorkspaceStreamProvider):
    kind = "Render workspace metrics stream"
    target = "url"
    fields = {
        "owner_id": Field(str, required=True, replace=True),
        "provider": Field(str, default="CUSTOM", choices=PROVIDERS),
        "url": Field(str, required=True),  # the OTLP/HTTP endpoint
        "token_env": Field(str, managed=False),  # the variable holding the receiver's token (none: no token)
        "token_fingerprint": Field(str, write_only=True, on_remove=no_live_setting(
            "check() derives it from the token variable; the token itself is what the receiver holds")),  # set by check() from the variable
    }
    adopt_alternative = "remove the existing metrics stream first"
    env_secrets = {"token_fingerprint": ("token_env", "metrics-stream token for Render to send metrics with")}

    def _get(self, api: Transport, owner_id: str) -> Optional[dict]:
        try:
            live = self.client(api).get_metrics_stream(owner_id)
        except NotFoundError:
            return None
        live["owner_id"] = live["owner_id"] or owner_id
        return live if live["url"] else None

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        body = {"provider": inputs.get("provider") or "CUSTOM", "url": inputs["url"]}
        if inputs.get("token_env"):
            body["token"] = self.env_secret(inputs, "token_fingerprint")
        live = self.client(api).put_metrics_stream(inputs["owner_id"], body)
        live["owner_id"] = live["owner_id"] or inputs["owner_id"]
        return live

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        self.client(api).delete_metrics_stream(self._owner_of(id_, props))

    def id_of(self, live: dict) -> str:
        return f"{live['owner_id']}/metrics-stream"

    def live_inputs(self, live: dict) -> dict[str, Any]:
        return {k: live[k] for k in ("owner_id", "provider", "url") if live.get(k) is not None}


class MetricsStream(DeclarativeResource, module="render", name="MetricsStream"):
    """The workspace metrics stream (``pulumi-python:dynamic/render:MetricsStream``).

    Inputs: ``owner_id``, ``url`` (the OTLP endpoint), ``provider`` (default CUSTOM), ``token_env`` (the
    environment variable holding the receiver's token, read at call time; absent: no token), ``adopt``.
    Output ``token_fingerprint`` changes when the token is rotated.
    """

    token_fingerprint: pulumi.Output[Optional[str]]

    def __init__(self, resource_name: str, *, owner_id: pulumi.Input[str], url: pulumi.Input[str],
                 provider: str = "CUSTOM", token_env: Optional[str] = None, adopt: bool = False,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(MetricsStreamProvider(), resource_name, {
            "owner_id": owner_id, "url": url, "provider": provider, "token_env": token_env,
            "token_fingerprint": None, "adopt": adopt}, opts)
