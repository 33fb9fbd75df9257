"""Strict encoders: request bodies built from checked inputs, holding only what the spec allows.

Each function takes the provider's (snake_case) inputs and returns the exact JSON Render expects
for one operation. The spec (``render-openapi.json``) is the contract: tests validate every body
produced here against the operation's request schema, per service type.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

SERVICE_TYPES = ("web_service", "private_service", "background_worker", "cron_job", "static_site")
REGIONS = ("frankfurt", "oregon", "ohio", "singapore", "virginia")
WEB_PLANS = ("starter", "starter_plus", "standard", "standard_plus", "pro", "pro_plus", "pro_max", "pro_ultra",
             "free", "custom")
PAID_PLANS = ("starter", "standard", "pro", "pro_plus", "pro_max", "pro_ultra")
RUNTIMES = ("docker", "elixir", "go", "node", "python", "ruby", "rust", "image")
NATIVE_RUNTIMES = ("elixir", "go", "node", "python", "ruby", "rust")
PREVIEW_MODES = ("off", "manual", "automatic")
REGISTRIES = ("GITHUB", "GITLAB", "DOCKER", "GOOGLE_ARTIFACT", "AWS_ECR")

# Which service types accept which input (a field outside its type is a check failure).
TYPES_WITH = {
    "region": ("web_service", "private_service", "background_worker", "cron_job"),
    "plan": ("web_service", "private_service", "background_worker", "cron_job"),
    "runtime": ("web_service", "private_service", "background_worker", "cron_job"),
    "start_command": ("web_service", "private_service", "background_worker", "cron_job"),
    "docker_context": ("web_service", "private_service", "background_worker", "cron_job"),
    "dockerfile_path": ("web_service", "private_service", "background_worker", "cron_job"),
    "image": ("web_service", "private_service", "background_worker", "cron_job"),
    "image_digest": ("web_service", "private_service", "background_worker", "cron_job"),
    "registry_credential_id": ("web_service", "private_service", "background_worker", "cron_job"),
    "pre_deploy_command": ("web_service", "private_service", "background_worker"),
    "num_instances": ("web_service", "private_service", "background_worker"),
    "autoscaling": ("web_service", "private_service", "background_worker"),
    "disk": ("web_service", "private_service", "background_worker"),
    "max_shutdown_delay_seconds": ("web_service", "private_service", "background_worker"),
    "previews_generation": ("web_service", "private_service", "background_worker", "static_site"),
    "health_check_path": ("web_service",),
    "maintenance_mode": ("web_service",),
    "render_subdomain_policy": ("web_service", "static_site"),
    "ip_allow_list": ("web_service", "static_site"),
    "schedule": ("cron_job",),
    "publish_path": ("static_site",),
    "headers": ("static_site",),
    "routes": ("static_site",),
}


# ------------------------------------------------------------------------------------ images
def normalize_image(ref: str) -> str:
    """Docker's canonical form, which Render echoes back (``nginx`` -> ``docker.io/library/nginx:latest``).

    Comparing canonical forms is what stops the peer provider's perpetual image diffs.
    """
    ref = ref.strip()
    name, _, digest = ref.partition("@")
    slash, colon = name.rfind("/"), name.rfind(":")
    repo, tag = (name[:colon], name[colon + 1:]) if colon > slash else (name, "")
    first = repo.split("/", 1)[0]
    if "/" not in repo or ("." not in first and ":" not in first and first != "localhost"):
        repo = "docker.io/" + repo
    if repo.startswith("docker.io/") and repo.count("/") == 1:
        repo = "docker.io/library/" + repo[len("docker.io/"):]
    if digest:
        return f"{repo}@{digest}"  # a digest pins the image: the tag is redundant
    return f"{repo}:{tag or 'latest'}"


def image_path(image: str, digest: Optional[str]) -> str:
    """The ``imagePath`` we send: ``repo@digest`` when pinned, else ``repo:tag``."""
    if digest:
        return normalize_image(f"{strip_tag(image)}@{digest}")
    return normalize_image(image)


def strip_tag(image: str) -> str:
    name = image.partition("@")[0]
    slash, colon = name.rfind("/"), name.rfind(":")
    return name[:colon] if colon > slash else name


def split_image_path(path: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """Live ``imagePath`` -> (image, digest) in the inputs' canonical shape."""
    if not path:
        return None, None
    normal = normalize_image(path)
    if "@" in normal:
        repo, digest = normal.split("@", 1)
        return repo, digest
    return normal, None


# ------------------------------------------------------------------------------------ services
def _drop_none(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None}


