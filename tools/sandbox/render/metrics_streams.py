"""Render metrics streams: one OpenTelemetry export per workspace (``/metrics-stream/{ownerId}``).

Shapes as recorded (metricstream__resource__metric_streams_resource_cassette.yaml#0-#2): ``PUT {"provider",
"url", "token"}`` answers ``200 {"ownerId", "provider", "url"}`` (the token is stored, never returned), ``GET``
the same, ``DELETE`` 204. A workspace without a stream, or one deleted, answers 404 (the spec's "metrics stream
not found"). The first PUT must name a provider and a url (stricter reading: the spec marks nothing required,
but a stream without either cannot send anything); later PUTs may change one field.
"""

from __future__ import annotations

from ..routing import BadRequest, NotFound, RouteTable
from ..server import Call, Reply
from .common import owner_or_404, public

routes = RouteTable()


@routes.get("/metrics-stream/{ownerId}")
def get_stream(call: Call) -> Reply:
    stream = call.store["metrics_streams"].get(owner_or_404(call))
    if stream is None:
        raise NotFound("metrics stream not found")
    return 200, public(stream)


@routes.put("/metrics-stream/{ownerId}")
def put_stream(call: Call) -> Reply:
    owner_id = owner_or_404(call)
    current = call.store["metrics_streams"].get(owner_id) or {}
    body = call.body
    stream = {"ownerId": owner_id, "provider": body.get("provider", current.get("provider")),
              "url": body.get("url", current.get("url")), "_token": body.get("token", current.get("_token", ""))}
    if not stream["provider"] or not stream["url"]:
        raise BadRequest("provider and url are required for a new metrics stream")
    call.store["metrics_streams"][owner_id] = stream
    return 200, public(stream)


@routes.delete("/metrics-stream/{ownerId}")
def delete_stream(call: Call) -> Reply:
    if call.store["metrics_streams"].pop(owner_or_404(call), None) is None:
        raise NotFound("metrics stream not found")
    return Reply(204, empty=True)
