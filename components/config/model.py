"""The typed, frozen stack config handed to the tier components (one dataclass per tier).

A tier that is switched off is `None` on `StackConfig`, so a component cannot half-build it.
Secrets are `pulumi.Output[str]` marked secret; everything else is plain data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Optional

import pulumi

ServiceType = Literal["web", "worker", "cron"]


@dataclass(frozen=True)
class AppEnv:
    """What one scope of the application (every backend service, one service, the frontend build)
    gets from config: plain variables, secret variables and secret files (secret Outputs)."""

    variables: Mapping[str, str] = field(default_factory=dict)
    secret_variables: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    secret_files: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)

    def all_variables(self) -> dict[str, pulumi.Input[str]]:
        return {**self.variables, **self.secret_variables}


@dataclass(frozen=True)
class Tiers:
    images: bool
    backend: bool
    frontend: bool
    database: bool
    edge: bool
    source_control: bool
    observability: bool

    def enabled(self) -> tuple[str, ...]:
        """Names of the tiers switched on, in a fixed order (also a stack output)."""
        order = ("images", "backend", "frontend", "database", "edge", "source_control", "observability")
        return tuple(name for name in order if getattr(self, name))


@dataclass(frozen=True)
class ApiEndpoints:
    """Where the Render and Supabase dynamic providers send requests.

    No tokens here: the providers read RENDER_API_KEY / SUPABASE_ACCESS_TOKEN from their environment
    at call time (dynamic_providers/core/settings.py says why config is the wrong place).
    """

    render_api_url: str
    supabase_api_url: str
    # Read by the Render providers themselves (configure()); validated here so a bad value fails preview.
    render_max_rate_limit_wait_seconds: Optional[int] = None


@dataclass(frozen=True)
class RenderConfig:
    owner_id: str
    region: str


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


@dataclass(frozen=True)
class BackendService:
    name: str
    type: ServiceType
    plan: str
    command: Optional[str]  # None: the image's CMD
    schedule: Optional[str]  # cron only (UTC)
    health_check_path: Optional[str]  # web only
    scaling: Optional[Scaling]  # web and worker; None for cron
    env: AppEnv = field(default_factory=AppEnv)  # this service's own variables and secret files


@dataclass(frozen=True)
class BackendConfig:
    plan: str
    scaling: Scaling
    health_check_path: str
    port: int
    api_service: str
    services: tuple[BackendService, ...]
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


@dataclass(frozen=True)
class FrontendConfig:
    repo: str
    branch: str
    build_command: str
    publish_path: str
    auto_deploy: bool
    env: AppEnv = field(default_factory=AppEnv)  # build-time variables (no files: a static site has none)


@dataclass(frozen=True)
class PostgresSettings:
    statement_timeout: Optional[str]
    max_connections: Optional[int]
    work_mem: Optional[str]


@dataclass(frozen=True)
class PoolerSettings:
    mode: str
    default_pool_size: Optional[int]


@dataclass(frozen=True)
class AuthSettings:
    site_url: str
    redirect_urls: tuple[str, ...]
    jwt_expiry_seconds: int
    disable_signup: bool
    password_min_length: int
    mfa_totp: bool


@dataclass(frozen=True)
class DatabaseRole:
    name: str
    service: str
    privileges: tuple[str, ...]
    schemas: tuple[str, ...]


@dataclass(frozen=True)
class DatabaseConfig:
    organization_slug: str
    region: str
    instance_size: str
    postgres: PostgresSettings
    pooler: PoolerSettings
    network_restrictions: tuple[str, ...]
    enforce_ssl: bool
    auth: AuthSettings
    roles: tuple[DatabaseRole, ...]
    extensions: tuple[str, ...]
    deletion_protection: bool
    pitr_days: Optional[int] = None  # None: point-in-time recovery off
    project_ref: Optional[str] = None  # an existing project to use (adopt) instead of creating one
    ca_certificate: Optional[str] = None  # PEM of the database's CA (database.caCertificate); None: not verified

    @property
    def ipv4_cidrs(self) -> tuple[str, ...]:
        return tuple(c for c in self.network_restrictions if ":" not in c)

    @property
    def ipv6_cidrs(self) -> tuple[str, ...]:
        return tuple(c for c in self.network_restrictions if ":" in c)

    def role_for(self, service: str) -> Optional[DatabaseRole]:
        return next((r for r in self.roles if r.service == service), None)


@dataclass(frozen=True)
class Hsts:
    enabled: bool
    max_age_seconds: int
    include_subdomains: bool
    preload: bool


@dataclass(frozen=True)
class RateLimit:
    requests: int
    period_seconds: int
    mitigation_timeout_seconds: int
    action: str


@dataclass(frozen=True)
class CacheRule:
    name: str
    extensions: tuple[str, ...]
    edge_ttl_seconds: int
    browser_ttl_seconds: int


@dataclass(frozen=True)
class HealthCheck:
    path: str
    interval_seconds: int
    timeout_seconds: int
    retries: int
    consecutive_fails: int
    consecutive_successes: int
    expected_codes: str
    notification_email: Optional[str]


@dataclass(frozen=True)
class EdgeConfig:
    zone_id: str
    zone_name: str
    manage_zone_settings: bool  # True on exactly one stack per zone (production)
    ssl_mode: str
    min_tls_version: str
    tls13: bool
    always_use_https: bool
    security_level: str
    hsts: Hsts
    rate_limit: RateLimit
    cache_rules: tuple[CacheRule, ...]
    health_check: HealthCheck
    managed_waf: str  # free or full: the managed WAF rulesets the zone runs (components/cloudflare_waf.py)


@dataclass(frozen=True)
class Repository:
    name: str
    role: Literal["frontend", "backend", "infrastructure"]
    required_checks: tuple[str, ...]


@dataclass(frozen=True)
class SourceControlConfig:
    owner: str
    manage_repository_settings: bool  # True on exactly one stack (production)
    default_branch: str
    required_approvals: int
    production_reviewers: tuple[str, ...]
    repositories: tuple[Repository, ...]

    def repository(self, role: str) -> Optional[Repository]:
        return next((r for r in self.repositories if r.role == role), None)


@dataclass(frozen=True)
class RenderAlerts:
    """Where Render's notifications go: every service's override, and (one stack) the workspace's defaults."""

    service_events: str  # none | failure | all
    preview_notifications: bool
    manage_workspace: bool
    workspace_email: bool
    workspace_events: str


