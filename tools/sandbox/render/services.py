"""Render services of every type: create/get/list/patch/delete, suspend/resume.

The stored object is the API's ``service`` shape plus ``_``-prefixed bookkeeping. The key sets follow the recorded
real responses (``autoDeployTrigger`` is sent although the spec copy lacks it; ``imagePath`` for image-backed
services, ``repo``/``branch`` for Git-backed ones).
"""

from __future__ import annotations

import copy
import secrets
import time
from datetime import datetime

from ..clock import now_iso
from ..ids import render_id
from ..routing import BadRequest, Conflict, RequestViolation, RouteTable
from ..server import Call, Reply
from . import metric_samples
from .common import matches_filters, paginate, public, require_owner, service_or_404, slugify
from .deploys import start_deploy
from .disks import delete_service_disks, new_disk
from .env import ENV_VARS, SECRET_FILES
from .static_site import replace_headers, replace_routes

routes = RouteTable()

DASHBOARD_KIND = {"web_service": "web", "static_site": "static", "private_service": "pserv",
                  "background_worker": "worker", "cron_job": "cron"}
SHORT_TYPE = {"web_service": "web", "static_site": "static", "private_service": "pserv",
              "background_worker": "worker", "cron_job": "cron"}
DEFAULT_PORT = 10000
# Not in the spec copy, but in Render's newer client and sent by the Terraform provider; the real API accepts it.
AUTO_DEPLOY_TRIGGERS = ("commit", "off", "checksPass")


def _auto_deploy_trigger(body: dict, auto_deploy: str) -> str:
    trigger = body.get("autoDeployTrigger")
    if trigger is None:
        return "commit" if auto_deploy == "yes" else "off"
    if trigger not in AUTO_DEPLOY_TRIGGERS:
        raise BadRequest(f"autoDeployTrigger must be one of {', '.join(AUTO_DEPLOY_TRIGGERS)}")
    return trigger


def _env_specific(runtime: str, given: dict | None, pre_deploy: str | None) -> dict:
    given = dict(given or {})
    if runtime in ("docker", "image"):
        details = {"dockerCommand": given.get("dockerCommand", ""),
                   "dockerContext": given.get("dockerContext", "."),
                   "dockerfilePath": given.get("dockerfilePath", "./Dockerfile")}
        if given.get("registryCredentialId"):
            details["_registryCredentialId"] = given["registryCredentialId"]
    else:
        details = {"buildCommand": given.get("buildCommand", ""), "startCommand": given.get("startCommand", "")}
    if pre_deploy:
        details["preDeployCommand"] = pre_deploy
    return details


SLUG_SUFFIXED = ("background_worker", "cron_job")
_SLUG_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


