"""Render-side tiers: backend images, backend services and their release checks, frontend static site."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from . import constants as c
from . import formats
from . import schema
from .build_app import AppEnvRules
from .declarative import build, get
from .model import (AppEnv, BackendConfig, BackendService, FrontendConfig, ImageBuild, ImageSource, Registry,
                    ReleaseConfig, Scaling, Tiers)
from .reader import Reader

# backend's production rules (schema.py), which a service's own plan and minInstances override must pass too.
_PRODUCTION = {f.name: f.production for f in schema.BACKEND.fields if f.production is not None}


def build_images(r: Reader, tiers: Tiers, environment: Optional[str]) -> Optional[ImageSource]:
    active = tiers.images or tiers.backend
    raw = r.obj("images", active)
    digest = r.text("backendImageDigest")
    promote = r.text("promoteFromStack")
    if not active:
        return None

    registry = Registry(host=get(raw, "registry"), repository=get(raw, "repository"), username=get(raw, "username"),
                        private=bool(get(raw, "private")))
    # Render pulls a private image with images.username and the token in REGISTRY_PULL_TOKEN (read
    # from the environment when the credential is written, never config). Builds push with the
    # runner's `docker login` credentials and need neither.
    if tiers.backend and registry.private and raw is not None:
        if registry.username is None and not r.reported("images.username"):
            r.add("images.username", "is required when Render pulls from a private registry (images.private)")

    if digest is not None and registry.host and registry.repository:
        pinned = formats.digest_image_name(digest)
        if pinned != registry.image_name:
            r.add("backendImageDigest", f"pins '{pinned}' but images.registry/images.repository name "
                  f"'{registry.image_name}'")

    build = None
    if tiers.images:
        context = get(raw, "context")
        if raw is not None and context is None and not r.reported("images.context"):
            r.add("images.context", "is required when tiers.images is on (the backend image is built)")
        build = ImageBuild(context=context, dockerfile=get(raw, "dockerfile"), platform=get(raw, "platform"))

    if digest is not None:
        return ImageSource("digest", registry, digest, None, None)
    if promote is not None:
        return ImageSource("promote", registry, None, promote, None)
    if build is not None:
        return ImageSource("build", registry, None, None, build)
    if not r.has("backendImageDigest") and not r.has("promoteFromStack"):
        hint = ("set procurement:promoteFromStack to staging's stack or pin procurement:backendImageDigest"
                if environment == "production" else
                "set procurement:backendImageDigest, procurement:promoteFromStack, or switch on tiers.images")
        r.add("backendImageDigest", f"the backend has no image to run: {hint}")
    return ImageSource("digest", registry, None, None, None)


def build_backend(r: Reader, tiers: Tiers, environment: Optional[str],
                  secrets: Optional[dict[str, Any]] = None) -> Optional[BackendConfig]:
    raw = r.obj("backend", tiers.backend)
    if not tiers.backend:
        return None
    rules = AppEnvRules(r, c.BACKEND_GENERATED_VARIABLES, c.BACKEND_GENERATED_PREFIXES, "backend")
    shared_env = rules.build(get(raw, "env"), "backend.env", get(secrets, "backend"), "appSecrets.backend")
    service_secrets = get(secrets, "services") or {}
    plan = get(raw, "plan")
    minimum = get(raw, "minInstances")
    maximum = get(raw, "maxInstances")
    if minimum is not None and maximum is not None and maximum < minimum:
        r.add("backend.maxInstances", f"must be at least minInstances ({minimum}), got {maximum}")
        maximum = None
    scaling = Scaling(minimum, maximum if maximum is not None else minimum,
                      get(raw, "targetCpuPercent"), get(raw, "targetMemoryPercent"))
    health = get(raw, "healthCheckPath")
    production = environment == "production"

    services: list[BackendService] = []
    seen: set[str] = set()
    for i, item in enumerate(get(raw, "services") or ()):
        service = _service(r, f"backend.services[{i}]", item, plan, scaling, health, production)
        if service is None:
            continue
        name = service.name
        service = replace(service, env=rules.build(
            item["env"], f"backend.services[{i}].env", service_secrets.get(name), f"appSecrets.services.{name}",
            shared=shared_env, shared_paths=("backend.env", "appSecrets.backend")))
        if service.name is not None and service.name in seen:
            r.add(f"backend.services[{i}].name", f"duplicate service name '{service.name}'")
        if service.name is not None:
            seen.add(service.name)
        services.append(service)

    # A service whose name is itself invalid is already reported; naming the API service (or a secret's
    # service) after it is then no second mistake.
    unnamed = any(s.name is None for s in services)
    for name in service_secrets:
        if name not in seen and get(raw, "services") is not None and not unnamed:
            r.add(f"appSecrets.services.{name}", f"'{name}' is not a service in backend.services "
                  f"(services: {', '.join(sorted(seen)) or 'none'})")

    api_service = get(raw, "apiService")
    if api_service is not None and raw is not None and get(raw, "services") is not None and not unnamed:
        web = [s.name for s in services if s.type == "web"]
        if api_service not in web:
            r.add("backend.apiService", f"'{api_service}' is not a web service in backend.services "
                  f"(web services: {', '.join(web) or 'none'})")
    delay, slowest = get(raw, "shutdownDelaySeconds"), get(raw, "slowestRequestSeconds")
    if delay is not None and slowest is not None and delay < slowest:
        # Render kills an old instance once the delay is over: a slower request in flight is cut off.
        r.add("backend.shutdownDelaySeconds", f"must be at least slowestRequestSeconds ({slowest}), got {delay}: "
              "a request still running when the delay ends is cut off")
    return build(BackendConfig, raw, scaling=scaling, services=tuple(services), env=shared_env)


def _service(r: Reader, path: str, item: Optional[dict[str, Any]], default_plan: Optional[str], scaling: Scaling,
             default_health: Optional[str], production: bool) -> Optional[BackendService]:
    if item is None:
        return None
    kind = item["type"]
    plan = item["plan"] or default_plan
    plan_key = f"{path}.plan" if item["plan"] else "backend.plan"
    if kind in ("worker", "cron") and plan is not None and plan not in c.RENDER_PAID_PLANS:
        r.add(plan_key, f"a {kind} needs a paid plan ({', '.join(c.RENDER_PAID_PLANS)}); '{plan}' is not one"
              + ("" if item["plan"] else f" (inherited by {path})"))
    if production and item["plan"] and (message := _PRODUCTION["plan"](plan)):
        r.add(plan_key, message)

    for name, allowed in (("schedule", ("cron",)), ("healthCheckPath", ("web",)),
                          ("minInstances", ("web", "worker")), ("maxInstances", ("web", "worker"))):
        if item[name] is not None and kind is not None and kind not in allowed:
            r.add(f"{path}.{name}", f"only {' and '.join(allowed)} services take {name} (this one is {kind})")
    if kind == "cron":
        for name in ("schedule", "command"):
            if item[name] is None and not r.reported(f"{path}.{name}"):
                r.add(f"{path}.{name}", "is required for a cron job")

    service_scaling = None
    if kind in ("web", "worker"):
        low = item["minInstances"] if item["minInstances"] is not None else scaling.min_instances
        high = item["maxInstances"] if item["maxInstances"] is not None else max(scaling.max_instances or 0, low or 0)
        if low is not None and high is not None and high < low:
            r.add(f"{path}.maxInstances", f"must be at least minInstances ({low}), got {high}")
        if production and kind == "web" and item["minInstances"] is not None and \
                (message := _PRODUCTION["minInstances"](item["minInstances"])):
            r.add(f"{path}.minInstances", message)
        service_scaling = Scaling(low, high, scaling.target_cpu_percent, scaling.target_memory_percent)

    return build(BackendService, item, plan=plan, scaling=service_scaling, env=AppEnv(),
                 health_check_path=(item["healthCheckPath"] or default_health) if kind == "web" else None)


def check_release(r: Reader, raw: Optional[dict[str, Any]], release: ReleaseConfig) -> None:
    """The smoke checks request distinct paths."""
    seen: set[str] = set()
    for i, check in enumerate(get(raw, "smokeChecks") or ()):
        path = get(check, "path")
        if path is not None and path in seen:
            r.add(f"release.smokeChecks[{i}].path", f"'{path}' is checked already; give each path once")
        seen.add(path)


def build_frontend(r: Reader, tiers: Tiers, secrets: Optional[dict[str, Any]] = None) -> Optional[FrontendConfig]:
    raw = r.obj("frontend", tiers.frontend)
    if not tiers.frontend:
        return None
    rules = AppEnvRules(r, c.FRONTEND_GENERATED_VARIABLES, c.FRONTEND_GENERATED_PREFIXES, "frontend")
    env = rules.build(get(raw, "env"), "frontend.env", get(secrets, "frontend"), "appSecrets.frontend",
                      public_build=True)
    return build(FrontendConfig, raw, env=env)
