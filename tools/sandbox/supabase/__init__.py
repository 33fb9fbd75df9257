"""The Supabase Management API emulator (base URL ``http://127.0.0.1:<port>``, paths ``/v1/...``)."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from ..data_dirs import collect_orphan_data_dirs
from ..postgres import PostgresHarness, PostgresInstance, PostgresUnavailable
from ..tls import TlsFiles, ensure_tls
from ..server import ApiServer, Reply
from ..specs import SUPABASE_SPEC
from . import (action_runs, api_keys, auth_config, backups, billing, branches, database, function_secrets, network,
               projects, query, usage)
from .pooler import Pooler, stop_leftover_bouncer
from .ratelimits import FAMILIES as RATE_LIMIT_FAMILIES
from .projects import SANDBOX_ORG

DEFAULT_TOKEN = "sbp_sandbox_local_token"
TLS_DIR = "tls"  # under the databases' root: the sandbox CA (ca.crt, what clients verify with) and certificate
log = logging.getLogger("tools.sandbox.supabase")

# Per-project settings collections, keyed by project ref; created with the project, dropped with it.
PROJECT_SETTINGS = ("api_keys", "postgres_config", "pooler_config", "network_restrictions", "ssl_enforcement",
                    "auth_config", "secrets", "backups")


class SupabaseServer(ApiServer):
    name = "supabase"
    spec = SUPABASE_SPEC
    base_path = ""
    collections = ("organizations", "projects", *PROJECT_SETTINGS, "pooler",  # pooler: the proxy's port
                   "branches", "action_runs", usage.COLLECTION)
    route_tables = (projects.routes, query.routes, api_keys.routes, database.routes, network.routes,
                    auth_config.routes, function_secrets.routes, backups.routes, billing.routes, branches.routes,
                    action_runs.routes, usage.routes)
    rate_limit = 120  # "120 requests / 1 minute per user, per scope, per endpoint"
    rate_limit_families = RATE_LIMIT_FAMILIES  # enforced per endpoint and project, as recorded

    def __init__(self, *, postgres: PostgresHarness | None = None, data_root: Path | None = None, **kw: Any):
        self.postgres = postgres
        self.data_root = data_root  # where project databases live when state is persisted
        self.databases: dict[str, PostgresInstance] = {}
        self._db_threads: dict[str, threading.Thread] = {}
        self._db_failures: dict[str, str] = {}
        self._releases: list[threading.Thread] = []  # databases being stopped or removed (stop_database)
        self.resizes: dict[str, threading.Event] = {}  # ref -> set once a resize's database restart is done
        self.pooler = Pooler(self)
        self._tls: TlsFiles | None = None
        self._tls_lock = threading.Lock()
        super().__init__(**kw)

    @property
    def tls(self) -> TlsFiles | None:
        """The certificate the project databases and the pooler serve TLS with (sandbox.tls), made once per
        persisted state (under its database root, so the CA survives restarts) or per harness; None without
        databases."""
        if self.postgres is None:
            return None
        with self._tls_lock:
            if self._tls is None:
                user = self.postgres.prepare()
                self._tls = ensure_tls((self.data_root or self.postgres.root) / TLS_DIR, user)
            return self._tls

    def default_settings(self) -> dict[str, Any]:
        # Seconds from create until ACTIVE_HEALTHY (if Postgres is up; a branch's project too), a compute resize's
        # RESIZING time, a branch's RUNNING_MIGRATIONS time, and the grace of a force=false branch deletion (the
        # spec: "1-hour grace period").
        return {"project_ready_delay": 3.0, "resize_delay": 3.0, "branch_migrations_delay": 1.0,
                "branch_deletion_grace": 3600.0}

    def seed(self) -> None:
        self.store["organizations"][SANDBOX_ORG["slug"]] = dict(SANDBOX_ORG)
        pooler = getattr(self, "pooler", None)
        if pooler is not None and pooler.port:  # after a reset: the proxy keeps listening where it did
            self.store["pooler"]["proxy"] = {"port": pooler.port}

    def start(self) -> None:
        self.pooler.start()  # first: a pooler port someone else took fails the start before anything listens
        super().start()

    @property
    def organization_slug(self) -> str:
        return SANDBOX_ORG["slug"]

    def error_body(self, status: int, message: str, code: str | None) -> Any:
        return {"message": message}

    def rate_limit_headers(self, remaining: int, reset: int, limit: int | None = None) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(limit if limit is not None else self.rate_limit),
                "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(reset)}

    # ------------------------------------------------------------------------------- project lifecycle
    def advance(self, project: dict) -> None:
        """Move a project along COMING_UP -> ACTIVE_HEALTHY (or INIT_FAILED), and RESIZING -> ACTIVE_HEALTHY,
        when its time has come."""
        ref = project["ref"]
        if project["status"] == "RESIZING":
            restarted = self.resizes.get(ref)
            if time.time() >= project["_readyAt"] and (restarted is None or restarted.is_set()):
                project["status"] = "ACTIVE_HEALTHY"
                self.resizes.pop(ref, None)
            return
        if project["status"] != "COMING_UP":
            return
        if ref in self._db_failures:
            project["status"] = "INIT_FAILED"
        elif time.time() >= project["_readyAt"] and (self.postgres is None or ref in self.databases):
            project["status"] = "ACTIVE_HEALTHY"

    def create_project_settings(self, project: dict) -> None:
        ref = project["ref"]
        project["_jwt_secret"] = secrets.token_urlsafe(32)
        for collection in PROJECT_SETTINGS:
            self.store[collection][ref] = {}
        self.store["api_keys"][ref] = api_keys.initial_keys(ref, project["_jwt_secret"])
        self.store["network_restrictions"][ref] = network.new_restrictions()
        self.store["ssl_enforcement"][ref] = {"database": False}
        self.store["auth_config"][ref] = auth_config.default_auth_config(self.spec.document)

    def drop_project_settings(self, ref: str) -> None:
        for collection in (*PROJECT_SETTINGS, usage.COLLECTION):
            self.store[collection].pop(ref, None)

    def control_route(self, method: str, parts: list[str], payload: Any) -> Any:
        """``POST /_sandbox/usage/{ref}``: record a project's Data API requests (test-only, ``usage.py``)."""
        if parts[:1] == ["usage"] and len(parts) == 2 and method == "POST":
            recorded = usage.record(self.store, parts[1], payload)
            self._mutated()
            return Reply(201, recorded)
        return None

    def drop_branches(self, ref: str) -> None:
        branches.remove_branches_of(self, ref)

    # ------------------------------------------------------------------------------------ databases
    def start_database(self, ref: str, password: str) -> None:
        """Start the project's Postgres server in the background (the project stays COMING_UP meanwhile)."""
        if self.postgres is None:
            return

        def boot() -> None:
            try:
                data_dir = (self.data_root / ref) if self.data_root else None
                instance = self.postgres.create_instance(ref, password, data_dir, self.tls)
            except Exception as error:  # reported as INIT_FAILED, like a project that failed to provision
                log.exception("starting the database of %s failed", ref)
                self._db_failures[ref] = str(error)
                return
            with self.store.lock:
                project = self.store["projects"].get(ref)
                if project is None or self._stopping.is_set():  # deleted or shut down while booting
                    instance.destroy()
                    return
                # The port is kept for restarts: the stack's database_url and the services' variables name it.
                project["_db"] = {"data_dir": str(instance.data_dir), "admin_password": instance.admin_password,
                                  "port": instance.port}
                self.databases[ref] = instance
            self._mutated()

        thread = threading.Thread(target=boot, name=f"sandbox-pg-{ref}", daemon=True)
        self._db_threads[ref] = thread
        thread.start()

    def recreate_database(self, ref: str, password: str) -> None:
        """Replace the project's database with a fresh one (a branch reset): the old server is removed first, in
        the background, then the new one boots as a new project's does (the project stays COMING_UP meanwhile)."""
        self.pooler.forget(ref)
        self.store["projects"][ref].pop("_db", None)
        instance = self.databases.pop(ref, None)

        def replace() -> None:
            if instance is not None:
                instance.destroy()
            if not self._stopping.is_set():
                self.start_database(ref, password)

        thread = threading.Thread(target=replace, name=f"sandbox-pg-reset-{ref}", daemon=True)
        self._releases.append(thread)
        thread.start()

    def wait_for_database(self, ref: str, timeout: float = 60) -> PostgresInstance:
        thread = self._db_threads.get(ref)
        if thread is not None:
            thread.join(timeout)
        if ref not in self.databases:
            raise RuntimeError(f"database of {ref} is not running: {self._db_failures.get(ref, 'not started')}")
        return self.databases[ref]

    def stop_database(self, ref: str, destroy: bool = True) -> None:
        self.pooler.forget(ref)
        instance = self.databases.pop(ref, None)
        if instance is not None:
            # In the background (a DELETE answers at once), but joined at shutdown: a stop of the sandbox during
            # the removal must not leave half a data directory behind.
            thread = threading.Thread(target=instance.destroy if destroy else instance.stop, daemon=True)
            self._releases.append(thread)
            thread.start()

    def connection_info(self, ref: str) -> dict[str, Any]:
        """How to reach the project's database directly (for tests): host, port, dbname, user, password."""
        instance = self.wait_for_database(ref)
        project = self.store["projects"][ref]
        return {"host": instance.host, "port": instance.port, "dbname": instance.dbname, "user": "postgres",
                "password": project["_db_pass"]}

    def database_alive(self, ref: str) -> bool:
        instance = self.databases.get(ref)
        if instance is None:
            return False
        try:
            with instance.admin_connect() as conn:
                conn.execute("SELECT 1")
            return True
        except Exception:
            return False

    def reopen_databases(self) -> None:
        """After loading a persisted state: start the project servers that were running before, each on the port
        it had. If one cannot start, the ones already started are stopped again and the error says which."""
        if self.postgres is None:
            return
        if self.data_root is not None:  # left by a stop or a crash during a removal
            collect_orphan_data_dirs(self.data_root, set(self.store["projects"]))
        try:
            for ref, project in self.store["projects"].items():
                db = project.get("_db")
                if not db:
                    continue
                # Under the current root first: the state directory may have moved since the path was recorded.
                data_dir = self.data_root / ref if self.data_root and (self.data_root / ref).exists() \
                    else Path(db["data_dir"])
                if not data_dir.exists():
                    log.warning("the database of %s is gone (%s); the project has none", ref, data_dir)
                    continue
                # A PgBouncer a killed sandbox left for this project outlives its server; this sandbox starts
                # its own on the first pooled connection, and would otherwise never stop the old one.
                stop_leftover_bouncer(data_dir)
                try:
                    instance = self.postgres.reopen_instance(data_dir, db["admin_password"], db.get("port"),
                                                             self.tls)
                except PostgresUnavailable as error:
                    raise PostgresUnavailable(f"project {ref}: {error}") from None
                self.databases[ref] = instance
                db.update(data_dir=str(data_dir), port=instance.port)
        except BaseException:
            self._release_databases(keep_data=True)
            raise

    def _release_databases(self, keep_data: bool) -> None:
        for thread in list(self._db_threads.values()) + self._releases:
            thread.join(timeout=60)
        self._db_threads.clear()
        self._releases = [thread for thread in self._releases if thread.is_alive()]
        self._db_failures.clear()
        for ref in list(self.databases):
            instance = self.databases.pop(ref)
            instance.stop() if keep_data else instance.destroy()

    def shutdown_hook(self) -> None:
        self.pooler.stop()
        # A persisted sandbox keeps its project databases for the next start; an ephemeral one removes them.
        self._release_databases(keep_data=self.data_root is not None)

    def reset_hook(self) -> None:
        for ref in list(self.pooler.bouncers):
            self.pooler.forget(ref)
        self._release_databases(keep_data=False)
