"""The typed, frozen stack config handed to the tier components (one dataclass per tier).

A tier that is switched off is `None` on `StackConfig`, so a component cannot half-build it.
Secrets are `pulumi.Output[str]` marked secret; everything else is plain data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Optional

import pulumi

from . import schema
from .declarative import attribute, model

ServiceType = Literal["web", "worker", "cron"]


def _plain(spec, name: str) -> type:
    """A section whose typed form is exactly its declared fields (renamed to snake_case)."""
    return model(spec)(type(name, (), {"__module__": __name__, "__qualname__": name}))


@dataclass(frozen=True)
class AppEnv:
    """What one scope of the application (every backend service, one service, the frontend build)
    gets from config: plain variables, secret variables and secret files (secret Outputs)."""

    variables: Mapping[str, str] = field(default_factory=dict)
    secret_variables: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    secret_files: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)

    def all_variables(self) -> dict[str, pulumi.Input[str]]:
        return {**self.variables, **self.secret_variables}


@model(schema.TIERS)
class Tiers:
    def enabled(self) -> tuple[str, ...]:
        """Names of the tiers switched on, in their declared order (also a stack output)."""
        return tuple(name for name in map(attribute, schema.TIERS.names()) if getattr(self, name))


@dataclass(frozen=True)
class ApiEndpoints:
    """Where the Render and Supabase dynamic providers send requests.

    No tokens here: the providers read RENDER_API_KEY / SUPABASE_ACCESS_TOKEN from their environment
    at call time (dynamic_providers/core/api_settings.py says why config is the wrong place).
    """

    render_api_url: str
    supabase_api_url: str
    # Read by the Render providers themselves (configure()); validated here so a bad value fails preview.
    render_max_rate_limit_wait_seconds: Optional[int] = None
    # Read by the Render providers themselves too: where the release checks send a service's requests.
    render_traffic_gateway_url: Optional[str] = None


RenderConfig = _plain(schema.RENDER, "RenderConfig")


@dataclass(frozen=True)
class Scaling:
    """Fixed count when min == max, else autoscaling between them on CPU (and memory) targets."""

    min_instances: int
    max_instances: int
    target_cpu_percent: int
    target_memory_percent: Optional[int]

    @property
    def autoscaling(self) -> bool:
        return self.max_instances > self.min_instances


@model(schema.SERVICE)
class BackendService:
    """`plan` and `health_check_path` are the service's own or else the backend's (web only: None otherwise);
    `min_instances`/`max_instances` are its overrides as given, `scaling` what applies."""

    scaling: Optional[Scaling] = None  # web and worker; None for cron
    env: AppEnv = field(default_factory=AppEnv)  # this service's own variables and secret files


@model(schema.BACKEND)
class BackendConfig:
    scaling: Optional[Scaling] = None  # from minInstances, maxInstances and the targets
    env: AppEnv = field(default_factory=AppEnv)  # every service's (the shared env group)

    def of_type(self, service_type: ServiceType) -> tuple[BackendService, ...]:
        return tuple(s for s in self.services if s.type == service_type)

    def service(self, name: str) -> BackendService:
        return next(s for s in self.services if s.name == name)


@dataclass(frozen=True)
class ImageBuild:
    context: str
    dockerfile: str
    platform: str


@dataclass(frozen=True)
class Registry:
    host: str
    repository: str
    username: Optional[str]
    private: bool

    @property
    def image_name(self) -> str:
        return f"{self.host}/{self.repository}"


@dataclass(frozen=True)
class ImageSource:
    """Where the backend image comes from. Precedence: pinned digest, then promotion, then build."""

    kind: Literal["digest", "promote", "build"]
    registry: Registry
    digest_ref: Optional[str]  # kind == "digest": <registry>/<repo>@sha256:…
    promote_from_stack: Optional[str]  # kind == "promote": read its backend_image_digest output
    build: Optional[ImageBuild]  # kind == "build"


SmokeCheck = _plain(schema.SMOKE_CHECK, "SmokeCheck")


@model(schema.RELEASE)
class ReleaseConfig:
    def checks(self, health_check_path: str, api: bool) -> list[dict]:
        """What a web service's candidate and deploy check: its health path (200), and the smoke checks for the API."""
        checks = [{"path": health_check_path, "status": 200}]
        for check in self.smoke_checks if api else ():
            if {"path": check.path, "status": check.status} not in checks:
                checks.append({"path": check.path, "status": check.status})
        return checks