def _env_specific(inputs: Mapping[str, Any], for_cron: bool = False) -> Optional[dict]:
    runtime = inputs.get("runtime")
    if runtime in NATIVE_RUNTIMES:
        details = {"buildCommand": inputs.get("build_command"), "startCommand": inputs.get("start_command")}
    elif runtime == "docker":
        details = {"dockerCommand": inputs.get("start_command"), "dockerContext": inputs.get("docker_context"),
                   "dockerfilePath": inputs.get("dockerfile_path")}
    elif runtime == "image":
        details = {"dockerCommand": inputs.get("start_command")}
    else:
        return None
    details = _drop_none(details)
    if for_cron and runtime in ("docker", "image") and details:
        # cronJobDetailsPOST uses the read schema: docker details need all three keys.
        details = {"dockerCommand": details.get("dockerCommand", ""),
                   "dockerContext": details.get("dockerContext", ""),
                   "dockerfilePath": details.get("dockerfilePath", "")}
    return details or None


def image_body(inputs: Mapping[str, Any]) -> Optional[dict]:
    if not inputs.get("image"):
        return None
    return _drop_none({"ownerId": inputs["owner_id"],
                       "imagePath": image_path(inputs["image"], inputs.get("image_digest")),
                       "registryCredentialId": inputs.get("registry_credential_id")})


def autoscaling_body(value: Mapping[str, Any]) -> dict:
    cpu, mem = value.get("cpu_percent"), value.get("memory_percent")
    return {"enabled": bool(value.get("enabled", True)), "min": int(value["min"]), "max": int(value["max"]),
            "criteria": {"cpu": {"enabled": cpu is not None, "percentage": int(cpu or 0)},
                         "memory": {"enabled": mem is not None, "percentage": int(mem or 0)}}}


def ip_allow_list_body(value: list) -> list:
    return [{"cidrBlock": e["cidr_block"], "description": e.get("description") or ""} for e in value]


def headers_body(value: list) -> list:
    return [{"path": h["path"], "name": h["name"], "value": h["value"]} for h in value]


def routes_body(value: list, with_priority: bool = False) -> list:
    out = []
    for i, r in enumerate(value):
        item = {"type": r["type"], "source": r["source"], "destination": r["destination"]}
        if with_priority:
            item["priority"] = i  # list order is priority order (first wins)
        out.append(item)
    return out


def service_create_body(inputs: Mapping[str, Any]) -> dict:
    """``servicePOST`` for any type."""
    kind = inputs["service_type"]
    body: dict[str, Any] = {"type": kind, "name": inputs["name"], "ownerId": inputs["owner_id"]}
    body.update(_drop_none({
        "repo": inputs.get("repo"), "branch": inputs.get("branch"), "rootDir": inputs.get("root_dir"),
        "autoDeploy": None if inputs.get("auto_deploy") is None else ("yes" if inputs["auto_deploy"] else "no"),
        "image": image_body(inputs), "environmentId": inputs.get("environment_id"),
    }))
    details: dict[str, Any]
    if kind == "static_site":
        details = _drop_none({
            "buildCommand": inputs.get("build_command"), "publishPath": inputs.get("publish_path"),
            "headers": headers_body(inputs["headers"]) if inputs.get("headers") else None,
            "routes": routes_body(inputs["routes"], with_priority=True) if inputs.get("routes") else None,
            "renderSubdomainPolicy": inputs.get("render_subdomain_policy"),
            "ipAllowList": ip_allow_list_body(inputs["ip_allow_list"]) if inputs.get("ip_allow_list") is not None else None,
            "previews": {"generation": inputs["previews_generation"]} if inputs.get("previews_generation") else None,
        })
    elif kind == "cron_job":
        details = _drop_none({"runtime": inputs.get("runtime"), "schedule": inputs.get("schedule"),
                              "plan": inputs.get("plan"), "region": inputs.get("region"),
                              "envSpecificDetails": _env_specific(inputs, for_cron=True)})
    else:
        details = _drop_none({
            "runtime": inputs.get("runtime"), "plan": inputs.get("plan"), "region": inputs.get("region"),
            "numInstances": inputs.get("num_instances") if not inputs.get("autoscaling") else None,
            "envSpecificDetails": _env_specific(inputs),
            "preDeployCommand": inputs.get("pre_deploy_command"),
            "autoscaling": autoscaling_body(inputs["autoscaling"])
            if inputs.get("autoscaling") and inputs["autoscaling"].get("enabled", True) else None,
            "disk": _drop_none({"name": inputs["disk"]["name"], "mountPath": inputs["disk"]["mount_path"],
                                "sizeGB": inputs["disk"].get("size_gb")}) if inputs.get("disk") else None,
            "maxShutdownDelaySeconds": inputs.get("max_shutdown_delay_seconds"),
            "previews": {"generation": inputs["previews_generation"]} if inputs.get("previews_generation") else None,
        })
        if kind == "web_service":
            details.update(_drop_none({
                "healthCheckPath": inputs.get("health_check_path"),
                "maintenanceMode": _maintenance(inputs.get("maintenance_mode")),
                "renderSubdomainPolicy": inputs.get("render_subdomain_policy"),
                "ipAllowList": ip_allow_list_body(inputs["ip_allow_list"]) if inputs.get("ip_allow_list") is not None else None,
            }))
    if details:
        body["serviceDetails"] = details
    return body


