"""The database tier: Supabase project settings and least-privilege roles per backend service."""
from __future__ import annotations

from typing import Optional

from . import constants as c
from .fields import get
from .model import AuthSettings, BackendConfig, DatabaseConfig, DatabaseRole, PoolerSettings, PostgresSettings, Tiers
from .reader import Reader


def build_database(r: Reader, tiers: Tiers, environment: Optional[str], app_hostname: Optional[str],
                   backend: Optional[BackendConfig]) -> Optional[DatabaseConfig]:
    raw = r.obj("database", tiers.database)
    if not tiers.database:
        return None
    postgres = get(raw, "postgres")
    pooler = get(raw, "pooler")
    auth = get(raw, "auth")
    protected = get(raw, "deletionProtection")
    if environment == "production":
        if protected is False:
            r.add("database.deletionProtection", "must be true in production (the database holds every "
                  "purchase order; deleting or replacing it must need an explicit unprotect first)")
        if get(raw, "enforceSsl") is False:
            r.add("database.enforceSsl", "must be true in production")

    site_url = get(auth, "siteUrl") or (f"https://{app_hostname}" if app_hostname else None)
    return DatabaseConfig(
        organization_slug=get(raw, "organizationSlug"),
        region=get(raw, "region"),
        instance_size=get(raw, "instanceSize"),
        postgres=PostgresSettings(get(postgres, "statementTimeout"), get(postgres, "maxConnections"),
                                  get(postgres, "workMem")),
        pooler=PoolerSettings(get(pooler, "mode"), get(pooler, "defaultPoolSize")),
        network_restrictions=tuple(x for x in get(raw, "networkRestrictions") or () if x is not None),
        enforce_ssl=get(raw, "enforceSsl"),
        auth=AuthSettings(site_url=site_url, redirect_urls=tuple(get(auth, "redirectUrls") or ()),
                          jwt_expiry_seconds=get(auth, "jwtExpirySeconds"), disable_signup=get(auth, "disableSignup"),
                          password_min_length=get(auth, "passwordMinLength"), mfa_totp=get(auth, "mfaTotp")),
        roles=_roles(r, get(raw, "roles") or (), backend, tiers.backend),
        extensions=tuple(x for x in get(raw, "extensions") or () if x is not None),
        deletion_protection=protected,
    )


def _roles(r: Reader, items, backend: Optional[BackendConfig], backend_on: bool) -> tuple[DatabaseRole, ...]:
    roles: list[DatabaseRole] = []
    names: set[str] = set()
    services: set[str] = set()
    # No services parsed (the backend value itself is broken): that is already reported; checking
    # roles against nothing would only repeat it.
    # A service with an invalid name (reported already) leaves the list incomplete: no check either.
    known = {s.name for s in backend.services} \
        if backend is not None and backend.services and all(s.name for s in backend.services) else None
    for i, item in enumerate(items):
        if item is None:
            continue
        path = f"database.roles[{i}]"
        name, service = item["name"], item["service"]
        if name is not None:
            if name in c.POSTGRES_RESERVED_ROLES or name.startswith(("pg_", "supabase_")):
                r.add(f"{path}.name", f"'{name}' is a role Postgres or Supabase owns; pick a name of your own")
            elif name in names:
                r.add(f"{path}.name", f"duplicate role '{name}'")
            names.add(name)
        if service is not None:
            if not backend_on:
                r.add(f"{path}.service", f"names backend service '{service}', but tiers.backend is off: no service "
                      "would log in as this role; remove the role or switch the backend tier on")
            elif known is not None and service not in known:
                r.add(f"{path}.service", f"no backend service named '{service}' "
                      f"(services: {', '.join(sorted(known)) or 'none'})")
            elif service in services:
                r.add(f"{path}.service", f"'{service}' already has a role; one least-privilege role per service")
            services.add(service)
        roles.append(DatabaseRole(name=name, service=service, privileges=tuple(item["privileges"] or ()),
                                  schemas=tuple(item["schemas"] or ())))
    return tuple(roles)