@model(schema.FRONTEND)
class FrontendConfig:
    env: AppEnv = field(default_factory=AppEnv)  # build-time variables (no files: a static site has none)


PostgresSettings = _plain(schema.POSTGRES, "PostgresSettings")
PoolerSettings = _plain(schema.POOLER, "PoolerSettings")
AuthSettings = _plain(schema.AUTH, "AuthSettings")
DatabaseRole = _plain(schema.ROLE, "DatabaseRole")


@model(schema.DATABASE)
class DatabaseConfig:
    """`ca_certificate` holds the PEM text of the file `database.caCertificate` names (None: not verified)."""

    @property
    def ipv4_cidrs(self) -> tuple[str, ...]:
        return tuple(c for c in self.network_restrictions if ":" not in c)

    @property
    def ipv6_cidrs(self) -> tuple[str, ...]:
        return tuple(c for c in self.network_restrictions if ":" in c)

    def role_for(self, service: str) -> Optional[DatabaseRole]:
        return next((r for r in self.roles if r.service == service), None)


Hsts = _plain(schema.HSTS, "Hsts")
RateLimit = _plain(schema.RATE_LIMIT, "RateLimit")
CacheRule = _plain(schema.CACHE_RULE, "CacheRule")
HealthCheck = _plain(schema.HEALTH_CHECK, "HealthCheck")
EdgeConfig = _plain(schema.EDGE, "EdgeConfig")
Repository = _plain(schema.REPOSITORY, "Repository")


@model(schema.SOURCE_CONTROL)
class SourceControlConfig:
    def repository(self, role: str) -> Optional[Repository]:
        return next((r for r in self.repositories if r.role == role), None)


RenderAlerts = _plain(schema.RENDER_ALERTS, "RenderAlerts")
ObservabilityConfig = _plain(schema.OBSERVABILITY, "ObservabilityConfig")
BackupConfig = _plain(schema.BACKUP, "BackupConfig")
ReviewConfig = _plain(schema.REVIEW, "ReviewConfig")
BackupRecipient = _plain(schema.BACKUP_RECIPIENT, "BackupRecipient")


@dataclass(frozen=True)
class AdoptEntry:
    """One `procurement:adopt` entry: a resource that takes over an existing object (adopt=True)."""

    name: str  # logical name, e.g. backend-api
    after: tuple[str, ...] = ()  # Deploys only: the deploy ids the stack knows; take over only a newer one


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    environment: Literal["local", "staging", "production", "review"]
    domain: str
    api_hostname: str
    app_hostname: str
    tiers: Tiers
    apis: ApiEndpoints
    render: Optional[RenderConfig]  # set when backend or frontend is on
    images: Optional[ImageSource]  # set when backend is on
    backend: Optional[BackendConfig]
    frontend: Optional[FrontendConfig]
    database: Optional[DatabaseConfig]
    edge: Optional[EdgeConfig]
    source_control: Optional[SourceControlConfig]
    observability: Optional[ObservabilityConfig]
    backup: Optional[BackupConfig] = None
    release: Optional[ReleaseConfig] = None  # set when backend is on
    adopt: tuple[AdoptEntry, ...] = ()  # procurement:adopt
    review: Optional[ReviewConfig] = None  # set exactly on a review stack (environment review)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_review(self) -> bool:
        return self.review is not None
