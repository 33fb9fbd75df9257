"""Render manual scaling and autoscaling (web services, private services, background workers)."""

from __future__ import annotations

import copy
import time

from ..routing import BadRequest, RouteTable
from ..server import Call, Reply
from . import metric_samples
from .common import service_or_404

routes = RouteTable()

SCALABLE = ("web_service", "private_service", "background_worker")


def _scalable(call: Call) -> dict:
    service = service_or_404(call)
    if service["type"] not in SCALABLE:
        raise BadRequest(f"a {service['type']} cannot be scaled")
    return service


@routes.post("/services/{serviceId}/scale")
def scale(call: Call) -> Reply:
    service = _scalable(call)
    count = call.body["numInstances"]
    if count < 0:
        raise BadRequest("numInstances must be >= 0")
    # Render ignores a manual scale while autoscaling is enabled; the request still succeeds.
    if not (service["serviceDetails"].get("autoscaling") or {}).get("enabled"):
        metric_samples.note(call.store, service["id"], time.time(), "numInstances",
                            service["serviceDetails"].get("numInstances", 1), count)
        service["serviceDetails"]["numInstances"] = count
    return Reply(202, empty=True)


@routes.put("/services/{serviceId}/autoscaling")
def set_autoscaling(call: Call) -> Reply:
    service = _scalable(call)
    config = copy.deepcopy(call.body)
    if config["min"] > config["max"]:
        raise BadRequest("autoscaling min must not exceed max")
    service["serviceDetails"]["autoscaling"] = config
    return 200, config


@routes.delete("/services/{serviceId}/autoscaling")
def delete_autoscaling(call: Call) -> Reply:
    service = _scalable(call)
    service["serviceDetails"].pop("autoscaling", None)
    return Reply(204, empty=True)
