"""How the ops tools hand a database URL to libpq programs (pg_dump, pg_restore, psql) and to psycopg.

No secret on a command line: a process's arguments are readable by every user of the machine (``ps``,
/proc/<pid>/cmdline), its environment only by its own user and root, and a passfile is a 0600 file. So
``program_env`` parses the URL (psycopg's ``conninfo_to_dict``, which reads every form libpq accepts) into
libpq's PG* variables and writes the password to a temporary passfile (PGPASSFILE) that is deleted when the
program is done; the URL itself is never an argument.

Verified TLS: with a CA certificate (``ca_file``), the connection is ``sslmode=verify-full`` against that CA,
so the server must prove it is the host the URL names. Without one it is whatever the URL says (the database
tier's URLs say ``sslmode=require``: encrypted, but the server's certificate is not checked).
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping, Optional

# The CA certificate (a PEM file) the ops tools verify the database server with; PGSSLROOTCERT is libpq's own.
CA_ENV = ("BACKUP_DATABASE_CA", "PGSSLROOTCERT")

# libpq's environment variable for each connection parameter (PostgreSQL docs, "libpq Environment Variables").
ENV_OF = {
    "host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "dbname": "PGDATABASE", "user": "PGUSER",
    "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL", "channel_binding": "PGCHANNELBINDING", "gssencmode": "PGGSSENCMODE",
    "connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME", "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS", "client_encoding": "PGCLIENTENCODING",
    "require_auth": "PGREQUIREAUTH", "sslcertmode": "PGSSLCERTMODE", "sslsni": "PGSSLSNI",
    "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION", "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION",
}


class BadConnection(ValueError):
    """The connection settings cannot be used; the message names the setting (never a secret value)."""


def ca_file_from_env(environ: Mapping[str, str] = os.environ) -> Optional[str]:
    """The CA certificate file named by BACKUP_DATABASE_CA (or PGSSLROOTCERT); None when neither is set."""
    for name in CA_ENV:
        if (environ.get(name) or "").strip():
            path = environ[name].strip()
            if not Path(path).is_file():
                raise BadConnection(f"{name}={path} is not a file (the database's CA certificate, PEM)")
            return path
    return None


def tls(ca_file: Optional[str]) -> dict[str, str]:
    """Connection parameters that verify the server's certificate and host name against ``ca_file``."""
    return {"sslmode": "verify-full", "sslrootcert": str(ca_file)} if ca_file else {}


def parameters(url: str, ca_file: Optional[str] = None) -> dict[str, str]:
    """The URL's connection parameters, with verified TLS when ``ca_file`` is given."""
    from psycopg.conninfo import conninfo_to_dict

    found = {key: str(value) for key, value in conninfo_to_dict(url).items() if value is not None}
    return {**found, **tls(ca_file)}


@contextmanager
def program_env(url: str, ca_file: Optional[str] = None,
                base: Optional[Mapping[str, str]] = None) -> Iterator[dict[str, str]]:
    """The environment a libpq program connects to ``url`` with (``base``, default ours, plus the URL's
    parameters). Inherited PG* variables are dropped: the program connects exactly where the URL says."""
    found = parameters(url, ca_file)
    unknown = sorted(set(found) - set(ENV_OF) - {"password"})
    if unknown:  # names only: a value may be a secret
        raise BadConnection(f"the database URL sets {', '.join(unknown)}, which libpq programs cannot take from the "
                         "environment; remove it from the URL")
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("PG")}
    env.update({ENV_OF[key]: value for key, value in found.items() if key in ENV_OF})
    with tempfile.TemporaryDirectory(prefix="libpq-") as directory:  # 0700, removed with its passfile
        if found.get("password"):
            passfile = Path(directory) / "pgpass"
            escaped = found["password"].replace("\\", "\\\\").replace(":", "\\:")
            descriptor = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as out:
                # Any host/port/database/user: the variables above already pin the one connection it is for.
                out.write(f"*:*:*:*:{escaped}\n")
            env["PGPASSFILE"] = str(passfile)
        yield env