@dataclass(frozen=True)
class ObservabilityConfig:
    uptime_target_percent: float
    response_time_target_ms: int
    log_stream_endpoint: Optional[str]
    metrics_stream_url: Optional[str] = None
    metrics_stream_provider: str = "CUSTOM"
    alerts: RenderAlerts = RenderAlerts("failure", False, False, True, "failure")


@dataclass(frozen=True)
class BackupConfig:
    """The nightly logical backup: a Render cron job (image `image`) dumping the database, encrypted to every
    one of `recipients`, into R2."""

    recipients: tuple["BackupRecipient", ...]
    image: str
    schedule: str
    retention_days: int
    schemas: tuple[str, ...]
    plan: str


@dataclass(frozen=True)
class BackupRecipient:
    """One age key pair a dump is encrypted to: its public `recipient` and who holds the identity."""

    holder: str
    recipient: str
    escrow: bool


@dataclass(frozen=True)
class AdoptEntry:
    """One `procurement:adopt` entry: a resource that takes over an existing object (adopt=True)."""

    name: str  # logical name, e.g. backend-api
    after: tuple[str, ...] = ()  # Deploys only: the deploy ids the stack knows; take over only a newer one


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    environment: Literal["local", "staging", "production"]
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
    adopt: tuple[AdoptEntry, ...] = ()  # procurement:adopt

    @property
    def is_production(self) -> bool:
        return self.environment == "production"
