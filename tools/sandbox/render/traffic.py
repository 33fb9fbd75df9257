"""Traffic of Render web services: which deploy's instance answers a request, and what it answers.

Render's deploy model as the sandbox follows it (health-gated switch, drain for ``maxShutdownDelaySeconds``, no
zero-downtime with a disk, ``update_failed`` after ``health_check_timeout``), its sources (Render's docs, notes in
``/work/shared/notes/release-preview-security-facts.md``, "Zero-downtime deploys") and what an image does per
image-ref glob (``unhealthy_images``, ``slow_images``, ``failing_after_images`` ...): tools/sandbox/README.md,
"Render traffic". One instance per deploy: ``numInstances`` is not modelled.
"""

from __future__ import annotations

import fnmatch
from typing import Any

HEALTHY_STATUSES = range(200, 400)  # "any 2xx or 3xx status code" (render.com/docs/health-checks)
DEFAULT_SHUTDOWN_DELAY = 30  # maxShutdownDelaySeconds when unset (spec: 1-300, default 30)
SETTINGS_DEFAULTS = {"unhealthy_images": [], "slow_images": {}, "error_path_images": {}, "slow_path_images": {},
                     "failing_after_images": {}, "failing_after_requests_images": {}, "health_check_timeout": 900.0}
SWITCHED = ("live", "deactivated")  # statuses of a deploy whose instance took traffic


def check_settings(changes: dict[str, Any]) -> None:
    """Raise ValueError naming a traffic setting whose new value has the wrong shape."""
    if "unhealthy_images" in changes:
        value = changes["unhealthy_images"]
        if not (isinstance(value, list) and all(isinstance(p, str) for p in value)):
            raise ValueError(f"unhealthy_images must be a list of image ref globs, got {value!r}")
    if "slow_images" in changes:
        value = changes["slow_images"]
        if not (isinstance(value, dict) and all(isinstance(s, (int, float)) and s >= 0 for s in value.values())):
            raise ValueError(f"slow_images must map image ref globs to seconds >= 0, got {value!r}")
    if "error_path_images" in changes:
        value = changes["error_path_images"]
        if not (isinstance(value, dict) and all(isinstance(p, list) and all(isinstance(x, str) for x in p)
                                                for p in value.values())):
            raise ValueError(f"error_path_images must map image ref globs to lists of path globs, got {value!r}")
    if "slow_path_images" in changes:
        value = changes["slow_path_images"]
        if not (isinstance(value, dict) and all(
                isinstance(p, dict) and all(isinstance(x, str) and isinstance(t, (int, float)) and t >= 0
                                            for x, t in p.items()) for p in value.values())):
            raise ValueError(f"slow_path_images must map image ref globs to {{path glob: seconds >= 0}}, "
                             f"got {value!r}")
    if "failing_after_images" in changes:
        value = changes["failing_after_images"]
        if not (isinstance(value, dict) and all(isinstance(s, (int, float)) and not isinstance(s, bool) and s >= 0
                                                for s in value.values())):
            raise ValueError(f"failing_after_images must map image ref globs to seconds >= 0, got {value!r}")
    if "failing_after_requests_images" in changes:
        value = changes["failing_after_requests_images"]
        if not (isinstance(value, dict) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                                for n in value.values())):
            raise ValueError(f"failing_after_requests_images must map image ref globs to request counts >= 0, "
                             f"got {value!r}")
    if "health_check_timeout" in changes:
        value = changes["health_check_timeout"]
        if not (isinstance(value, (int, float)) and value > 0):
            raise ValueError(f"health_check_timeout must be a number of seconds > 0, got {value!r}")


