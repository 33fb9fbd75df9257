"""Database tier: the Supabase project, its settings, API keys, and one least-privilege role per service.

The project and its password take `protect` (and `retain_on_delete`) from `database.deletionProtection`; the
settings are `deleted_with` it. Children, connection URLs (pooler with TLS) and role privileges:
components/README.md, "database.py".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence
from urllib.parse import quote

import pulumi
from pulumi import Output, ResourceOptions

from components import naming
from components.config import DatabaseConfig, DatabaseRole
from components.config.build_backup import BACKUP_ROLE
from components.config.constants import DATABASE_CA_FILE, RENDER_SECRET_FILES_DIR
from dynamic_providers import supabase
from dynamic_providers.random_password import RandomPassword

PASSWORD_LENGTH = 32  # letters and digits only (RandomPassword's default): safe in URLs and SQL
ALLOW_ALL_V4 = "0.0.0.0/0"
ALLOW_ALL_V6 = "::/0"
# The Supabase pooler names its user `postgres.<project ref>`; a role logs in as `<role>.<ref>`.
POOLER_SUPERUSER = "postgres"
SESSION_POOLER_PORT = 5432  # Supavisor session mode on the pooler host (transaction mode: 6543)


@dataclass(frozen=True, kw_only=True)
class DatabaseArgs:
    config: DatabaseConfig
    """The stack's `database` config: organization, region, size, settings, roles, extensions, protection."""

    stack: str
    """Stack name, for physical names (`procurement-<stack>-database`)."""

    services: tuple[str, ...] = field(default=())
    """Backend services that get a named Supabase secret key each (`backend_<service>`); empty when the
    backend tier is off."""

    backup_schemas: tuple[str, ...] = field(default=())
    """Schemas the nightly backup dumps (`backup.schemas`); non-empty: declare its read-only role `backup_reader`
    and its URL `backup_url`. Empty: no backup, no role."""


