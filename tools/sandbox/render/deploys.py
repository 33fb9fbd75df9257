"""Render deploys: create, list, get, cancel, rollback, the status sequences and the overlapping-deploy queue.

The recorded status sequences (phases sharing ``settings["deploy_delay"]``), the ``"wait"``/``"override"``
overlapping-deploy policies, failures (``deploy_fail``, ``unpullable_images``) and the web service's health-gated
update phase (``traffic.plan_instance``). Progress is computed when deploys are read: no background thread.
Behaviour: tools/sandbox/README.md, "Render deploys"; each fact's cassette: "Render fidelity".
"""

from __future__ import annotations

import fnmatch
import hashlib
import time

from ..clock import iso_at, now_iso
from ..ids import render_id, token
from ..routing import BadRequest, Conflict, RouteTable
from ..server import Call, Reply
from . import traffic
from .common import get_or_404, matches_filters, paginate, public, service_or_404

routes = RouteTable()

RUNNING = ("created", "build_in_progress", "update_in_progress", "pre_deploy_in_progress")
IN_PROGRESS = ("queued", *RUNNING)
FAILURES = ("build_failed", "update_failed", "pre_deploy_failed", "canceled")
POLICIES = ("wait", "override")
# The phase a failure status interrupts.
FAILED_PHASE = {"build_failed": "build_in_progress", "pre_deploy_failed": "pre_deploy_in_progress",
                "update_failed": "update_in_progress"}


