"""The database tier: Supabase project settings and least-privilege roles per backend service."""
from __future__ import annotations

import ssl
from pathlib import Path
from typing import Optional

from . import constants as c
from .declarative import build, get
from .model import AuthSettings, BackendConfig, DatabaseConfig, DatabaseRole, Tiers
from .reader import Reader

PROJECT_DIR = Path(__file__).resolve().parents[2]  # where Pulumi.yaml is: `database.caCertificate` is relative to it


def build_database(r: Reader, tiers: Tiers, app_hostname: Optional[str],
                   backend: Optional[BackendConfig]) -> Optional[DatabaseConfig]:
    raw = r.obj("database", tiers.database)
    if not tiers.database:
        return None
    auth = get(raw, "auth")
    pitr_days, size = get(raw, "pitrDays"), get(raw, "instanceSize")
    if pitr_days is not None and size is not None and \
            c.SUPABASE_INSTANCE_SIZES.index(size) < c.SUPABASE_INSTANCE_SIZES.index(c.SUPABASE_PITR_MINIMUM_SIZE):
        r.add("database.pitrDays", f"point-in-time recovery needs database.instanceSize "
              f"{c.SUPABASE_PITR_MINIMUM_SIZE} or larger (got {size})")

    site_url = get(auth, "siteUrl") or (f"https://{app_hostname}" if app_hostname else None)
    return build(DatabaseConfig, raw, auth=build(AuthSettings, auth, site_url=site_url),
                 roles=_roles(r, get(raw, "roles") or (), backend, tiers.backend),
                 ca_certificate=_ca_certificate(r, get(raw, "caCertificate"), backend))


def _ca_certificate(r: Reader, path: Optional[str], backend: Optional[BackendConfig]) -> Optional[str]:
    """The PEM text of `database.caCertificate`, checked to be a CA certificate a TLS client can load."""
    if path is None or r.reported("database.caCertificate"):
        return None
    envs = [backend.env, *(s.env for s in backend.services)] if backend is not None else []
    if any(c.DATABASE_CA_FILE in env.secret_files for env in envs):
        r.add("database.caCertificate", f"the services get it as the secret file {c.DATABASE_CA_FILE}, which "
              "backend secret files name too; rename that file")
        return None
    file = PROJECT_DIR / path
    try:
        text = file.read_text()
        if "-----BEGIN CERTIFICATE-----" not in text:  # (an empty cadata raises nothing)
            raise ValueError(path)
        ssl.create_default_context(cadata=text)  # parses every certificate in it; raises on anything else
    except OSError as error:
        r.add("database.caCertificate", f"cannot read {path} ({error.strerror}); download the certificate "
              "(Supabase: Database settings > SSL Configuration) to that path, relative to Pulumi.yaml")
        return None
    except (UnicodeDecodeError, ssl.SSLError, ValueError):
        r.add("database.caCertificate", f"{path} is not a PEM certificate (-----BEGIN CERTIFICATE----- ...); use the "
              "file Supabase's Database settings > SSL Configuration offers")
        return None
    return text


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
            if name in c.POSTGRES_RESERVED_ROLES or name.startswith(c.POSTGRES_RESERVED_ROLE_PREFIXES):
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
        roles.append(build(DatabaseRole, item))
    return tuple(roles)