def new_slug(service_type: str, name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """The slug a new service gets: its name, slugified; workers and cron jobs add a random 4-character suffix
    (recorded: ``background-worker-q9lm``, ``cron-job-tf-d6na``; web, private and static services keep the bare
    name). The slug and the URLs derived from it never change afterwards, not even on a rename (recorded:
    backgroundworker__resource__background_worker_cassette.yaml keeps ``background-worker-q9lm`` after the rename to
    ``new-name``; webservice__resource__web_service_cassette.yaml keeps ``terraform-web-service``). A slug in
    ``taken`` (another service's) gets the suffix too: the public URL it names must reach one service (the
    traffic gateway routes by it; unrecorded, as Render's own choice for a taken name)."""
    slug = base = slugify(name)
    while service_type in SLUG_SUFFIXED and slug == base or slug in taken:
        slug = base + "-" + "".join(secrets.choice(_SLUG_CHARS) for _ in range(4))
    return slug


def taken_slugs(store) -> set[str]:
    return {service.get("slug") for service in store["services"].values()}


def _details(service_type: str, slug: str, sid: str, given: dict, image_backed: bool) -> dict:
    """serviceDetails as GET returns it, from the create body's type-specific serviceDetails."""
    if service_type == "static_site":
        return {"buildCommand": given.get("buildCommand", ""), "publishPath": given.get("publishPath", "public"),
                "buildPlan": "starter", "previews": given.get("previews") or {"generation": "off"},
                "pullRequestPreviewsEnabled": given.get("pullRequestPreviewsEnabled", "no"),
                "url": f"https://{slug}.onrender.com",
                **({"renderSubdomainPolicy": given["renderSubdomainPolicy"]}
                   if "renderSubdomainPolicy" in given else {}),
                **({"ipAllowList": given["ipAllowList"]} if "ipAllowList" in given else {})}
    runtime = given.get("runtime") or given.get("env") or ("image" if image_backed else "docker")
    plan = given.get("plan", "starter")
    details = {"env": runtime, "runtime": runtime,
               "envSpecificDetails": _env_specific(runtime, given.get("envSpecificDetails"),
                                                   given.get("preDeployCommand")),
               "plan": plan, "region": given.get("region", "oregon"), "buildPlan": "starter"}
    if service_type == "cron_job":
        details["schedule"] = given["schedule"]
        return details
    details["numInstances"] = given.get("numInstances", 1)
    details["previews"] = given.get("previews") or {"generation": "off"}
    details["pullRequestPreviewsEnabled"] = given.get("pullRequestPreviewsEnabled", "no")
    details["sshAddress"] = f"{sid}@ssh.{details['region']}.render.com"
    if given.get("maxShutdownDelaySeconds") is not None:
        details["maxShutdownDelaySeconds"] = given["maxShutdownDelaySeconds"]
    if given.get("autoscaling"):
        details["autoscaling"] = copy.deepcopy(given["autoscaling"])
    if service_type in ("web_service", "private_service"):
        details["openPorts"] = [{"port": DEFAULT_PORT, "protocol": "TCP"}]
        details["url"] = (f"https://{slug}.onrender.com" if service_type == "web_service"
                          else f"{slug}:{DEFAULT_PORT}")
    if service_type == "web_service":
        details["healthCheckPath"] = given.get("healthCheckPath", "")
        details["maintenanceMode"] = given.get("maintenanceMode") or {"enabled": False, "uri": ""}
        for key in ("renderSubdomainPolicy", "ipAllowList"):
            if key in given:
                details[key] = copy.deepcopy(given[key])
    return details


DETAILS_SCHEMA = {"web_service": "webServiceDetails", "static_site": "staticSiteDetails",
                  "private_service": "privateServiceDetails", "background_worker": "backgroundWorkerDetails",
                  "cron_job": "cronJobDetails"}


def check_details(call: Call, service_type: str, details: dict, suffix: str) -> None:
    """Validate serviceDetails against the branch of the union that the service type selects."""
    violations = call.server.spec.schema_violations(DETAILS_SCHEMA[service_type] + suffix, details,
                                                    "body.serviceDetails")
    if violations:
        raise RequestViolation(violations)


def _registry_summary(call: Call, credential_id: str | None) -> dict | None:
    if not credential_id:
        return None
    credential = call.store["registry_credentials"].get(credential_id)
    if credential is None:
        raise BadRequest(f"registry credential {credential_id} not found")
    return {"id": credential["id"], "name": credential["name"]}


def _set_build_filter(service: dict, given: dict | None) -> None:
    """Null lists read as empty; a filter with nothing in it is no filter (recorded: the service is answered
    without ``buildFilter`` after ``{"paths": null, "ignoredPaths": null}``)."""
    given = given or {}
    paths, ignored = list(given.get("paths") or []), list(given.get("ignoredPaths") or [])
    if paths or ignored:
        service["buildFilter"] = {"paths": paths, "ignoredPaths": ignored}
    else:
        service.pop("buildFilter", None)


@routes.post("/services")
def create_service(call: Call) -> Reply:
    body = call.body
    service_type = body["type"]
    require_owner(call, body["ownerId"])
    given = body.get("serviceDetails") or {}
    check_details(call, service_type, given, "POST")
    if service_type == "static_site" and body.get("image"):
        raise BadRequest("static sites cannot be image-backed")
    if body.get("environmentId") and body["environmentId"] not in call.store["environments"]:
        raise BadRequest(f"environment {body['environmentId']} not found")
    sid = render_id("crn" if service_type == "cron_job" else "srv")
    now = now_iso()
    image = body.get("image")
    auto_deploy = body.get("autoDeploy", "yes")
    slug = new_slug(service_type, body["name"], taken_slugs(call.store))
    service = {
        "id": sid, "name": body["name"], "ownerId": body["ownerId"], "type": service_type,
        "autoDeploy": auto_deploy, "autoDeployTrigger": _auto_deploy_trigger(body, auto_deploy),
        "createdAt": now, "updatedAt": now,
        "dashboardUrl": f"https://dashboard.render.com/{DASHBOARD_KIND[service_type]}/{sid}",
        "notifyOnFail": "default", "rootDir": body.get("rootDir", ""), "slug": slug,
        "suspended": "not_suspended", "suspenders": [],
        "serviceDetails": _details(service_type, slug, sid, given, bool(image)),
    }
    if image:
        service["imagePath"] = image["imagePath"]
        summary = _registry_summary(call, image.get("registryCredentialId"))
        if summary:
            service["registryCredential"] = summary
    else:
        service["repo"] = body.get("repo", "")
        service["branch"] = body.get("branch", "main")
    _set_build_filter(service, body.get("buildFilter"))
    if body.get("environmentId"):
        service["environmentId"] = body["environmentId"]
        call.store["environments"][body["environmentId"]]["serviceIds"].append(sid)
    if given.get("disk"):  # a disk record of its own, mirrored into serviceDetails.disk (see disks.py)
        disk = given["disk"]
        new_disk(call.store, service, disk["name"], disk.get("sizeGB", 1), disk["mountPath"])
    call.store["services"][sid] = service
    call.store["env_vars"][sid] = {}
    call.store["secret_files"][sid] = {}
    ENV_VARS.apply(call.store["env_vars"][sid], body.get("envVars") or [])
    SECRET_FILES.apply(call.store["secret_files"][sid], body.get("secretFiles") or [])
    if service_type == "static_site":
        replace_headers(call, sid, (given.get("headers") or []))
        replace_routes(call, sid, (given.get("routes") or []))
    deploy = start_deploy(call, service, trigger="api")
    return 201, {"service": public(service), "deployId": deploy["id"]}


SERVICE_FILTERS = {
    "name": lambda s: s["name"], "type": lambda s: s["type"], "environmentId": lambda s: s.get("environmentId"),
    "region": lambda s: s["serviceDetails"].get("region"), "ownerId": lambda s: s["ownerId"],
    "suspended": lambda s: s["suspended"],
}


def _parse_instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"invalid date-time {text!r}; expected ISO 8601, e.g. 2021-02-17T08:15:30Z") from None