def _maintenance(value: Optional[Mapping[str, Any]]) -> Optional[dict]:
    if value is None:
        return None
    return {"enabled": bool(value.get("enabled")), "uri": value.get("uri") or ""}


# Inputs carried by PATCH /services/{id}, per service type (servicePATCH + *DetailsPATCH).
PATCH_TOP = ("name", "repo", "branch", "root_dir", "auto_deploy", "image", "image_digest", "registry_credential_id")
PATCH_DETAILS = {
    "web_service": ("plan", "runtime", "build_command", "start_command", "docker_context", "dockerfile_path",
                    "health_check_path", "pre_deploy_command", "maintenance_mode", "max_shutdown_delay_seconds",
                    "render_subdomain_policy", "ip_allow_list", "previews_generation"),
    "private_service": ("plan", "runtime", "build_command", "start_command", "docker_context", "dockerfile_path",
                        "pre_deploy_command", "max_shutdown_delay_seconds", "previews_generation"),
    "background_worker": ("plan", "runtime", "build_command", "start_command", "docker_context",
                          "dockerfile_path", "pre_deploy_command", "max_shutdown_delay_seconds",
                          "previews_generation"),
    "cron_job": ("plan", "runtime", "build_command", "start_command", "docker_context", "dockerfile_path",
                 "schedule"),
    "static_site": ("build_command", "publish_path", "render_subdomain_policy", "ip_allow_list",
                    "previews_generation"),
}


def service_patch_body(inputs: Mapping[str, Any], changed: set[str]) -> Optional[dict]:
    """``servicePATCH`` carrying only the changed fields (None when nothing PATCHable changed)."""
    kind = inputs["service_type"]
    body: dict[str, Any] = {}
    if "name" in changed:
        body["name"] = inputs["name"]
    for key, api in (("repo", "repo"), ("branch", "branch"), ("root_dir", "rootDir")):
        if key in changed and inputs.get(key) is not None:
            body[api] = inputs[key]
    if "auto_deploy" in changed and inputs.get("auto_deploy") is not None:
        body["autoDeploy"] = "yes" if inputs["auto_deploy"] else "no"
    if changed & {"image", "image_digest", "registry_credential_id"} and inputs.get("image"):
        body["image"] = image_body(inputs)
    allowed = set(PATCH_DETAILS[kind]) & changed
    details: dict[str, Any] = {}
    if kind == "static_site":
        if "build_command" in allowed:
            details["buildCommand"] = inputs["build_command"]
    else:
        if allowed & {"build_command", "start_command", "docker_context", "dockerfile_path", "runtime"}:
            env_specific = _env_specific(inputs)
            if env_specific:
                details["envSpecificDetails"] = env_specific
        if "runtime" in allowed:
            details["runtime"] = inputs["runtime"]
    simple = {"plan": "plan", "health_check_path": "healthCheckPath", "pre_deploy_command": "preDeployCommand",
              "max_shutdown_delay_seconds": "maxShutdownDelaySeconds", "schedule": "schedule",
              "publish_path": "publishPath", "render_subdomain_policy": "renderSubdomainPolicy"}
    for key, api in simple.items():
        if key in allowed and inputs.get(key) is not None:
            details[api] = inputs[key]
    if "maintenance_mode" in allowed and inputs.get("maintenance_mode") is not None:
        details["maintenanceMode"] = _maintenance(inputs["maintenance_mode"])
    if "ip_allow_list" in allowed and inputs.get("ip_allow_list") is not None:
        details["ipAllowList"] = ip_allow_list_body(inputs["ip_allow_list"])
    if "previews_generation" in allowed and inputs.get("previews_generation"):
        details["previews"] = {"generation": inputs["previews_generation"]}
    if details:
        body["serviceDetails"] = details
    return body or None


def env_var_list(values: Mapping[str, str]) -> list:
    return [{"key": k, "value": values[k]} for k in sorted(values)]


def secret_file_list(values: Mapping[str, str]) -> list:
    return [{"name": k, "content": values[k]} for k in sorted(values)]