def behaviour_of(ref: str | None, settings: dict) -> dict:
    """What an instance of image ``ref`` does (a Git-backed deploy, ``ref`` None, is healthy)."""
    def matching(patterns: Any) -> list:
        return [p for p in patterns if ref and fnmatch.fnmatchcase(ref, p)]

    slow = matching(settings.get("slow_images") or {})
    fails_after = matching(settings.get("failing_after_images") or {})
    return {"unhealthy": bool(matching(settings.get("unhealthy_images") or [])),
            "startSeconds": max((float(settings["slow_images"][p]) for p in slow), default=0.0),
            "errorPaths": [path for p in matching(settings.get("error_path_images") or {})
                           for path in settings["error_path_images"][p]],
            "slowPaths": {path: float(seconds) for p in matching(settings.get("slow_path_images") or {})
                          for path, seconds in settings["slow_path_images"][p].items()},
            "failsAfterSeconds": min((float(settings["failing_after_images"][p]) for p in fails_after), default=None),
            "failsAfterRequests": min((int(settings["failing_after_requests_images"][p])
                                       for p in matching(settings.get("failing_after_requests_images") or {})),
                                      default=None)}


def plan_instance(deploy: dict, service: dict, settings: dict, update_at: float, boot_at: float) -> float | None:
    """Lay out the instance of a web service's deploy that is about to run (``_instance``): when it boots, when
    it takes traffic, and whether it stops the previous instance first (a disk). Returns when the deploy ends:
    at the switch, or, for a health check that can never pass, ``health_check_timeout`` after the boot with the
    outcome turned into ``update_failed``. None: no instance, the deploy's timing is unchanged."""
    if service["type"] != "web_service" or deploy["_outcome"] != "live":
        return None  # no instance: not a web service, or it fails before one boots (build, pre-deploy, pull)
    details = service["serviceDetails"]
    behaviour = behaviour_of((deploy.get("image") or {}).get("ref"), settings)
    health_path = details.get("healthCheckPath") or ""
    instance = {"bootAt": boot_at, "readyAt": boot_at + behaviour["startSeconds"], "behaviour": behaviour,
                "healthCheckPath": health_path, "stopsPrevious": bool(details.get("disk")),
                "updateAt": update_at,
                "maxShutdownDelaySeconds": details.get("maxShutdownDelaySeconds") or DEFAULT_SHUTDOWN_DELAY}
    if not health_path:
        instance["switchAt"] = boot_at  # no health check: the open port is enough
    elif answer_status(instance, health_path, instance["readyAt"], since=instance["readyAt"]) in HEALTHY_STATUSES:
        instance["switchAt"] = instance["readyAt"]
    else:
        instance["switchAt"] = None
        deploy["_outcome"] = "update_failed"
    deploy["_instance"] = instance
    if instance["switchAt"] is None:
        return boot_at + float(settings["health_check_timeout"])
    return instance["switchAt"]


def answer_status(instance: dict, path: str, at: float, since: float | None = None) -> int:
    """The status the instance answers for ``path`` at time ``at`` (after it booted); ``since``: when it took
    traffic (default: its switch; a new instance's health check gives the time it would switch at)."""
    behaviour = instance["behaviour"]
    if behaviour["unhealthy"] or at < instance["readyAt"]:
        return 503
    if failing(instance, at, instance.get("switchAt") if since is None else since):
        return 500
    if any(fnmatch.fnmatchcase(path, p) for p in behaviour["errorPaths"]):
        return 500
    return 200


def failing(instance: dict, at: float, since: float | None) -> bool:
    """Whether an instance of a ``failing_after_images`` image has taken traffic (from ``since``) long enough to
    answer 500 everywhere at ``at`` (None: it never took any)."""
    seconds = instance["behaviour"].get("failsAfterSeconds")  # absent from states saved before the behaviour
    requests = instance["behaviour"].get("failsAfterRequests")
    return (seconds is not None and since is not None and at - since >= seconds) or \
        (requests is not None and instance.get("answered", 0) >= requests)


def serving(deploys: list[dict], at: float) -> dict | None:
    """The deploy whose instance takes a new request at ``at``, or None (no instance up: a gap)."""
    switched = [d for d in deploys if d.get("_instance") and d["status"] in SWITCHED
                and d["_instance"]["switchAt"] <= at]
    if not switched:
        return None
    current = max(switched, key=lambda d: d["_instance"]["switchAt"])
    stops = stop_time(current, deploys)
    return None if stops is not None and stops <= at else current


