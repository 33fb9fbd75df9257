"""Real Postgres behind every emulated Supabase project.

Each Supabase project is its own Postgres server on loopback, as on the real platform: the ``postgres`` role's
password is the project's ``db_pass`` and roles are per project, which a single shared server could not offer
(a role's password is cluster-wide). To keep that cheap, ``PostgresHarness`` runs ``initdb`` once into a
template directory; each project's server is a copy of the template (~40 MB, tens of milliseconds) started on
a free port (about 0.1 s).

Debian's binaries are found under ``/usr/lib/postgresql/*/bin``; when they are missing the harness installs the
``postgresql`` package with apt-get if it runs as root, and otherwise fails with a clear message. Postgres refuses
to run as root, so as root the servers run as the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .tls import TlsFiles

ADMIN_ROLE = "supabase_admin"  # the sandbox's own superuser, like the platform's internal admin role
READ_ONLY_ROLE = "supabase_read_only_user"  # the role database/query/read-only runs as, as on the platform

log = logging.getLogger("tools.sandbox.postgres")


class PostgresUnavailable(RuntimeError):
    pass


def find_bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    return Path(candidates[-1]).parent if candidates else None


def ensure_binaries() -> Path:
    """The directory with initdb/pg_ctl, installing Debian's ``postgresql`` package if needed and allowed."""
    from .packages import find_or_install

    return find_or_install(
        "postgresql", find_bin_dir, PostgresUnavailable,
        not_root="Postgres binaries not found under /usr/lib/postgresql/*/bin and not running as root, so they cannot "
                 "be installed automatically; run `sudo apt-get install -y postgresql` (Debian/Ubuntu) and retry",
        still_missing="postgresql was installed but no /usr/lib/postgresql/*/bin/initdb appeared")


def remove_data_dir(data_dir: Path, attempts: int = 50, pause: float = 0.1) -> bool:
    """Remove a stopped server's data directory, retrying while a process that is still exiting (a backend,
    a PgBouncer) writes into it; True once it is gone. Whatever stays is collected at the next start
    (sandbox.data_dirs.collect_orphan_data_dirs)."""
    for _ in range(attempts):
        shutil.rmtree(data_dir, ignore_errors=True)
        if not os.path.lexists(data_dir):
            return True
        time.sleep(pause)
    log.warning("could not remove %s completely; the next start of the sandbox removes the rest", data_dir)
    return False