def created_in_range(service: dict, call: Call) -> bool:
    """``createdAfter`` / ``createdBefore`` (ISO 8601, exclusive bounds as the words say): the spec's
    ``createdAfterParam`` / ``createdBeforeParam`` of ``GET /services`` (specs/render/render-openapi.json;
    notes/render-api.md "List filters")."""
    created = _parse_instant(service["createdAt"])
    after, before = call.query.get("createdAfter"), call.query.get("createdBefore")
    if after and not created > _parse_instant(after):
        return False
    return not (before and not created < _parse_instant(before))


@routes.get("/services")
def list_services(call: Call) -> Reply:
    previews = call.query.get("includePreviews", True)  # previews name their base in parentServer (previews.py)
    items = [(sid, public(s)) for sid, s in call.store["services"].items() if matches_filters(s, call, SERVICE_FILTERS)
             and created_in_range(s, call) and (previews or "parentServer" not in s["serviceDetails"])]
    return 200, paginate(call, items, "service")


@routes.get("/services/{serviceId}")
def get_service(call: Call) -> Reply:
    return 200, public(service_or_404(call))


PATCHABLE_DETAILS = {
    "web_service": ("envSpecificDetails", "healthCheckPath", "maintenanceMode", "plan", "preDeployCommand",
                    "previews", "pullRequestPreviewsEnabled", "runtime", "maxShutdownDelaySeconds",
                    "renderSubdomainPolicy", "ipAllowList", "cache"),
    "private_service": ("envSpecificDetails", "plan", "preDeployCommand", "previews", "pullRequestPreviewsEnabled",
                        "runtime", "maxShutdownDelaySeconds"),
    "background_worker": ("envSpecificDetails", "plan", "preDeployCommand", "previews",
                          "pullRequestPreviewsEnabled", "runtime", "maxShutdownDelaySeconds"),
    "cron_job": ("envSpecificDetails", "plan", "runtime", "schedule"),
    "static_site": ("buildCommand", "publishPath", "previews", "pullRequestPreviewsEnabled",
                    "renderSubdomainPolicy", "ipAllowList"),
}