def stop_time(deploy: dict, deploys: list[dict]) -> float | None:
    """When the instance of ``deploy`` (one that took traffic) stops, as far as known now: killed
    ``maxShutdownDelaySeconds`` after the next switch, or at once when a later deploy of a service with a disk
    starts its update (before booting its own instance). None: it keeps running."""
    since = deploy["_instance"]["switchAt"]
    others = [d for d in deploys if d is not deploy and d.get("_instance")]
    ends = [d["_instance"]["updateAt"] for d in others
            if d["_instance"]["stopsPrevious"] and d["_instance"]["updateAt"] > since]
    switches = [d["_instance"]["switchAt"] for d in others
                if d["status"] in SWITCHED and d["_instance"]["switchAt"] > since]
    if switches:
        ends.append(min(switches) + deploy["_instance"]["maxShutdownDelaySeconds"])
    return min(ends, default=None)


def in_flight_for(instance: dict, path: str) -> float:
    """Seconds a request for ``path`` takes to answer (``slow_path_images``; 0: at once)."""
    return max((seconds for glob, seconds in instance["behaviour"].get("slowPaths", {}).items()
                if fnmatch.fnmatchcase(path, glob)), default=0.0)


def cut_short(service: dict, deploy: dict, deploys: list[dict], at: float) -> tuple[int, dict] | None:
    """The edge's answer to a request ``deploy``'s instance was still answering when it was stopped (None: it
    finished in time)."""
    stops = stop_time(deploy, deploys)
    if stops is None or at < stops:
        return None
    return 502, {"error": f"the instance of {deploy['id']} was stopped while answering (drained for "
                          f"{deploy['_instance']['maxShutdownDelaySeconds']} s, or stopped for a disk)",
                 "service": service["id"], "deployId": deploy["id"]}


def answer(service: dict, deploy: dict | None, path: str, at: float) -> tuple[int, dict]:
    """Status and JSON body of one request to ``service`` at ``at``, served by ``deploy`` (None: nobody)."""
    if deploy is None:  # Render's edge finds no instance to route to
        return 502, {"error": f"no instance of {service['id']} is serving (a deploy stopped it or none is live)",
                     "service": service["id"]}
    instance = deploy["_instance"]
    status = answer_status(instance, path, at)
    instance["answered"] = instance.get("answered", 0) + 1  # failing_after_requests_images counts them
    body = {"service": service["id"], "deployId": deploy["id"], "image": (deploy.get("image") or {}).get("ref"),
            "commit": (deploy.get("commit") or {}).get("id")}
    if status == 503:
        body["error"] = "unhealthy" if instance["behaviour"]["unhealthy"] else "starting"
    elif status == 500 and failing(instance, at, instance["switchAt"]):
        body["error"] = "this image answers 500 on every path once it has served long enough (failing_after_*)"
    elif status == 500:
        body["error"] = f"this image answers 500 on {path}"
    elif path == instance["healthCheckPath"]:
        body["health"] = "ok"
    return status, body


def instances(deploys: list[dict], at: float) -> list[dict]:
    """Every instance a deploy of the service started, newest first, with its state at ``at``:
    ``starting``, ``live``, ``draining`` (until ``maxShutdownDelaySeconds`` after the next switch), ``stopped``
    or ``failed`` (its deploy ended without taking traffic)."""
    current = serving(deploys, at)
    out = []
    for deploy in sorted((d for d in deploys if d.get("_instance")), key=lambda d: d["_instance"]["bootAt"],
                         reverse=True):
        instance = deploy["_instance"]
        if deploy is current:
            state = "live"
        elif deploy["status"] in SWITCHED and instance["switchAt"] <= at:
            stops = stop_time(deploy, deploys)
            state = "stopped" if stops is not None and stops <= at else "draining"
        elif deploy["status"] in ("update_failed", "canceled"):
            state = "failed"
        else:
            state = "starting"
        out.append({"deployId": deploy["id"], "image": (deploy.get("image") or {}).get("ref"), "state": state,
                    "healthCheckPath": instance["healthCheckPath"], "behaviour": instance["behaviour"]})
    return out