def password_verifier(password: str) -> str:
    """What an ALTER ROLE sets instead of ``password``: the SCRAM-SHA-256 verifier Postgres would store, computed
    here (the dynamic provider's function), so no statement a server sees or records holds a plaintext password."""
    from dynamic_providers.supabase.sql import scram_sha256_verifier

    return scram_sha256_verifier(password)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """True when nothing listens on (or holds) 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is no obstacle
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def run_as_user() -> str | None:
    """The user the Postgres binaries run as: ``postgres`` when we are root (Postgres refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable("running as root but there is no `postgres` system user to run Postgres as")
    return "postgres"


def reachable_by(path: Path, user: str | None) -> bool:
    """Whether ``user`` (None: we) may enter ``path``: search permission on it and every directory above it."""
    if user is None:
        return os.access(path, os.X_OK)
    return subprocess.run(["test", "-x", str(path)], user=user, cwd="/", check=False).returncode == 0


def _chown_tree(path: Path, user: str | None) -> None:
    if user is None:
        return
    entry = pwd.getpwnam(user)
    if path.is_file():
        os.chown(path, entry.pw_uid, entry.pw_gid)
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


@dataclass
class PostgresInstance:
    """One running (or stopped) Postgres server: the database of one Supabase project."""

    harness: "PostgresHarness"
    data_dir: Path
    port: int
    admin_password: str
    tls: TlsFiles | None = None  # the certificate it serves TLS with (sandbox.tls); None: plain text only
    process_started: bool = False

    host = "127.0.0.1"
    dbname = "postgres"

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess:
        return self.harness.run("pg_ctl", "-D", str(self.data_dir), *args)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k '' -c shared_buffers=16MB -c fsync=off"
        if self.tls is not None:  # as the platform's databases: TLS offered, enforced by pg_hba (hostssl)
            options += f" -c ssl=on -c ssl_cert_file='{self.tls.cert}' -c ssl_key_file='{self.tls.key}'"
        result = self._pg_ctl("-o", options, "-l", str(self.data_dir / "server.log"), "-w", "-t", "30", "start")
        if result.returncode != 0:
            log = (self.data_dir / "server.log").read_text(errors="replace")[-2000:] \
                if (self.data_dir / "server.log").exists() else ""
            raise PostgresUnavailable(f"postgres failed to start on port {self.port}: {result.stderr}{log}")
        self.process_started = True

    def stop(self) -> None:
        if self.process_started:
            self._pg_ctl("-m", "immediate", "-w", "stop")
            self.process_started = False

    def admin_env(self) -> dict[str, str]:
        """The environment pg_dump/pg_restore connect as the admin role with: the password is never an argument
        (``ps`` shows every process's arguments; its environment only to its user and root)."""
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGHOST": self.host, "PGPORT": str(self.port),
                "PGDATABASE": self.dbname, "PGUSER": ADMIN_ROLE, "PGPASSWORD": self.admin_password}

    def admin_connect(self, **kw: Any):
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, dbname=self.dbname, user=ADMIN_ROLE,
                               password=self.admin_password, connect_timeout=10, **kw)

    def set_postgres_password(self, password: str) -> None:
        self.set_role_password("postgres", password)

    def set_role_password(self, role: str, password: str) -> None:
        """Give ``role`` ``password`` as a SCRAM verifier: the statement's text (which pg_stat_statements keeps in
        the data directory) never holds the password itself."""
        from psycopg import sql

        with self.admin_connect(autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER ROLE {} WITH PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password_verifier(password))))

    def apply_settings(self, settings: dict[str, Any]) -> list[str]:
        """``ALTER SYSTEM SET`` the parameters that take effect on reload, then reload; returns the names of
        those that need a restart (stored by the API, applied at the next restart as on the platform)."""
        from psycopg import sql

        pending = []
        with self.admin_connect(autocommit=True) as conn:
            for name, value in settings.items():
                row = conn.execute("SELECT context FROM pg_settings WHERE name = %s", (name,)).fetchone()
                if row is None:
                    continue
                text = ("on" if value else "off") if isinstance(value, bool) else str(value)
                conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(text)))
                if row[0] == "postmaster":
                    pending.append(name)
            conn.execute("SELECT pg_reload_conf()")
        return pending

    def restrict_network(self, cidrs: list[str], ssl_only: bool = False) -> None:
        """Rewrite pg_hba.conf so ``postgres`` and every other role may connect only from ``cidrs``, and with
        ``ssl_only`` (the project's SSL enforcement) only over TLS (the sandbox's own admin role keeps loopback
        access), then reload: network restrictions and SSL enforcement take real effect."""
        lines = ["# written by the procurement sandbox (network restrictions, SSL enforcement)",
                 f"host all {ADMIN_ROLE} 127.0.0.1/32 scram-sha-256",
                 f"host all {ADMIN_ROLE} ::1/128 scram-sha-256"]
        kind = "hostssl" if ssl_only else "host"
        lines += [f"{kind} all all {cidr} scram-sha-256" for cidr in cidrs]
        hba = self.data_dir / "pg_hba.conf"
        hba.write_text("\n".join(lines) + "\n")
        _chown_tree(hba, self.harness.user)
        with self.admin_connect(autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")

    def destroy(self) -> None:
        """Stop the server and remove its data directory, completely: ``pg_ctl -w stop`` returns once the
        postmaster has exited (its postmaster.pid is gone), even for a server this object did not mark started."""
        self._pg_ctl("-m", "immediate", "-w", "stop")
        self.process_started = False
        remove_data_dir(self.data_dir)


class PostgresHarness:
    """Finds (or installs) Postgres, keeps one initdb'd template and clones it into project servers."""

    def __init__(self, root: Path | None = None):
        self._root = root
        self._owns_root = root is None
        self._lock = threading.Lock()
        self._template: Path | None = None
        self._bin: Path | None = None
        self.user: str | None = None

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="sandbox-pg-"))
            os.chmod(self._root, 0o755)
        return self._root

    def run(self, program: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(self._bin / program), *args], capture_output=True, text=True, user=self.user,
                              cwd="/", check=False, env=env)

    def prepare(self) -> str | None:
        """Find (or install) the binaries and decide who runs them; returns that user (None: this process's)."""
        with self._lock:
            if self._bin is None:
                self._bin = ensure_binaries()
                self.user = run_as_user()
            return self.user

    def _ensure_template(self) -> Path:
        self.prepare()
        with self._lock:
            if self._template is not None:
                return self._template
            template = self.root / "template"
            from .supabase import image  # the Supabase image every project's database is cloned from

            if (template / "PG_VERSION").exists() and not image.is_current(template):
                shutil.rmtree(template)  # made by other code: rebuild rather than clone a different database
            if not (template / "PG_VERSION").exists():
                _chown_tree(self.root, self.user)
                # trust is only for the template's bootstrap; every clone switches to scram before it listens.
                result = self.run("initdb", "-D", str(template), "-U", ADMIN_ROLE, "-A", "trust", "-E", "UTF8",
                                  "--locale=C.UTF-8", "--no-instructions")
                if result.returncode != 0:
                    raise PostgresUnavailable(f"initdb failed: {result.stderr[-2000:]}")
                image.initialise_template(self, template)
            self._template = template
            return template

    def create_instance(self, name: str, postgres_password: str, data_dir: Path | None = None,
                        tls: TlsFiles | None = None) -> PostgresInstance:
        """Clone the template into ``data_dir`` (default: under the harness root), start it, set the
        ``postgres`` role's password to ``postgres_password`` and return the running instance."""
        from .supabase import image

        template = self._ensure_template()
        data_dir = data_dir or (self.root / name)
        if data_dir.exists():
            shutil.rmtree(data_dir)
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(template, data_dir, symlinks=True)
        os.chmod(data_dir, 0o700)
        admin_password = secrets.token_urlsafe(18)
        (data_dir / "pg_hba.conf").write_text(
            "# written by the procurement sandbox\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
            "host all all ::1/128 scram-sha-256\n")
        _chown_tree(data_dir, self.user)
        # Set the admin password in single-user mode so the server never listens with trust auth.
        single = subprocess.run(
            [str(self._bin / "postgres"), "--single", "-D", str(data_dir), "postgres"],
            input=image.clone_bootstrap_sql(admin_password),  # roles, schemas ...: in the template already
            capture_output=True, text=True, user=self.user, cwd="/", check=False)
        if single.returncode != 0:
            hint = ""
            if "Permission denied" in single.stderr and self.user:
                hint = (f" (Postgres runs as the {self.user!r} user, which needs search permission on every "
                        f"parent directory of {data_dir})")
            raise PostgresUnavailable(f"preparing {name} failed: {single.stderr[-2000:]}{hint}")
        instance = PostgresInstance(self, data_dir, free_port(), admin_password, tls)
        instance.start()
        instance.set_postgres_password(postgres_password)
        return instance

    def reopen_instance(self, data_dir: Path, admin_password: str, port: int | None = None,
                        tls: TlsFiles | None = None) -> PostgresInstance:
        """Start an existing project server again (after a sandbox restart with a persisted state), on ``port``:
        the port it had before, which clients (a stack's ``database_url``) recorded. A server still running
        from a sandbox that was killed is stopped first; a port someone else took is an error, never a move."""
        self.prepare()
        if (data_dir / "postmaster.pid").exists() and self.run("pg_ctl", "-D", str(data_dir), "status").returncode == 0:
            self.run("pg_ctl", "-D", str(data_dir), "-m", "fast", "-w", "stop")
        if port is None:
            port = free_port()
        elif not port_is_free(port):
            raise PostgresUnavailable(
                f"its database port {port} on 127.0.0.1 is taken by another process (`ss -ltnp 'sport = :{port}'` "
                f"names it); a database keeps its port across restarts because clients recorded it (the local "
                f"stack's database_url), so stop that process and start the sandbox again")
        instance = PostgresInstance(self, data_dir, port, admin_password, tls)
        instance.start()
        return instance

    def cleanup(self) -> None:
        if self._owns_root and self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
            self._template = None