def _fake_sha(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()


def _pre_deploy(service: dict) -> bool:
    details = service.get("serviceDetails") or {}
    return bool(details.get("preDeployCommand") or (details.get("envSpecificDetails") or {}).get("preDeployCommand"))


def phases_for(service: dict, deploy: dict) -> list[str]:
    """The in-progress statuses a deploy of this service goes through before it ends (may be none)."""
    image_backed = "image" in deploy
    if service["type"] == "cron_job":
        return [] if image_backed else ["build_in_progress"]
    if service["type"] == "static_site":
        return ["build_in_progress"]
    phases = [] if image_backed else ["build_in_progress"]
    if _pre_deploy(service):
        phases.append("pre_deploy_in_progress")
    return phases + ["update_in_progress"]


def _outcome(call: Call, deploy: dict) -> str:
    fault = call.fault
    if fault is not None and fault.kind == "deploy_fail":
        return fault.deploy_status
    ref = (deploy.get("image") or {}).get("ref")
    if ref and any(fnmatch.fnmatchcase(ref, p) for p in call.server.settings.get("unpullable_images") or ()):
        return "update_failed"
    return "live"


def _schedule(deploy: dict, service: dict, at: float, settings: dict, others: list[dict]) -> None:
    """Start ``deploy`` at ``at``: lay out its phases (cut at the failing one) and its final status; a web
    service's update phase lasts until its new instance takes traffic or fails its health check (traffic.py)."""
    delay = float(settings["deploy_delay"])
    phases = phases_for(service, deploy)
    ends_at = None
    if "update_in_progress" in phases:
        update_at = at + delay / len(phases) * phases.index("update_in_progress")
        ends_at = traffic.plan_instance(deploy, service, settings, update_at=update_at, boot_at=at + delay)
    outcome = deploy["_outcome"]
    if outcome != "live":
        if not phases:
            phases = ["update_in_progress"]
        phase = FAILED_PHASE.get(outcome, phases[0])
        phases = phases[:phases.index(phase) + 1] if phase in phases else phases[:1]
    step = delay / len(phases) if phases else 0.0
    deploy["_phases"] = [[status, at + step * (i + 1)] for i, status in enumerate(phases)]
    deploy["_readyAt"] = at + step * len(phases)
    if ends_at is not None:
        deploy["_readyAt"] = deploy["_phases"][-1][1] = ends_at
    if "commit" in deploy:  # Git-backed deploys report startedAt at once (recorded responses)
        deploy["startedAt"] = iso_at(at)
    deploy["status"] = phases[0] if phases else outcome
    deploy["updatedAt"] = iso_at(at)
    if not phases:
        _finish(deploy, deploy["_readyAt"], others)


def _finish(deploy: dict, at: float, others: list[dict] | None) -> None:
    deploy["status"] = deploy["_outcome"]
    deploy.setdefault("startedAt", deploy["createdAt"])
    deploy["finishedAt"] = deploy["updatedAt"] = iso_at(at)
    if deploy["status"] == "live":
        for other in others or ():
            if other is not deploy and other["status"] == "live":
                other["status"] = "deactivated"
                other["updatedAt"] = iso_at(at)


def _cancel(deploy: dict, at: float) -> None:
    deploy["status"] = "canceled"
    deploy["finishedAt"] = deploy["updatedAt"] = iso_at(at)


def _service_deploys(store, service_id: str) -> list[dict]:
    return [d for d in store["deploys"].values() if d["_serviceId"] == service_id]


def refresh(call: Call, service_id: str) -> None:
    """Advance the service's deploys to the present: phases, endings, and the queue."""
    advance(call.store, call.server.settings, service_id)


def advance(store, settings: dict, service_id: str) -> None:
    """``refresh`` for callers outside an API request (the traffic ports); the store's lock must be held."""
    now = time.time()
    service = store["services"].get(service_id)
    free_since = now
    while True:
        deploys = _service_deploys(store, service_id)
        running = [d for d in deploys if d["status"] in RUNNING]
        queued = sorted((d for d in deploys if d["status"] == "queued"), key=lambda d: d["_queuedAt"])
        if not running and queued and service is not None:
            for older in queued[:-1]:  # superseded: Render proceeds to the most recently triggered deploy
                _cancel(older, free_since)
            _schedule(queued[-1], service, free_since, settings, deploys)
            continue
        due = [d for d in running if d.get("_readyAt", now) <= now]
        if not due:
            break
        ended = min(due, key=lambda d: d.get("_readyAt", now))
        ended.setdefault("_outcome", "live")
        _finish(ended, ended.get("_readyAt", now), deploys)
        free_since = ended.get("_readyAt", now)
    for deploy in _service_deploys(store, service_id):
        if deploy["status"] in RUNNING:
            current = next((s for s, until in deploy.get("_phases") or [] if now < until), None)
            if current and current != deploy["status"]:
                deploy["status"] = current
                deploy["updatedAt"] = now_iso()


def start_deploy(call: Call, service: dict, trigger: str, commit_id: str | None = None,
                 image_url: str | None = None, source: dict | None = None) -> dict:
    """Record a new deploy of ``service`` (``source``: a deploy whose commit/image to reuse) and start it, or
    queue it behind a running one (``status == "queued"``) under the ``wait`` policy."""
    refresh(call, service["id"])
    now = time.time()
    deploy = {"id": render_id("dep"), "status": "created", "trigger": trigger,
              "createdAt": iso_at(now), "updatedAt": iso_at(now), "_serviceId": service["id"], "_queuedAt": now}
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
    deploy["_outcome"] = _outcome(call, deploy)
    call.store["deploys"][deploy["id"]] = deploy
    running = [d for d in _service_deploys(call.store, service["id"]) if d["status"] in RUNNING and d is not deploy]
    if running and call.server.settings.get("overlapping_deploys", "wait") == "wait":
        deploy["status"] = "queued"
        return deploy
    for other in running:  # override: the new deploy replaces the one in progress
        _cancel(other, now)
    _schedule(deploy, service, now, call.server.settings, _service_deploys(call.store, service["id"]))
    return deploy


def _deploy_or_404(call: Call) -> dict:
    deploy = get_or_404(call.store["deploys"], call.params["deployId"], "deploy")
    if deploy["_serviceId"] != call.params["serviceId"]:
        raise BadRequest("deploy does not belong to this service")
    return deploy


@routes.get("/services/{serviceId}/deploys")
def list_deploys(call: Call) -> Reply:
    service = service_or_404(call)
    refresh(call, service["id"])
    deploys = [d for d in _service_deploys(call.store, service["id"])
               if matches_filters(d, call, {"status": lambda d: d["status"]})]
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
    if body.get("deployMode") and any(body.get(k) for k in ("commitId", "imageUrl", "clearCache")):
        raise BadRequest("deployMode cannot be combined with commitId, imageUrl or clearCache")
    if body.get("imageUrl"):
        service["imagePath"] = body["imageUrl"]
    deploy = start_deploy(call, service, trigger="api", commit_id=body.get("commitId"),
                          image_url=body.get("imageUrl"))
    if deploy["status"] == "queued":
        return Reply(202, empty=True)  # "Queued", no body (spec; recorded 202s have an empty body)
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
    _cancel(deploy, time.time())
    refresh(call, service["id"])  # a queued deploy starts now
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
    return 201, public(deploy)  # the spec lists only 201: a rollback behind a running deploy is listed queued