@routes.patch("/services/{serviceId}")
def update_service(call: Call) -> Reply:
    service = service_or_404(call)
    body = call.body or {}
    for key in ("autoDeploy", "repo", "branch", "name", "rootDir"):
        if key in body:
            service[key] = body[key]
    if "buildFilter" in body:
        _set_build_filter(service, body["buildFilter"])
    if "autoDeploy" in body or "autoDeployTrigger" in body:
        service["autoDeployTrigger"] = _auto_deploy_trigger(body, service["autoDeploy"])
    if "image" in body:
        service["imagePath"] = body["image"]["imagePath"]
        summary = _registry_summary(call, body["image"].get("registryCredentialId"))
        if summary:
            service["registryCredential"] = summary
        else:
            service.pop("registryCredential", None)
    given = body.get("serviceDetails") or {}
    check_details(call, service["type"], given, "PATCH")
    details = service["serviceDetails"]
    allowed = PATCHABLE_DETAILS[service["type"]]
    refused = sorted(set(given) - set(allowed))
    if refused:
        raise BadRequest(f"serviceDetails.{refused[0]} cannot be updated for a {service['type']}")
    for key in allowed:
        if key not in given or key in ("envSpecificDetails", "runtime", "preDeployCommand"):
            continue
        details[key] = copy.deepcopy(given[key])
    if "runtime" in given or "envSpecificDetails" in given or "preDeployCommand" in given:
        runtime = given.get("runtime", details.get("runtime"))
        current = details.get("envSpecificDetails") or {}
        merged = {**current, **(given.get("envSpecificDetails") or {})} if runtime == details.get("runtime") \
            else dict(given.get("envSpecificDetails") or {})
        pre_deploy = given.get("preDeployCommand", current.get("preDeployCommand"))
        details["runtime"] = details["env"] = runtime
        details["envSpecificDetails"] = _env_specific(runtime, merged, pre_deploy)
    service["updatedAt"] = now_iso()
    return 200, public(service)


@routes.delete("/services/{serviceId}")
def delete_service(call: Call) -> Reply:
    service = service_or_404(call)
    sid = service["id"]
    store = call.store
    del store["services"][sid]
    for collection in ("env_vars", "secret_files", "resource_log_streams", "notification_overrides",
                       metric_samples.COLLECTION):
        store[collection].pop(sid, None)
    delete_service_disks(store, sid)
    for collection in ("deploys", "custom_domains", "headers", "routes"):
        for key in [k for k, v in store[collection].items() if v.get("_serviceId") == sid]:
            del store[collection][key]
    for group in store["env_groups"].values():
        if sid in group["_serviceIds"]:
            group["_serviceIds"].remove(sid)
    for environment in store["environments"].values():
        if sid in environment["serviceIds"]:
            environment["serviceIds"].remove(sid)
    return Reply(204, empty=True)


@routes.post("/services/{serviceId}/suspend")
def suspend_service(call: Call) -> Reply:
    service = service_or_404(call)
    metric_samples.note(call.store, service["id"], time.time(), "suspended", service["suspended"], "suspended")
    service["suspended"] = "suspended"
    if "user" not in service["suspenders"]:
        service["suspenders"].append("user")
    service["updatedAt"] = now_iso()
    return Reply(202, empty=True)


@routes.post("/services/{serviceId}/resume")
def resume_service(call: Call) -> Reply:
    service = service_or_404(call)
    if service["suspended"] != "suspended":
        raise Conflict("service is not suspended")
    metric_samples.note(call.store, service["id"], time.time(), "suspended", "suspended", "not_suspended")
    service["suspended"] = "not_suspended"
    service["suspenders"] = []
    service["updatedAt"] = now_iso()
    start_deploy(call, service, trigger="service_resumed")
    return Reply(202, empty=True)


def short_type(service: dict) -> str:
    return SHORT_TYPE[service["type"]]
