"""Backend tier: the Python backend's Render services, all running one container image by digest.

Per service a Service, its EnvVars, SecretFiles and the one Deploy that deploys (plus a ReleaseCandidate while
`release.candidate` is on); shared: the env group and its link, the API's custom domain, the registry credential,
the log stream. Tokens are never inputs: only the variable's name and a fingerprint are in the state.
Children and why: components/README.md, "backend.py"; the release sequence: docs/explanation/releases.md.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
from pulumi import Input, Output, ResourceOptions

from components import naming
from components.config import BackendConfig, BackendService, Registry, ReleaseConfig, RenderConfig
from dynamic_providers import render

SERVICE_TYPES = {"web": "web_service", "worker": "background_worker", "cron": "cron_job"}

# Environment variables the Render provider reads the vendor-bound tokens from, at call time (the
# stack's ESC environment exports them; docs/explanation/secrets.md).
REGISTRY_PULL_TOKEN_ENV = "REGISTRY_PULL_TOKEN"
LOG_STREAM_TOKEN_ENV = "RENDER_LOG_STREAM_TOKEN"

# Render's registry-credential kinds by registry host (RegistryCredential.registry).
_REGISTRY_KINDS = (("ghcr.io", "GITHUB"), ("docker.io", "DOCKER"), ("registry-1.docker.io", "DOCKER"),
                   ("registry.gitlab.com", "GITLAB"), ("gcr.io", "GOOGLE_ARTIFACT"), ("pkg.dev", "GOOGLE_ARTIFACT"),
                   ("amazonaws.com", "AWS_ECR"))


@dataclass(frozen=True, kw_only=True)
class SupabaseEnv:
    """What the database tier hands each backend service (all values are secret)."""

    url: Optional[Input[str]] = None
    """Supabase API URL (`SUPABASE_URL`); None: not set (a review stack's branch has no API keys to go with it)."""
    anon_key: Optional[Input[str]] = None
    """Public anon key (`SUPABASE_ANON_KEY`); None: not set."""
    service_keys: Mapping[str, Input[str]] = field(default_factory=dict)
    """Service name -> its own Supabase secret key (`SUPABASE_SECRET_KEY`)."""
    database_urls: Mapping[str, Input[str]] = field(default_factory=dict)
    """Service name -> pooled connection URL of its role (`DATABASE_URL`)."""
    files: Mapping[str, Input[str]] = field(default_factory=dict)
    """Secret files every service gets for its `DATABASE_URL` (the database's CA certificate, when configured)."""


@dataclass(frozen=True, kw_only=True)
class BackendArgs:
    config: BackendConfig
    """The stack's `backend` config: services, plans, scaling, health check, port, API service."""

    render: RenderConfig
    """Render workspace (`owner_id`) and region of every service."""

    stack: str
    """Stack name, for physical names (`procurement-<stack>-<service>`)."""

    environment: str
    """`local`, `staging` or `production` (`ENVIRONMENT` in the env group)."""

    image_name: str
    """`<registry>/<repository>` without tag or digest."""

    image_digest: Input[str]
    """`sha256:<hex>` to run (from the images tier, a promotion or a pin)."""

    registry: Optional[Registry]
    """The registry; when `private`, Render pulls with a RegistryCredential made from it."""

    api_hostname: Optional[str]
    """Public host of the API service (its custom domain); None (a review stack): no custom domain, the API
    answers on its own `*.onrender.com` URL."""

    app_url: Optional[str] = None
    """Public URL of the web app (`APP_URL`, e.g. for CORS); None when the frontend tier is off."""

    supabase: Optional[SupabaseEnv] = None
    """Supabase values for the services; None when the database tier is off."""

    log_stream_endpoint: Optional[str] = None
    """`host:port` Render streams the workspace's logs to (`observability.logStreamEndpoint`); None: none.
    Its token is read from `RENDER_LOG_STREAM_TOKEN` when the stream is written."""

    release: Optional[ReleaseConfig] = None
    """`procurement:release`: the web services' candidates, checks and watch; None: plain deploys."""

    environment_id: Optional[Input[str]] = None
    """Render environment every service and the env group belong to (a review stack's `pr-<n>`); None: none."""


class Backend(pulumi.ComponentResource):
    """Render web services, workers and cron jobs of the backend (``procurement:backend:Backend``)."""

    service_ids: dict[str, Output[str]]
    """Service name -> Render service id."""
    api_service_id: Output[str]
    """Render id of the web service behind `api.<domain>`."""
    api_url: Input[str]
    """`https://<api host>`; without a custom domain the API service's own URL."""
    api_dns_target: Optional[Output[str]]
    """Host name Render tells DNS to CNAME `api.<domain>` to (None without a custom domain)."""
    env_group_id: Output[str]
    """Render id of the shared env group."""
    image_ref: Output[str]
    """`<registry>/<repository>@sha256:<hex>` every service runs."""
    registry_credential_id: Optional[Output[str]]
    """Render id of the registry credential (None for a public registry); the backup job pulls with it too."""

    def __init__(self, name: str, args: BackendArgs, opts: Optional[ResourceOptions] = None) -> None:
        super().__init__("procurement:backend:Backend", name, None, opts)
        cfg = args.config
        child = ResourceOptions(parent=self)
        credential_id = None
        if args.registry is not None and args.registry.private:
            credential_id = self._registry_credential(name, args).id
        self.registry_credential_id = credential_id

        shared_files = {**cfg.env.secret_files, **(args.supabase.files if args.supabase is not None else {})}
        services: dict[str, render.Service] = {}
        own_variables: dict[str, dict[str, Input[str]]] = {}
        settings: dict[str, list[pulumi.Resource]] = {}  # what each service's deploy waits for
        for service in cfg.services:
            services[service.name] = self._service(name, args, service, credential_id)
            own_variables[service.name] = service_variables(service, cfg.port, args.supabase)
            settings[service.name] = []
            if own_variables[service.name]:
                settings[service.name].append(render.EnvVars(
                    f"{name}-{service.name}-env", service_id=services[service.name].id,
                    variables=own_variables[service.name], deploy_on_change=False, opts=child))
            if service.env.secret_files:
                settings[service.name].append(render.SecretFiles(
                    f"{name}-{service.name}-files", service_id=services[service.name].id,
                    files=dict(service.env.secret_files), deploy_on_change=False, deploy_on_delete=True, opts=child))

        shared = shared_variables(args, services[cfg.api_service].url)
        group = render.EnvGroup(f"{name}-env-group", name=naming.physical_name(args.stack, "backend-shared",
                                                                                naming.RENDER_ENV_GROUP),
                                owner_id=args.render.owner_id, variables=shared, files=shared_files or None,
                                **_in_environment(args.environment_id), opts=child)
        link = render.EnvGroupLink(f"{name}-env-group-link", env_group_id=group.id,
                                   service_ids=[s.id for s in services.values()], opts=child)

        plans = []  # (service, its Deploy's inputs, what the Deploy waits for), web services first
        candidates: list[pulumi.Resource] = []
        for service in sorted(cfg.services, key=lambda s: s.type != "web"):
            seen = {**shared, **own_variables[service.name],
                    **file_entries({**shared_files, **service.env.secret_files})}
            service_id = services[service.name].id
            # What reaches Render without deploying (the service's PATCH, variable and file
            # writes): a change here makes a new Deploy, which is what puts it into effect.
            triggers = {"command": service.command or "", "variables": fingerprint(seen),
                        "writes": write_revisions([services[service.name], *settings[service.name], group])}
            # After the variables, the files and the group link, so the deploy runs with all of them.
            waits_for: list[pulumi.Resource] = [*settings[service.name], link]
            release = release_inputs(args.release, service, cfg.api_service)
            if release and args.release.candidate:
                # The same digest and triggers: each new Deploy is preceded by a new, passing candidate.
                candidates.append(render.ReleaseCandidate(
                    f"{name}-{service.name}-candidate", service_id=service_id, image_digest=args.image_digest,
                    checks=release["checks"], triggers=triggers,
                    opts=ResourceOptions(parent=self, depends_on=list(waits_for))))  # it runs with the same env
            plans.append((service, dict(service_id=service_id, image_digest=args.image_digest, triggers=triggers,
                                        **release), waits_for))
        # One release: no service deploys until every candidate passed, and workers and cron jobs deploy once the
        # web services passed their watch, so an image stopped or switched back on a web service reaches none.
        web_deploys: list[pulumi.Resource] = []
        for service, inputs, waits_for in plans:
            after = web_deploys if args.release is not None and service.type != "web" else []
            deploy = render.Deploy(f"{name}-{service.name}-deploy", **inputs,
                                   opts=ResourceOptions(parent=self, depends_on=[*waits_for, *candidates, *after]))
            if service.type == "web":
                web_deploys.append(deploy)

        if args.log_stream_endpoint is not None:
            render.LogStream(f"{name}-log-stream", owner_id=args.render.owner_id, endpoint=args.log_stream_endpoint,
                             token_env=LOG_STREAM_TOKEN_ENV, opts=child)

        api = services[cfg.api_service]
        self.api_dns_target = None
        if args.api_hostname is not None:
            domain = render.CustomDomain(f"{name}-api-domain", service_id=api.id, name=args.api_hostname, opts=child)
            self.api_dns_target = domain.dns_target

        self.service_ids = {n: s.id for n, s in services.items()}
        self.api_service_id = api.id
        self.api_url = f"https://{args.api_hostname}" if args.api_hostname is not None else api.url
        self.env_group_id = group.id
        self.image_ref = Output.concat(args.image_name, "@", args.image_digest)
        self.register_outputs({
            "service_ids": self.service_ids,
            "api_service_id": self.api_service_id,
            "api_url": self.api_url,
            "api_dns_target": self.api_dns_target,
            "env_group_id": self.env_group_id,
            "image_ref": self.image_ref,
        })

    def _registry_credential(self, name: str, args: BackendArgs) -> render.RegistryCredential:
        registry = args.registry
        if registry.username is None:
            raise ValueError("backend: a private registry needs images.username")
        return render.RegistryCredential(
            f"{name}-registry", name=naming.physical_name(args.stack, "registry"), owner_id=args.render.owner_id,
            registry=registry_kind(registry.host), username=registry.username,
            auth_token_env=REGISTRY_PULL_TOKEN_ENV, opts=ResourceOptions(parent=self))

    def _service(self, name: str, args: BackendArgs, service: BackendService,
                 credential_id: Optional[Output[str]]) -> render.Service:
        kind = SERVICE_TYPES[service.type]
        inputs = {
            "region": args.render.region,
            "plan": service.plan,
            "image": args.image_name,
            "image_digest": args.image_digest,
            "registry_credential_id": credential_id,
            "start_command": service.command,
            "deploy_on_update": False,  # the Deploy child deploys, exactly once per change
            "auto_deploy": False,  # never Render on its own (Render's default is on)
        }
        if service.type == "web":
            inputs["health_check_path"] = service.health_check_path
        if service.type in ("web", "worker"):
            # How long an old instance may finish its requests or its job after SIGTERM (None: Render's 30 s).
            inputs["max_shutdown_delay_seconds"] = args.config.shutdown_delay_seconds
        if service.type == "cron":
            inputs["schedule"] = service.schedule
        if service.scaling is not None:
            inputs.update(scaling_inputs(service))
        return render.Service(
            f"{name}-{service.name}", name=naming.physical_name(args.stack, service.name, naming.RENDER_SERVICE),
            owner_id=args.render.owner_id, service_type=kind, **_in_environment(args.environment_id),
            **{k: v for k, v in inputs.items() if v is not None}, opts=ResourceOptions(parent=self))


def _in_environment(environment_id: Optional[Input[str]]) -> dict:
    """`environment_id` only when there is one: a stack without environments keeps its inputs (and plans) as they were."""
    return {"environment_id": environment_id} if environment_id is not None else {}


def release_inputs(release: Optional[ReleaseConfig], service: BackendService, api_service: str) -> dict:
    """The Deploy's `checks` and `watch_seconds` of a web service (its candidate checks the same); {} otherwise."""
    if release is None or service.type != "web":
        return {}
    return {"checks": release.checks(service.health_check_path, api=service.name == api_service),
            "watch_seconds": release.watch_seconds}


def scaling_inputs(service: BackendService) -> dict:
    """`num_instances` for a fixed count, else `autoscaling` between min and max on CPU (and memory)."""
    scaling = service.scaling
    if not scaling.autoscaling:
        return {"num_instances": scaling.min_instances}
    targets = {"cpu_percent": scaling.target_cpu_percent, "memory_percent": scaling.target_memory_percent}
    return {"autoscaling": {"enabled": True, "min": scaling.min_instances, "max": scaling.max_instances,
                            **{k: v for k, v in targets.items() if v is not None}}}


def service_variables(service: BackendService, port: int, supabase: Optional[SupabaseEnv]) -> dict[str, Input[str]]:
    """The variables only this service gets (its port, its own database role and Supabase key, and
    its variables from config, plain and secret; config validation keeps their names apart)."""
    variables: dict[str, Input[str]] = dict(service.env.all_variables())
    if service.type == "web":
        variables["PORT"] = str(port)
    if supabase is not None:
        if service.name in supabase.database_urls:
            variables["DATABASE_URL"] = supabase.database_urls[service.name]
        if service.name in supabase.service_keys:
            variables["SUPABASE_SECRET_KEY"] = supabase.service_keys[service.name]
    return variables


def shared_variables(args: BackendArgs, api_url: Optional[Input[str]] = None) -> dict[str, Input[str]]:
    """Every service's variables (the env group): generated ones and `backend.env` / `appSecrets.backend.env`."""
    variables: dict[str, Input[str]] = dict(args.config.env.all_variables())
    variables.update({"ENVIRONMENT": args.environment,
                      "API_URL": f"https://{args.api_hostname}" if args.api_hostname is not None else api_url})
    if args.app_url is not None:
        variables["APP_URL"] = args.app_url
    if args.supabase is not None and args.supabase.url is not None:
        variables["SUPABASE_URL"] = args.supabase.url
    if args.supabase is not None and args.supabase.anon_key is not None:
        variables["SUPABASE_ANON_KEY"] = args.supabase.anon_key
    return variables


def file_entries(files: Mapping[str, Input[str]]) -> dict[str, Input[str]]:
    """Secret files as fingerprint entries (`file:<name>`: never a variable name). No files, no
    entries: a service without files keeps the fingerprint it had before files existed."""
    return {f"file:{name}": content for name, content in files.items()}


def fingerprint(variables: Mapping[str, Input[str]]) -> Output[str]:
    """SHA-256 over the variables' names and values: changes exactly when one of them does.

    Secret when any value is (Pulumi keeps the secrecy of what it is computed from).
    """
    return Output.all(**variables).apply(
        lambda values: hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest())


def write_revisions(resources: Sequence[pulumi.Resource]) -> Output[Optional[list]]:
    """The ``revision`` of each resource whose writes only a deploy puts into effect (a value restored
    after an out-of-band change counts: the declared values, and so the fingerprint, did not change).

    A resource with no such write yet has revision 0 (None in state from before revisions existed)
    and counts as None, so the triggers of a Deploy made before revisions existed stay equal; None while
    no resource has one: the provider compares triggers without None-valued keys, so upgrading replaces
    no Deploy (tests/tools/engine/test_upgrade_plans.py)."""
    return Output.all(*[r.revision for r in resources]).apply(
        lambda revisions: [r or None for r in revisions] if any(revisions) else None)


def registry_kind(host: str) -> str:
    """Render's credential kind for a registry host; a clear error for one Render cannot pull from."""
    host = host.lower().split(":")[0]
    for suffix, kind in _REGISTRY_KINDS:
        if host == suffix or host.endswith("." + suffix):
            return kind
    raise ValueError(f"backend: Render has no registry credential kind for '{host}' (images.registry); it pulls "
                     "private images from ghcr.io, Docker Hub, GitLab, Google Artifact Registry and Amazon ECR")
