"""Render ``GET /services/{serviceId}/instances``: the instances running now, ``[{id, createdAt}]`` (spec
``serviceInstance``), as many as ``/metrics/instance-count`` reports at this moment (``metric_samples``): none
while suspended or with no deploy serving, else ``numInstances`` of the serving deploy. The first carries the id
the metrics label that deploy's instance with; the sandbox runs one instance per deploy, so the others are ids
only. ``createdAt``: when the deploy's instance took traffic (its deploy's ``finishedAt`` for non-web services)."""

from __future__ import annotations

import hashlib
import time

from ..clock import iso_at
from ..server import Call, Reply
from ..routing import RouteTable
from . import metric_samples
from .common import service_or_404
from .deploys import refresh

routes = RouteTable()


def _replica_id(service_id: str, deploy_id: str, index: int) -> str:
    if index == 0:
        return metric_samples.instance_id(service_id, deploy_id)
    suffix = hashlib.sha256(f"{deploy_id}/{index}".encode()).hexdigest()[:5]
    return f"{service_id}-{suffix}"


@routes.get("/services/{serviceId}/instances")
def list_instances(call: Call) -> Reply:
    service = service_or_404(call)
    refresh(call, service["id"])
    now = time.time()
    deploys = [d for d in call.store["deploys"].values() if d["_serviceId"] == service["id"]]
    record = metric_samples.samples_of(call.store, service["id"])
    serving = metric_samples.serving_deploy(service, deploys, now)
    count = metric_samples.instance_count(service, deploys, record, now)
    if serving is None or count == 0:
        return 200, []
    instance = serving.get("_instance") or {}
    started = instance.get("switchAt") or metric_samples.parse_time(serving["finishedAt"])
    return 200, [{"id": _replica_id(service["id"], serving["id"], i), "createdAt": iso_at(started)}
                 for i in range(count)]
