"""Which resources of a stack can take over an existing object (`procurement:adopt`), by their logical names
(`<component>-<role>`, from the typed config); tests/components/test_adopt.py holds it equal to what the components
declare. docs/how-to/adopt-existing-objects.md."""
from __future__ import annotations

from typing import Optional

from dynamic_providers.core.resource import type_token
from dynamic_providers.render import deploys, domains, env_groups, log_streams, metrics_streams, notifications
from dynamic_providers.render import registry, service_env, services
from dynamic_providers.supabase import resources as supabase

from .build_backup import BACKUP_ROLE
from .model import BackendConfig, BackupConfig, DatabaseConfig, FrontendConfig, ImageSource, ObservabilityConfig

# The type tokens, as the resource classes declare them.
SERVICE = type_token(services.Service)
ENV_VARS = type_token(service_env.EnvVars)
DEPLOY = type_token(deploys.Deploy)
ENV_GROUP = type_token(env_groups.EnvGroup)
ENV_GROUP_LINK = type_token(env_groups.EnvGroupLink)
CUSTOM_DOMAIN = type_token(domains.CustomDomain)
REGISTRY_CREDENTIAL = type_token(registry.RegistryCredential)
LOG_STREAM = type_token(log_streams.LogStream)
NOTIFICATION_OVERRIDE = type_token(notifications.NotificationOverride)
NOTIFICATION_SETTINGS = type_token(notifications.NotificationSettings)
METRICS_STREAM = type_token(metrics_streams.MetricsStream)
PROJECT = type_token(supabase.Project)
SQL_ROLE = type_token(supabase.SqlRole)
# Every adoptable resource type: ops/recovery/state.py turns a pending create of one into a `procurement:adopt` entry.
TYPES = frozenset({SERVICE, ENV_VARS, DEPLOY, ENV_GROUP, ENV_GROUP_LINK, CUSTOM_DOMAIN, REGISTRY_CREDENTIAL,
                   LOG_STREAM, NOTIFICATION_OVERRIDE, NOTIFICATION_SETTINGS, METRICS_STREAM, PROJECT, SQL_ROLE})

# Component names (components/platform.py): the first part of every child's logical name.
BACKEND, FRONTEND, DATABASE, BACKUP, ALERTING = "backend", "frontend", "database", "backup", "alerting"
# The config key of each component's tier: an entry of a tier whose own config has problems is not checked
# against it (its children are not known).
TIER_KEYS = {BACKEND: "backend", FRONTEND: "frontend", DATABASE: "database", BACKUP: "backup",
             ALERTING: "observability"}


def adoptable_resources(*, images: Optional[ImageSource], backend: Optional[BackendConfig],
                        frontend: Optional[FrontendConfig], database: Optional[DatabaseConfig],
                        observability: Optional[ObservabilityConfig], backup: Optional[BackupConfig] = None,
                        render_on: bool = True) -> dict[str, str]:
    """Logical name -> type token of every resource the stack declares that can be adopted.

    ``backup``: the backup config when the backup job is declared (database, Render and edge on);
    ``render_on``: the Render workspace is configured (the alerting tier needs it)."""
    found: dict[str, str] = {}
    if backup is not None:
        found[f"{BACKUP}-job"] = SERVICE
        found[f"{BACKUP}-job-env"] = ENV_VARS
    if observability is not None and render_on and (backend is not None or frontend is not None
                                                    or backup is not None):
        purposes = [s.name for s in backend.services if s is not None and s.name] if backend is not None else []
        purposes += ["frontend-site"] if frontend is not None else []
        purposes += ["db-backup"] if backup is not None else []
        for purpose in purposes:
            found[f"{ALERTING}-{purpose}-notifications"] = NOTIFICATION_OVERRIDE
        if observability.alerts.manage_workspace:
            found[f"{ALERTING}-workspace-notifications"] = NOTIFICATION_SETTINGS
        if observability.metrics_stream_url:
            found[f"{ALERTING}-metrics-stream"] = METRICS_STREAM
    if backend is not None:
        for service in backend.services:
            if service is None or service.name is None:
                continue  # reported by the backend's own checks
            found[f"{BACKEND}-{service.name}"] = SERVICE
            # Own variables: PORT on web services; the database's URL and key when it is on.
            if service.type == "web" or database is not None:
                found[f"{BACKEND}-{service.name}-env"] = ENV_VARS
            found[f"{BACKEND}-{service.name}-deploy"] = DEPLOY
        found[f"{BACKEND}-env-group"] = ENV_GROUP
        found[f"{BACKEND}-env-group-link"] = ENV_GROUP_LINK
        found[f"{BACKEND}-api-domain"] = CUSTOM_DOMAIN
        if images is not None and images.registry.private:
            found[f"{BACKEND}-registry"] = REGISTRY_CREDENTIAL
        if observability is not None and observability.log_stream_endpoint is not None:
            found[f"{BACKEND}-log-stream"] = LOG_STREAM
    if frontend is not None:
        found[f"{FRONTEND}-site"] = SERVICE
        if database is not None or backend is not None:  # the Vite variables
            found[f"{FRONTEND}-site-env"] = ENV_VARS
        found[f"{FRONTEND}-domain"] = CUSTOM_DOMAIN
    if database is not None:
        found[f"{DATABASE}-project"] = PROJECT
        for role in database.roles:
            if role is not None and role.name is not None:
                found[f"{DATABASE}-role-{role.name}"] = SQL_ROLE
        if backup is not None:
            found[f"{DATABASE}-role-{BACKUP_ROLE}"] = SQL_ROLE  # the backup job's read-only role
    return found
