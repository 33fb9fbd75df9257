"""A project's database as Supabase's Postgres image makes it: roles, schemas, privileges, extensions.

``tools.sandbox.postgres`` clones every project's server from one ``initdb`` template. This module turns that template
into the image once (``initialise_template``): it preloads ``pg_stat_statements`` (as the platform does), starts
the template's server once, runs ``image.sql`` (our own SQL; its header cites the Supabase sources each fact
comes from) and stops it. A clone then only needs its own secrets (``clone_bootstrap_sql``): the sandbox's admin
password for ``supabase_admin``; ``postgres`` gets the project's ``db_pass`` once the server runs.

A stamp file in the template records which version of the image it holds, so a template made by older code
(or kept across runs) is rebuilt rather than reused.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..postgres import PostgresHarness

SQL_FILE = Path(__file__).with_name("image.sql")
STAMP_FILE = ".supabase-image"
# Supabase preloads pg_stat_statements (and extensions Debian lacks: pgaudit, pg_cron, pg_net, pgsodium,
# supautils ...; supabase/postgres ansible/files/postgresql_config/postgresql.conf.j2).
SERVER_CONF = "\n# Supabase image (tools/sandbox/supabase/image.py)\nshared_preload_libraries = 'pg_stat_statements'\n"
ADMIN_ROLE = "supabase_admin"  # initdb's bootstrap superuser: the platform's own admin role


def _version() -> str:
    return hashlib.sha256((SQL_FILE.read_text() + SERVER_CONF).encode()).hexdigest()[:16]


def is_current(template: Path) -> bool:
    """Whether ``template`` already holds this version of the image."""
    stamp = template / STAMP_FILE
    return stamp.exists() and stamp.read_text().strip() == _version()


def initialise_template(harness: "PostgresHarness", template: Path) -> None:
    """Make the freshly ``initdb``'d ``template`` (trust auth, not running) a Supabase project database."""
    from ..postgres import PostgresInstance, PostgresUnavailable, _chown_tree, free_port

    with open(template / "postgresql.conf", "a") as conf:
        conf.write(SERVER_CONF)
    server = PostgresInstance(harness, template, free_port(), admin_password="")
    server.start()
    try:
        with server.admin_connect(autocommit=True) as conn:  # trust: the template never listens with a password
            conn.execute(SQL_FILE.read_text())
    except Exception as error:
        raise PostgresUnavailable(f"initialising the Supabase image in {template} failed: {error}") from error
    finally:
        # A clean shutdown (checkpoint) so no clone has to replay the image's WAL at its first start.
        harness.run("pg_ctl", "-D", str(template), "-m", "fast", "-w", "stop")
        server.process_started = False
    (template / "server.log").unlink(missing_ok=True)
    (template / STAMP_FILE).write_text(_version() + "\n")
    _chown_tree(template, harness.user)


def clone_bootstrap_sql(admin_password: str) -> str:
    """Single-user-mode input that gives a fresh clone its own admin password (one statement per line)."""
    from ..postgres import password_verifier

    escaped = password_verifier(admin_password).replace("'", "''")  # base64 and '$:': nothing to escape, but safe
    return f"ALTER ROLE {ADMIN_ROLE} WITH PASSWORD '{escaped}';\n"