class Database(pulumi.ComponentResource):
    """The Supabase project and everything configured on it (``procurement:database:Database``)."""

    project_ref: Output[str]
    """The project's ref (its id in the Management API)."""
    supabase_url: Output[Optional[str]]
    """`https://<ref>.supabase.co`: where clients reach Supabase's APIs (auth, REST, storage)."""
    anon_key: Output[Optional[str]]
    """Public anon key (secret output all the same: it is a credential, even if browsers carry it)."""
    service_role_key: Output[Optional[str]]
    """Service-role key (secret). Not handed to any service: each service has its own named key."""
    service_keys: dict[str, Output[Optional[str]]]
    """Backend service -> its named secret key (secret)."""
    database_urls: dict[str, Output[Optional[str]]]
    """Backend service -> pooled connection URL of its role (secret)."""
    role_names: dict[str, str]
    """Backend service -> Postgres role it logs in as."""
    backup_url: Optional[Output[Optional[str]]]
    """Secret: session-pooler URL of the read-only `backup_reader` role (None without `backup_schemas`)."""

    def __init__(self, name: str, args: DatabaseArgs, opts: Optional[ResourceOptions] = None) -> None:
        super().__init__("procurement:database:Database", name, None, opts)
        cfg = args.config
        protect = bool(cfg.deletion_protection)

        password = RandomPassword(f"{name}-password", length=PASSWORD_LENGTH,
                                  opts=ResourceOptions(parent=self, protect=protect))
        project = supabase.Project(
            f"{name}-project",
            organization_slug=cfg.organization_slug,
            name=naming.physical_name(args.stack, "database", naming.SUPABASE_PROJECT),
            region=cfg.region,
            instance_size=cfg.instance_size,
            db_password=password.result,
            # A restore's project (`database.projectRef`): adopted instead of creating one (docs/how-to/restore-the-database.md).
            project_ref=cfg.project_ref,
            opts=ResourceOptions(parent=self, protect=protect, retain_on_delete=protect),
        )
        ref = project.id
        # Settings die with the project: no calls for them when it is torn down.
        setting = ResourceOptions(parent=self, deleted_with=project)

        restarts = []  # settings that may restart Postgres: roles and extensions wait for them
        # Declared even without parameters: removing the last one must reach the provider's diff
        # (restore the earlier value, or warn that the API cannot reset it), not delete the resource.
        restarts.append(supabase.PostgresConfig(f"{name}-postgres", project_ref=ref,
                                                settings=_postgres_parameters(cfg), opts=setting))
        pooler = supabase.PoolerConfig(f"{name}-pooler", project_ref=ref, pool_mode=cfg.pooler.mode,
                                       default_pool_size=cfg.pooler.default_pool_size, opts=setting)
        v4, v6 = _allowed_networks(cfg)
        supabase.NetworkRestrictions(f"{name}-network", project_ref=ref, db_allowed_cidrs=v4, db_allowed_cidrs_v6=v6,
                                     opts=setting)
        restarts.append(supabase.SslEnforcement(f"{name}-ssl", project_ref=ref, enforced=bool(cfg.enforce_ssl),
                                                opts=setting))
        auth = cfg.auth
        supabase.AuthConfig(
            f"{name}-auth", project_ref=ref, site_url=auth.site_url, redirect_urls=list(auth.redirect_urls),
            jwt_expiry=auth.jwt_expiry_seconds, disable_signup=auth.disable_signup,
            password_min_length=auth.password_min_length,
            # `mfaTotp`: users may enrol TOTP factors and are challenged for them; off = both off.
            mfa_totp_enroll_enabled=bool(auth.mfa_totp), mfa_totp_verify_enabled=bool(auth.mfa_totp),
            opts=setting)
        if cfg.pitr_days is not None:
            # Point-in-time recovery is the billing add-on; removing database.pitrDays deletes it (PITR off).
            supabase.PitrAddon(f"{name}-pitr", project_ref=ref, days=cfg.pitr_days,
                               opts=ResourceOptions(parent=self, deleted_with=project, depends_on=restarts))
        key_names = {service: service_key_name(service) for service in args.services}
        keys = supabase.ApiKeys(f"{name}-api-keys", project_ref=ref, secret_key_names=sorted(key_names.values()),
                                opts=setting)

        extensions, roles = declare_extensions_and_roles(self, name, cfg, ref, database=project, after=restarts)
        self.role_names = {role.service: role.name for role, _ in roles}
        self.database_urls = {
            role.service: Output.secret(
                Output.all(pooler.db_host, pooler.db_port, pooler.db_user, pooler.db_name, password)
                .apply(lambda v, role=role: connection_url(host=v[0], port=v[1], pooler_user=v[2], database=v[3],
                                                           role=role.name, password=v[4],
                                                           require_ssl=bool(cfg.enforce_ssl), ca_path=ca_path(cfg))))
            for role, password in roles}

        self.project_ref = ref
        self.client_files = client_files(cfg)
        # The backup job's own role: it reads every table and sequence of the dumped schemas and can change
        # nothing, so the job never holds the `postgres` password. BYPASSRLS: pg_dump refuses a table with RLS
        # enabled (Supabase's `public` tables usually are) unless the role bypasses it; it still reads only.
        # Through the pooler's session mode (port 5432
        # of the pooler host): what pg_dump needs (one session) from a host without IPv6, such as a Render cron job.
        self.backup_url = None
        if args.backup_schemas:
            backup_password = RandomPassword(f"{name}-role-{BACKUP_ROLE}-password", length=PASSWORD_LENGTH,
                                             opts=ResourceOptions(parent=self))
            supabase.SqlRole(f"{name}-role-{BACKUP_ROLE}", project_ref=ref, name=BACKUP_ROLE,
                             password=backup_password.result, login=True, grants=backup_grants(args.backup_schemas),
                             bypass_rls=True,
                             opts=ResourceOptions(parent=self, depends_on=[*restarts, *extensions]))
            self.backup_url = Output.secret(
                Output.all(pooler.db_host, pooler.db_user, pooler.db_name, backup_password.result)
                .apply(lambda v: connection_url(host=v[0], port=SESSION_POOLER_PORT, pooler_user=v[1], database=v[2],
                                                role=BACKUP_ROLE, password=v[3], require_ssl=bool(cfg.enforce_ssl),
                                                ca_path=ca_path(cfg))))
        # From the ref alone: Supabase serves every project at https://<ref>.supabase.co. (The
        # provider's `api_url` is absent when the database host is not db.<ref>.supabase.co, as in
        # the sandbox, and an absent output reads as unknown in every later preview.)
        self.supabase_url = ref.apply(supabase_url)
        self.anon_key = Output.secret(keys.anon_key)
        self.service_role_key = Output.secret(keys.service_role_key)
        self.service_keys = {
            service: Output.secret(keys.secret_keys.apply(lambda found, key=key: (found or {}).get(key)))
            for service, key in key_names.items()
        }
        self.register_outputs({
            "project_ref": self.project_ref,
            "supabase_url": self.supabase_url,
            "anon_key": self.anon_key,
            "service_role_key": self.service_role_key,
            "service_keys": self.service_keys,
            "database_urls": self.database_urls,
            "role_names": self.role_names,
            "backup_url": self.backup_url,
        })


def declare_extensions_and_roles(owner: pulumi.Resource, name: str, cfg: DatabaseConfig, ref: Output[str], *,
                                 database: pulumi.Resource, after: Sequence[pulumi.Resource] = (),
                                 branch: bool = False) -> tuple[list[supabase.Extension],
                                                                list[tuple[DatabaseRole, Output[str]]]]:
    """`database.extensions` and `database.roles` on the database of `ref` (a project, or with `branch` a preview
    branch), children of `owner` after `after`: the extensions, and each role with its generated password.

    Extensions, and then roles, are created in parallel: the providers retry the catalog races concurrent CREATE
    EXTENSION/SCHEMA and GRANTs run into ("tuple concurrently updated", unique violations;
    tests/dynamic_providers/supabase/test_supabase_sql_concurrency.py). An extension dies with `database` (re-creating
    it converges); a role does not, see below."""
    extensions = [supabase.Extension(f"{name}-extension-{ext}", project_ref=ref, name=ext, branch=branch,
                                     opts=ResourceOptions(parent=owner, deleted_with=database, depends_on=list(after)))
                  for ext in cfg.extensions]
    roles = []
    for role in cfg.roles:
        password = RandomPassword(f"{name}-role-{role.name}-password", length=PASSWORD_LENGTH,
                                  opts=ResourceOptions(parent=owner))
        # After the extensions: a role's schemas may be ones an extension creates. Not `deleted_with`
        # the database, unlike the settings: a role is found by its name, so if the database's delete
        # is interrupted or fails, a role the state had already forgotten would block every later
        # `up` ("already exists"). Destroy drops the roles first (one query each), then the database.
        supabase.SqlRole(f"{name}-role-{role.name}", project_ref=ref, name=role.name, password=password.result,
                         login=True, grants=role_grants(role), branch=branch,
                         opts=ResourceOptions(parent=owner, depends_on=[*after, *extensions]))
        roles.append((role, password.result))
    return extensions, roles


