"""Render manual scaling and autoscaling (web services, private services, background workers)."""

from __future__ import annotations

import copy
import time

from ..clock import iso_at
from ..routing import BadRequest, RouteTable
from ..server import Call, Reply
from . import traffic
from .common import service_or_404
from .deploys import _service_deploys, refresh

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


@routes.get("/services/{serviceId}/instances")
def list_instances(call: Call) -> Reply:
    """``[serviceInstance]`` (``{id, createdAt}``, the spec's list-instances): the instances running now, i.e. the
    serving deploy's (a web service's: sandbox/render/traffic.py; another type's: its live deploy), ``numInstances``
    of them, sharing that deploy's start time; none while suspended or while no deploy serves."""
    service = service_or_404(call)
    refresh(call, service["id"])
    deploys = _service_deploys(call.store, service["id"])
    if any(d.get("_instance") for d in deploys):  # a web service: the instance model of its traffic
        current = traffic.serving(deploys, time.time())
        booted = current and iso_at(current["_instance"]["bootAt"])
    else:  # a worker takes no traffic: its live deploy's instances run
        current = next((d for d in deploys if d["status"] == "live"), None)
        booted = current and current.get("finishedAt")
    if service["suspended"] == "suspended" or current is None:
        return 200, []
    count = service["serviceDetails"].get("numInstances") or 1
    return 200, [{"id": f"{service['id']}-{current['id'][-5:]}-{n}", "createdAt": booted} for n in range(count)]
