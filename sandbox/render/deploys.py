"""Render deploys: create, list, get, cancel, rollback, and the status lifecycle.

A new deploy is ``build_in_progress`` and turns ``live`` ``settings["deploy_delay"]`` seconds after it was
created; the previously live deploy of the service then becomes ``deactivated``. Progress is computed when
deploys are read, so there is no background thread and a persisted state picks up where it left off.
"""

from __future__ import annotations

import hashlib
import time

from ..clock import iso_at, now_iso
from ..ids import render_id, token
from ..routing import BadRequest, Conflict, RouteTable
from ..server import Call, Reply
from .common import get_or_404, matches_filters, paginate, public, service_or_404

routes = RouteTable()

IN_PROGRESS = ("created", "queued", "build_in_progress", "update_in_progress", "pre_deploy_in_progress")


def _fake_sha(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()


def start_deploy(call: Call, service: dict, trigger: str, commit_id: str | None = None,
                 image_url: str | None = None, source: dict | None = None) -> dict:
    """Record a new in-progress deploy of ``service`` (``source``: a deploy whose commit/image to reuse)."""
    now = time.time()
    deploy = {"id": render_id("dep"), "status": "build_in_progress", "trigger": trigger,
              "createdAt": iso_at(now), "updatedAt": iso_at(now),
              "_serviceId": service["id"], "_readyAt": now + float(call.server.settings["deploy_delay"])}
    if source is not None:
        for key in ("commit", "image"):
            if key in source:
                deploy[key] = dict(source[key])
    elif "imagePath" in service:
        ref = image_url or service["imagePath"]
        deploy["image"] = {"ref": ref, "sha": "sha256:" + hashlib.sha256(f"{ref}{token()}".encode()).hexdigest()}
    else:
        deploy["commit"] = {"id": commit_id or _fake_sha(f"{service['id']}{now}{token()}"),
                            "message": "Deployed by the procurement sandbox", "createdAt": iso_at(now)}
    if "commit" in deploy:  # Git-backed deploys report startedAt at once (recorded responses)
        deploy["startedAt"] = iso_at(now)
    call.store["deploys"][deploy["id"]] = deploy
    return deploy


def refresh(call: Call, service_id: str) -> None:
    """Advance the lifecycle of the service's deploys to the present."""
    deploys = sorted((d for d in call.store["deploys"].values() if d["_serviceId"] == service_id),
                     key=lambda d: d["_readyAt"])
    now = time.time()
    for deploy in deploys:
        if deploy["status"] in IN_PROGRESS and now >= deploy["_readyAt"]:
            for other in deploys:
                if other is not deploy and other["status"] == "live":
                    other["status"] = "deactivated"
                    other["updatedAt"] = iso_at(deploy["_readyAt"])
            deploy["status"] = "live"
            deploy.setdefault("startedAt", deploy["createdAt"])
            deploy["finishedAt"] = deploy["updatedAt"] = iso_at(deploy["_readyAt"])


def _deploy_or_404(call: Call) -> dict:
    deploy = get_or_404(call.store["deploys"], call.params["deployId"], "deploy")
    if deploy["_serviceId"] != call.params["serviceId"]:
        raise BadRequest("deploy does not belong to this service")
    return deploy


@routes.get("/services/{serviceId}/deploys")
def list_deploys(call: Call) -> Reply:
    service = service_or_404(call)
    refresh(call, service["id"])
    deploys = [d for d in call.store["deploys"].values() if d["_serviceId"] == service["id"]
               and matches_filters(d, call, {"status": lambda d: d["status"]})]
    deploys.sort(key=lambda d: d["createdAt"], reverse=True)  # newest first, as Render lists them
    return 200, paginate(call, [(d["id"], public(d)) for d in deploys], "deploy")


@routes.post("/services/{serviceId}/deploys")
def create_deploy(call: Call) -> Reply:
    service = service_or_404(call)
    body = call.body or {}
    if service["suspended"] == "suspended":
        raise Conflict("cannot deploy a suspended service; resume it first")
    if body.get("imageUrl") and "imagePath" not in service:
        raise BadRequest("imageUrl is only valid for image-backed services")
    if body.get("commitId") and "imagePath" in service:
        raise BadRequest("commitId is only valid for Git-backed services")
    if body.get("commitId") and service["type"] == "cron_job":
        raise BadRequest("commitId cannot be set for cron jobs")
    if body.get("imageUrl"):
        service["imagePath"] = body["imageUrl"]
    deploy = start_deploy(call, service, trigger="api", commit_id=body.get("commitId"),
                          image_url=body.get("imageUrl"))
    return 201, public(deploy)


@routes.get("/services/{serviceId}/deploys/{deployId}")
def get_deploy(call: Call) -> Reply:
    service_or_404(call)
    refresh(call, call.params["serviceId"])
    return 200, public(_deploy_or_404(call))


@routes.post("/services/{serviceId}/deploys/{deployId}/cancel")
def cancel_deploy(call: Call) -> Reply:
    service = service_or_404(call)
    if service["type"] == "cron_job":
        raise BadRequest("cron job deploys cannot be canceled")
    refresh(call, service["id"])
    deploy = _deploy_or_404(call)
    if deploy["status"] not in IN_PROGRESS:
        raise Conflict(f"deploy is {deploy['status']}, not in progress")
    deploy["status"] = "canceled"
    deploy["finishedAt"] = deploy["updatedAt"] = now_iso()
    return 200, public(deploy)


@routes.post("/services/{serviceId}/rollback")
def rollback(call: Call) -> Reply:
    service = service_or_404(call)
    refresh(call, service["id"])
    target = call.store["deploys"].get(call.body["deployId"])
    if target is None or target["_serviceId"] != service["id"]:
        raise BadRequest(f"deploy {call.body['deployId']} not found for this service")
    if target["status"] not in ("live", "deactivated"):
        raise Conflict(f"cannot roll back to a deploy that is {target['status']}")
    deploy = start_deploy(call, service, trigger="rollback", source=target)
    if "image" in target:
        service["imagePath"] = target["image"]["ref"]
    return 201, public(deploy)
