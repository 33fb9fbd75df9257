"""Pulumi resources of the Supabase dynamic provider (types ``pulumi-python:dynamic/supabase:<Name>``).

Typed, keyword-only constructors. Secret inputs are wrapped in ``Output.secret`` here, so no caller can forget it,
and every secret input or generated secret is listed in ``additional_secret_outputs``. How the database component
should create them (protect, ``deleted_with=project``): dynamic_providers/supabase/README.md, "Deletion safety".
Type names are part of the state: never rename these classes or the ``module``.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import pulumi
from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ..core.resource import secret_entries
from .api_keys import ApiKeysProvider
from .backups import PitrAddonProvider
from .branches import BranchProvider
from .edge_secrets import EdgeFunctionSecretsProvider
from .extension import ExtensionProvider
from .project import ProjectProvider
from .settings import (
    AuthConfigProvider,
    NetworkRestrictionsProvider,
    PoolerConfigProvider,
    PostgresConfigProvider,
    SslEnforcementProvider,
)
from .sql_role import SqlRoleProvider


def _props(provider_cls, values: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs (None = unset) plus every output name seeded None so Pulumi exposes it as an attribute."""
    props = {k: v for k, v in values.items()}
    for name in provider_cls.output_names:
        props.setdefault(name, None)
    for name, spec in provider_cls.fields.items():
        if spec.secret and props.get(name) is not None:
            props[name] = Output.secret(props[name])
        elif spec.secret_entries and props.get(name) is not None:
            props[name] = secret_entries(props[name])  # keys shown in a plan, values masked
    return props


def _opts(provider_cls, opts: Optional[ResourceOptions]) -> ResourceOptions:
    return ResourceOptions.merge(opts, ResourceOptions(additional_secret_outputs=provider_cls.secret_names()))


