"""The whole platform for one stack: every tier the config switches on, wired together.

`build_platform(config)` declares the tier components in dependency order and returns them; a tier that is off is
`None` here and declares nothing (no component, no child). What flows between tiers:

    images ──digest──> backend ──api custom domain──┐
    database ──URL, keys, role URLs──> backend      ├──> edge (CNAMEs) ──> observability (health checks)
    database ──URL, anon key──> frontend ──app custom domain──┘
    database, backend, frontend ──values──> source control (GitHub environment variables/secrets)

The images tier only decides whether the image may be built: components/README.md, "images.py".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import pulumi

from components.adoption import adopt_transformation
from components.config import StackConfig

# Each tier's module is imported inside `build_platform`, only when the stack switches the tier on:
# the Cloudflare, GitHub and Docker SDKs cost seconds and ~130 MiB to import (issue 16), and `local`
# builds none of their tiers. tests/test_import_budget.py holds the program to this.
if TYPE_CHECKING:
    from components.alerting import RenderAlerting
    from components.backend import Backend
    from components.backups import DatabaseBackup
    from components.database import Database
    from components.database_branch import DatabaseBranch
    from components.edge import Edge
    from components.frontend import Frontend
    from components.images import BackendImage
    from components.observability import EdgeMonitoring
    from components.source_control import SourceControl


@dataclass(frozen=True)
class Platform:
    """The tier components of one stack; a tier that is off is None."""

    config: StackConfig
    images: Optional[BackendImage] = None
    database: Optional[Database | DatabaseBranch] = None
    backend: Optional[Backend] = None
    frontend: Optional[Frontend] = None
    edge: Optional[Edge] = None
    monitoring: Optional[EdgeMonitoring] = None
    alerting: Optional[RenderAlerting] = None
    backup: Optional[DatabaseBackup] = None
    source_control: Optional[SourceControl] = None


def build_platform(config: StackConfig) -> Platform:
    """Declare every tier `config.tiers` switches on, in dependency order."""
    images = database = backend = frontend = edge = monitoring = source_control = None
    # procurement:adopt: the tiers whose children can take over existing objects (components/adoption.py).
    adopt = adopt_transformation(config.adopt)
    tier = pulumi.ResourceOptions(transformations=[adopt]) if adopt is not None else None

    if config.images is not None:
        from components.images import BackendImage, BackendImageArgs
        images = BackendImage("images", BackendImageArgs(source=config.images, stack=config.stack))

    # A review stack (issue 26): its services live in their own Render project and environment `pr-<n>`, its
    # database is a Supabase branch, and nothing has a custom domain (the URLs are the services' onrender.com ones).
    review = config.review
    environment_id = None
    if review is not None and config.render is not None:
        from components.review_environment import review_environment
        environment_id = review_environment(config.render.owner_id, review.pr)
    api_hostname = config.api_hostname if review is None else None
    app_hostname = config.app_hostname if review is None else None

    if config.database is not None and review is not None:
        from components.database_branch import DatabaseBranch, DatabaseBranchArgs
        database = DatabaseBranch("database", DatabaseBranchArgs(config=config.database, review=review), opts=tier)
    elif config.database is not None:
        from components.database import Database, DatabaseArgs
        services = tuple(s.name for s in config.backend.services) if config.backend is not None else ()
        # The backup's read-only role exists with the backup job (same condition as below).
        backs_up = config.backup is not None and config.render is not None and config.edge is not None
        database = Database("database", DatabaseArgs(config=config.database, stack=config.stack, services=services,
                                                     backup_schemas=config.backup.schemas if backs_up else ()),
                            opts=tier)

    app_url = f"https://{app_hostname}" if config.frontend is not None and app_hostname is not None else None
    if config.backend is not None:
        from components.backend import Backend, BackendArgs, SupabaseEnv
        supabase = None
        if database is not None and review is None:
            supabase = SupabaseEnv(url=database.supabase_url, anon_key=database.anon_key,
                                   service_keys=database.service_keys, database_urls=database.database_urls,
                                   files=database.client_files)
        elif database is not None:  # a branch: each role's DATABASE_URL only (no API keys: database_branch.py)
            supabase = SupabaseEnv(database_urls=database.database_urls, files=database.client_files)
        backend = Backend("backend", BackendArgs(
            config=config.backend, render=config.render, stack=config.stack, environment=config.environment,
            image_name=images.image_name, image_digest=images.digest, registry=config.images.registry,
            api_hostname=api_hostname, app_url=app_url, supabase=supabase, environment_id=environment_id,
            # Render's log stream is a workspace object next to the services: the backend tier holds it.
            log_stream_endpoint=config.observability.log_stream_endpoint if config.observability else None,
            release=config.release),
            opts=tier)

    if config.frontend is not None:
        from components.frontend import Frontend, FrontendArgs
        frontend = Frontend("frontend", FrontendArgs(
            config=config.frontend, render=config.render, stack=config.stack, app_hostname=app_hostname,
            api_url=backend.api_url if backend is not None else None,
            supabase_url=database.supabase_url if database is not None and review is None else None,
            supabase_anon_key=database.anon_key if database is not None and review is None else None,
            environment_id=environment_id),
            opts=tier)

    if config.edge is not None:
        from components.edge import Edge, EdgeArgs
        targets = {}
        if backend is not None:
            targets[config.api_hostname] = backend.api_dns_target
        if frontend is not None:
            targets[config.app_hostname] = frontend.dns_target
        edge = Edge("edge", EdgeArgs(
            config=config.edge, stack=config.stack, dns_targets=targets,
            api_hostname=config.api_hostname if backend is not None else None,
            app_hostname=config.app_hostname if frontend is not None else None))

    # Cloudflare health checks probe the public hosts through the edge: they need the zone and an API.
    if config.observability is not None and config.edge is not None and backend is not None:
        from components.observability import EdgeMonitoring, EdgeMonitoringArgs
        monitoring = EdgeMonitoring("observability", EdgeMonitoringArgs(
            zone_id=config.edge.zone_id, stack=config.stack, health_check=config.edge.health_check,
            targets=config.observability, api_hostname=config.api_hostname,
            app_hostname=config.app_hostname if frontend is not None else None))

    # The nightly dump: a Render cron job writing to an R2 bucket of the zone's Cloudflare account.
    backup = None
    if config.backup is not None and database is not None and config.render is not None and config.edge is not None:
        from components.backups import DatabaseBackup, DatabaseBackupArgs
        backup = DatabaseBackup("backup", DatabaseBackupArgs(
            config=config.backup, render=config.render, stack=config.stack, zone_id=config.edge.zone_id,
            database_url=database.backup_url, registry=config.images.registry if config.images is not None else None,
            registry_credential_id=backend.registry_credential_id if backend is not None else None,
            dump_files=database.client_files), opts=tier)

    # Render's notifications: every service of the stack has an alert route (the coverage policy checks it).
    alerting = None
    if config.observability is not None and config.render is not None and (backend or frontend or backup):
        from components.alerting import RenderAlerting, RenderAlertingArgs
        services = dict(backend.service_ids) if backend is not None else {}
        if frontend is not None:
            services["frontend-site"] = frontend.site_id
        if backup is not None:
            services["db-backup"] = backup.job_id
        alerting = RenderAlerting("alerting", RenderAlertingArgs(
            owner_id=config.render.owner_id, alerts=config.observability.alerts, services=services,
            metrics_stream_url=config.observability.metrics_stream_url,
            metrics_stream_provider=config.observability.metrics_stream_provider), opts=tier)

    if config.source_control is not None:
        from components.source_control import SourceControl, SourceControlArgs
        secrets, variables = actions_values(config, database, backend, frontend)
        source_control = SourceControl("source-control", SourceControlArgs(
            config=config.source_control, stack=config.stack, environment=config.environment,
            environment_secrets=secrets, environment_variables=variables))

    return Platform(config=config, images=images, database=database, backend=backend, frontend=frontend, edge=edge,
                    monitoring=monitoring, alerting=alerting, backup=backup, source_control=source_control)


def actions_values(config: StackConfig, database: Optional[Database], backend: Optional[Backend],
                   frontend: Optional[Frontend]) -> tuple[dict, dict]:
    """What the repositories' CI reads from this stack's GitHub environment (secrets, variables) by role.

    frontend: the Vite build variables (the same the Render build gets) and the app URL;
    backend: the API URL its smoke tests call. Only roles that `sourceControl.repositories` lists.
    """
    secrets: dict[str, dict] = {}
    variables: dict[str, dict] = {}
    frontend_vars: dict = {}
    if frontend is not None:
        frontend_vars["APP_URL"] = frontend.url
    if database is not None:
        frontend_vars["VITE_SUPABASE_URL"] = database.supabase_url
        secrets["frontend"] = {"VITE_SUPABASE_ANON_KEY": database.anon_key}
    if backend is not None:
        frontend_vars["VITE_API_URL"] = backend.api_url
        variables["backend"] = {"API_URL": backend.api_url}
    if frontend_vars:
        variables["frontend"] = frontend_vars
    roles = {repo.role for repo in config.source_control.repositories}
    return ({r: v for r, v in secrets.items() if r in roles}, {r: v for r, v in variables.items() if r in roles})