def client_files(cfg: DatabaseConfig) -> dict[str, str]:
    """The files the database URLs' consumers need beside them (Render secret files): the CA they verify the
    server with, when `database.caCertificate` is configured."""
    return {DATABASE_CA_FILE: cfg.ca_certificate} if cfg.ca_certificate else {}


def service_key_name(service: str) -> str:
    """Name of a backend service's own Supabase secret key: `backend_<service>` (API: ^[a-z_][a-z0-9_]+$)."""
    return "backend_" + service.replace("-", "_")


def role_grants(role: DatabaseRole) -> list[dict[str, Any]]:
    """What the role is granted: connecting to the database, using its schemas, and its table
    privileges on every table of those schemas (existing and created later)."""
    return [{"on": "database", "privileges": ["CONNECT"]},
            *({"on": "schema", "schema": schema, "privileges": ["USAGE"]} for schema in role.schemas),
            *({"on": "all_tables", "schema": schema, "privileges": list(role.privileges)} for schema in role.schemas)]


def backup_grants(schemas: tuple[str, ...]) -> list[dict[str, Any]]:
    """What pg_dump needs and nothing more: connect, use the schemas, read every table (present and future) and
    every sequence's value (pg_dump reads last_value, which needs SELECT)."""
    return [{"on": "database", "privileges": ["CONNECT"]},
            *({"on": "schema", "schema": schema, "privileges": ["USAGE"]} for schema in schemas),
            *({"on": "all_tables", "schema": schema, "privileges": ["SELECT"]} for schema in schemas),
            *({"on": "all_sequences", "schema": schema, "privileges": ["SELECT"]} for schema in schemas)]


def supabase_url(ref: Optional[str]) -> Optional[str]:
    """`https://<ref>.supabase.co`, where Supabase serves a project's APIs."""
    return f"https://{ref}.supabase.co" if ref else None


def connection_url(*, host: Optional[str], port: Any, pooler_user: Optional[str], database: Optional[str],
                   role: str, password: Optional[str], require_ssl: bool,
                   ca_path: Optional[str] = None) -> Optional[str]:
    """`postgresql://<user>:<password>@<host>:<port>/<db>` of `role` through the pooler.

    With `ca_path` (where the consumer finds `database.caCertificate`) TLS verifies the server's certificate
    and host name (`sslmode=verify-full`, as Supabase documents for its pooler); else `require_ssl` makes it
    `sslmode=require` (encrypted, the server unverified). None while the pooler has not reported its address
    (never a half-made URL).
    """
    if not host or not port or not password:
        return None
    user = role
    if pooler_user and pooler_user.startswith(POOLER_SUPERUSER + "."):
        user = role + pooler_user[len(POOLER_SUPERUSER):]  # `postgres.<ref>` -> `<role>.<ref>`
    url = f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{int(port)}/{database or 'postgres'}"
    if ca_path:
        return url + f"?sslmode=verify-full&sslrootcert={quote(ca_path, safe='/')}"
    return url + "?sslmode=require" if require_ssl else url


def ca_path(cfg: DatabaseConfig) -> Optional[str]:
    """Where the Render services and the backup job find `database.caCertificate`: Render mounts it there as
    the secret file DATABASE_CA_FILE (components/backend.py, components/backups.py). None: not configured."""
    return f"{RENDER_SECRET_FILES_DIR}/{DATABASE_CA_FILE}" if cfg.ca_certificate else None


def _postgres_parameters(cfg: DatabaseConfig) -> dict[str, Any]:
    values = {"statement_timeout": cfg.postgres.statement_timeout, "max_connections": cfg.postgres.max_connections,
              "work_mem": cfg.postgres.work_mem}
    return {key: value for key, value in values.items() if value is not None}


def _allowed_networks(cfg: DatabaseConfig) -> tuple[list[str], list[str]]:
    if not cfg.network_restrictions:
        return [ALLOW_ALL_V4], [ALLOW_ALL_V6]  # config: empty list = anywhere
    # Only the listed networks: an IPv4-only list admits no IPv6 client.
    return sorted(cfg.ipv4_cidrs), sorted(cfg.ipv6_cidrs)