class Project(Resource, module="supabase", name="Project"):
    """A Supabase project. ``id`` and ``ref`` are the project ref."""

    ref: Output[str]
    status: Output[str]
    database_host: Output[str]
    database_version: Output[str]
    postgres_engine: Output[str]
    api_url: Output[Optional[str]]
    database_url: Output[str]  # secret
    created_at: Output[str]
    backups: Output[dict]  # {pitr_enabled, walg_enabled, backup_count, latest_backup_at, latest_backup_status, pitr_days}
    instance_size: Output[Optional[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        organization_slug: Input[str],
        name: Input[str],
        region: Input[str],
        db_password: Input[str],
        instance_size: Optional[Input[str]] = None,
        adopt: bool = False,
        project_ref: Optional[Input[str]] = None,
        health_services: Optional[Sequence[str]] = None,
        wait_timeout_seconds: Optional[int] = None,
        poll_interval_seconds: Optional[float] = None,
        opts: Optional[ResourceOptions] = None,
    ) -> None:
        super().__init__(ProjectProvider(), resource_name, _props(ProjectProvider, {
            "organization_slug": organization_slug, "name": name, "region": region,
            "db_password": db_password, "instance_size": instance_size, "adopt": adopt, "project_ref": project_ref,
            "health_services": list(health_services) if health_services is not None else None,
            "wait_timeout_seconds": wait_timeout_seconds, "poll_interval_seconds": poll_interval_seconds,
        }), _opts(ProjectProvider, opts))


def _branch(branch: bool) -> dict[str, Any]:
    """``branch`` only when set: a project's resource carries no such input (its state never changes)."""
    return {"branch": True} if branch else {}


def _wait(wait_timeout_seconds, poll_interval_seconds) -> dict[str, Any]:
    return {"wait_timeout_seconds": wait_timeout_seconds, "poll_interval_seconds": poll_interval_seconds}


class PostgresConfig(Resource, module="supabase", name="PostgresConfig"):
    """Postgres parameter overrides (``settings`` keys are the parameter names, e.g. max_connections)."""

    overrides: Output[dict]

    def __init__(self, resource_name: str, *, project_ref: Input[str], settings: Mapping[str, Input[Any]],
                 restart_database: bool = False, wait_timeout_seconds: Optional[int] = None,
                 poll_interval_seconds: Optional[float] = None, opts: Optional[ResourceOptions] = None) -> None:
        unknown = set(settings) - set(PostgresConfigProvider.fields)
        if unknown:
            raise ValueError(f"PostgresConfig {resource_name}: unknown Postgres parameter(s) {sorted(unknown)}")
        super().__init__(PostgresConfigProvider(), resource_name, _props(PostgresConfigProvider, {
            "project_ref": project_ref, **settings, "restart_database": restart_database,
            **_wait(wait_timeout_seconds, poll_interval_seconds)}), _opts(PostgresConfigProvider, opts))


class PoolerConfig(Resource, module="supabase", name="PoolerConfig"):
    """Supavisor settings of the primary database; outputs its connection details (no password)."""

    connection_string: Output[str]
    db_host: Output[str]
    db_port: Output[int]
    db_user: Output[str]
    db_name: Output[str]
    max_client_conn: Output[Optional[int]]

    def __init__(self, resource_name: str, *, project_ref: Input[str], pool_mode: Optional[Input[str]] = None,
                 default_pool_size: Optional[Input[int]] = None, wait_timeout_seconds: Optional[int] = None,
                 poll_interval_seconds: Optional[float] = None, opts: Optional[ResourceOptions] = None) -> None:
        super().__init__(PoolerConfigProvider(), resource_name, _props(PoolerConfigProvider, {
            "project_ref": project_ref, "pool_mode": pool_mode, "default_pool_size": default_pool_size,
            **_wait(wait_timeout_seconds, poll_interval_seconds)}), _opts(PoolerConfigProvider, opts))


class NetworkRestrictions(Resource, module="supabase", name="NetworkRestrictions"):
    """Allow-lists of client networks for the database (compared as sets, canonical CIDR text)."""

    status: Output[str]
    entitlement: Output[str]

    def __init__(self, resource_name: str, *, project_ref: Input[str],
                 db_allowed_cidrs: Optional[Input[Sequence[Input[str]]]] = None,
                 db_allowed_cidrs_v6: Optional[Input[Sequence[Input[str]]]] = None,
                 wait_timeout_seconds: Optional[int] = None, poll_interval_seconds: Optional[float] = None,
                 opts: Optional[ResourceOptions] = None) -> None:
        super().__init__(NetworkRestrictionsProvider(), resource_name, _props(NetworkRestrictionsProvider, {
            "project_ref": project_ref, "db_allowed_cidrs": db_allowed_cidrs,
            "db_allowed_cidrs_v6": db_allowed_cidrs_v6,
            **_wait(wait_timeout_seconds, poll_interval_seconds)}), _opts(NetworkRestrictionsProvider, opts))


class SslEnforcement(Resource, module="supabase", name="SslEnforcement"):
    """Whether the database rejects non-SSL connections (applying it restarts Postgres)."""

    applied_successfully: Output[bool]

    def __init__(self, resource_name: str, *, project_ref: Input[str], enforced: Input[bool],
                 wait_timeout_seconds: Optional[int] = None, poll_interval_seconds: Optional[float] = None,
                 opts: Optional[ResourceOptions] = None) -> None:
        super().__init__(SslEnforcementProvider(), resource_name, _props(SslEnforcementProvider, {
            "project_ref": project_ref, "enforced": enforced,
            **_wait(wait_timeout_seconds, poll_interval_seconds)}), _opts(SslEnforcementProvider, opts))


class AuthConfig(Resource, module="supabase", name="AuthConfig"):
    """Supabase Auth settings. ``smtp``: {admin_email, host, port, user, sender_name, max_frequency};
    ``providers``: {github: {enabled, client_id}, ...}; secrets go in the secret inputs
    ``smtp_password`` and ``provider_secrets`` ({github: "..."}) and are compared by hash."""

    def __init__(self, resource_name: str, *, project_ref: Input[str], site_url: Optional[Input[str]] = None,
                 redirect_urls: Optional[Input[Sequence[Input[str]]]] = None,
                 jwt_expiry: Optional[Input[int]] = None, disable_signup: Optional[Input[bool]] = None,
                 email_signup_enabled: Optional[Input[bool]] = None,
                 email_autoconfirm: Optional[Input[bool]] = None,
                 anonymous_sign_ins_enabled: Optional[Input[bool]] = None,
                 password_min_length: Optional[Input[int]] = None,
                 mfa_totp_enroll_enabled: Optional[Input[bool]] = None,
                 mfa_totp_verify_enabled: Optional[Input[bool]] = None,
                 mfa_max_enrolled_factors: Optional[Input[int]] = None,
                 smtp: Optional[Input[Mapping[str, Any]]] = None, smtp_password: Optional[Input[str]] = None,
                 providers: Optional[Input[Mapping[str, Mapping[str, Any]]]] = None,
                 provider_secrets: Optional[Input[Mapping[str, Input[str]]]] = None,
                 wait_timeout_seconds: Optional[int] = None, poll_interval_seconds: Optional[float] = None,
                 opts: Optional[ResourceOptions] = None) -> None:
        super().__init__(AuthConfigProvider(), resource_name, _props(AuthConfigProvider, {
            "project_ref": project_ref, "site_url": site_url, "redirect_urls": redirect_urls,
            "jwt_expiry": jwt_expiry, "disable_signup": disable_signup,
            "email_signup_enabled": email_signup_enabled, "email_autoconfirm": email_autoconfirm,
            "anonymous_sign_ins_enabled": anonymous_sign_ins_enabled, "password_min_length": password_min_length,
            "mfa_totp_enroll_enabled": mfa_totp_enroll_enabled, "mfa_totp_verify_enabled": mfa_totp_verify_enabled,
            "mfa_max_enrolled_factors": mfa_max_enrolled_factors,
            "smtp": smtp, "smtp_password": smtp_password, "providers": providers,
            "provider_secrets": provider_secrets,
            **_wait(wait_timeout_seconds, poll_interval_seconds)}), _opts(AuthConfigProvider, opts))


class EdgeFunctionSecrets(Resource, module="supabase", name="EdgeFunctionSecrets"):
    """Edge Function secrets ``{NAME: value}`` (secret input; drift detected by SHA-256 digest)."""

    names: Output[list]

    def __init__(self, resource_name: str, *, project_ref: Input[str], secrets: Input[Mapping[str, Input[str]]],
                 wait_timeout_seconds: Optional[int] = None, poll_interval_seconds: Optional[float] = None,
                 opts: Optional[ResourceOptions] = None) -> None:
        super().__init__(EdgeFunctionSecretsProvider(), resource_name, _props(EdgeFunctionSecretsProvider, {
            "project_ref": project_ref, "secrets": secrets,
            **_wait(wait_timeout_seconds, poll_interval_seconds)}), _opts(EdgeFunctionSecretsProvider, opts))


class ApiKeys(Resource, module="supabase", name="ApiKeys"):
    """The project's API keys as secret outputs, plus optional named secret keys (one per service)."""

    anon_key: Output[Optional[str]]
    service_role_key: Output[Optional[str]]
    publishable_key: Output[Optional[str]]
    secret_key: Output[Optional[str]]
    secret_keys: Output[dict]
    secret_key_ids: Output[dict]

    def __init__(self, resource_name: str, *, project_ref: Input[str],
                 secret_key_names: Optional[Sequence[str]] = None, wait_timeout_seconds: Optional[int] = None,
                 poll_interval_seconds: Optional[float] = None, opts: Optional[ResourceOptions] = None) -> None:
        super().__init__(ApiKeysProvider(), resource_name, _props(ApiKeysProvider, {
            "project_ref": project_ref,
            "secret_key_names": list(secret_key_names) if secret_key_names is not None else None,
            **_wait(wait_timeout_seconds, poll_interval_seconds)}), _opts(ApiKeysProvider, opts))


class SqlRole(Resource, module="supabase", name="SqlRole"):
    """A least-privilege Postgres role with exactly the declared grants, e.g.
    ``grants=[{"on": "schema", "schema": "public", "privileges": ["USAGE"]},
    {"on": "table", "schema": "public", "objects": ["orders"], "privileges": ["SELECT", "INSERT"]}]``;
    ``{"on": "all_tables", "schema": "public", "privileges": ["SELECT"]}`` covers every table of the
    schema, existing and created later (by ``owner``, default ``postgres``); with INSERT also USAGE
    on the schema's sequences (``"sequences": False`` opts out). ``bypass_rls=True`` (BYPASSRLS) only for a role
    that must read every row despite row-level security, i.e. the backup's. ``branch=True``: ``project_ref`` is a
    preview branch's ref (readiness from ``GET /v1/branches/{ref}``)."""

    granted: Output[list]

    def __init__(self, resource_name: str, *, project_ref: Input[str], name: Input[str],
                 password: Optional[Input[str]] = None, login: bool = True, connection_limit: int = -1,
                 grants: Optional[Input[Sequence[Mapping[str, Any]]]] = None, bypass_rls: bool = False,
                 adopt: bool = False, branch: bool = False,
                 wait_timeout_seconds: Optional[int] = None, poll_interval_seconds: Optional[float] = None,
                 opts: Optional[ResourceOptions] = None) -> None:
        super().__init__(SqlRoleProvider(), resource_name, _props(SqlRoleProvider, {
            "project_ref": project_ref, "name": name, "password": password, "login": login,
            "connection_limit": connection_limit, "grants": grants, "bypass_rls": bypass_rls, "adopt": adopt,
            **_branch(branch), **_wait(wait_timeout_seconds, poll_interval_seconds)}), _opts(SqlRoleProvider, opts))


class Extension(Resource, module="supabase", name="Extension"):
    """A Postgres extension (``CREATE EXTENSION IF NOT EXISTS``); pre-existing ones are never dropped.
    ``branch=True``: ``project_ref`` is a preview branch's ref."""

    installed_version: Output[str]
    pre_existing: Output[bool]

    def __init__(self, resource_name: str, *, project_ref: Input[str], name: Input[str],
                 schema: Optional[Input[str]] = None, version: Optional[Input[str]] = None, branch: bool = False,
                 wait_timeout_seconds: Optional[int] = None, poll_interval_seconds: Optional[float] = None,
                 opts: Optional[ResourceOptions] = None) -> None:
        super().__init__(ExtensionProvider(), resource_name, _props(ExtensionProvider, {
            "project_ref": project_ref, "name": name, "schema": schema, "version": version, **_branch(branch),
            **_wait(wait_timeout_seconds, poll_interval_seconds)}), _opts(ExtensionProvider, opts))


__all__ = ["Branch", "Project", "PostgresConfig", "PoolerConfig", "NetworkRestrictions", "SslEnforcement", "AuthConfig",
           "EdgeFunctionSecrets", "ApiKeys", "SqlRole", "Extension"]


class PitrAddon(Resource, module="supabase", name="PitrAddon"):
    """Point-in-time recovery of a project (the billing add-on ``pitr_<days>``); deleting it turns PITR off."""

    pitr_enabled: Output[Optional[bool]]

    def __init__(self, resource_name: str, *, project_ref: Input[str], days: Input[int],
                 wait_timeout_seconds: Optional[int] = None, poll_interval_seconds: Optional[float] = None,
                 opts: Optional[ResourceOptions] = None) -> None:
        super().__init__(PitrAddonProvider(), resource_name, _props(PitrAddonProvider, {
            "project_ref": project_ref, "days": days, **_wait(wait_timeout_seconds, poll_interval_seconds)}),
            _opts(PitrAddonProvider, opts))


class Branch(Resource, module="supabase", name="Branch"):
    """A Supabase branch of ``parent_project_ref`` with its own ref and database (``id`` = the branch's ref).
    ``db_password`` and ``jwt_secret`` are secret outputs."""

    branch_id: Output[str]
    project_ref: Output[str]
    status: Output[str]
    db_host: Output[str]
    db_port: Output[int]
    db_user: Output[str]
    db_password: Output[str]  # secret
    jwt_secret: Output[str]  # secret

    def __init__(self, resource_name: str, *, parent_project_ref: Input[str], name: Input[str],
                 git_branch: Optional[Input[str]] = None, persistent: Optional[Input[bool]] = None,
                 region: Optional[Input[str]] = None, desired_instance_size: Optional[Input[str]] = None,
                 with_data: Optional[Input[bool]] = None, adopt: Optional[bool] = None,
                 wait_timeout_seconds: Optional[int] = None, poll_interval_seconds: Optional[float] = None,
                 opts: Optional[ResourceOptions] = None) -> None:
        super().__init__(BranchProvider(), resource_name, _props(BranchProvider, {
            "parent_project_ref": parent_project_ref, "name": name, "git_branch": git_branch,
            "persistent": persistent, "region": region, "desired_instance_size": desired_instance_size,
            "with_data": with_data, "adopt": adopt, **_wait(wait_timeout_seconds, poll_interval_seconds)}),
            _opts(BranchProvider, opts))
