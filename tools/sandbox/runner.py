"""``Sandbox``: both emulators (and the Postgres harness) started and stopped together, in this process.

    with Sandbox() as sb:
        requests.get(sb.render.base_url + "/services", headers=sb.render.auth_headers)

Used by ``python -m tools.sandbox`` and by the pytest fixture (``tools.sandbox.pytest_plugin``).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from . import control_token as control_tokens
from .journal import JournalEntry
from .data_dirs import link_of, project_data_root
from .postgres import PostgresHarness, port_is_free
from .render import DEFAULT_TOKEN as RENDER_TOKEN
from .render import RenderServer
from .supabase import DEFAULT_TOKEN as SUPABASE_TOKEN
from .supabase import SupabaseServer
from .supabase.pooler import PoolerUnavailable

DEFAULT_RENDER_PORT = 18081
DEFAULT_SUPABASE_PORT = 18082
TRAFFIC_PORT_OFFSET = 2  # the traffic gateway's default port: beside the two APIs' (18083)
SERVER_TITLES = {"render": "Render API", "supabase": "Supabase Management API", "gateway": "Render traffic gateway"}
PORT_HINT = ("choose other ports with SANDBOX_RENDER_PORT, SANDBOX_SUPABASE_PORT and SANDBOX_TRAFFIC_PORT "
             "(python -m tools.sandbox: --render-port/--supabase-port/--traffic-port; the traffic port defaults to the "
             "Render port + 2; 0 = any free port)")


class SandboxStartError(RuntimeError):
    """The sandbox cannot start for a reason the user can fix (a port is taken); the message says how."""


def suggest_ports() -> str:
    """Three neighbouring ports that are free right now, as the variables to set (the gateway's follows)."""
    for port in range(DEFAULT_RENDER_PORT + 10000, DEFAULT_RENDER_PORT + 10400, 10):
        if all(port_is_free(port + offset) for offset in range(TRAFFIC_PORT_OFFSET + 1)):
            return f"SANDBOX_RENDER_PORT={port} SANDBOX_SUPABASE_PORT={port + 1}"
    return "SANDBOX_RENDER_PORT=0 SANDBOX_SUPABASE_PORT=0"


class Sandbox:
    def __init__(self, *, render_port: int = 0, supabase_port: int = 0, traffic_port: int = 0, render_token: str = RENDER_TOKEN,
                 supabase_token: str = SUPABASE_TOKEN, state_file: str | Path | None = None,
                 deploy_delay: float | None = None, project_ready_delay: float | None = None,
                 postgres: PostgresHarness | bool = True, rate_limit_time_scale: float | None = None,
                 rate_limit_capacity_scale: float | None = None, render_settings: dict | None = None,
                 control_token: str | None = None, control_token_file: str | Path | None = None):
        """``traffic_port``: the Render traffic gateway's (``tools.sandbox.render.traffic_gateway``; 0: any free one).

        ``postgres``: a shared ``PostgresHarness``, True to make one, False for no databases (projects then
        become ACTIVE_HEALTHY without one and ``database/query`` answers 500).

        ``rate_limit_time_scale`` / ``rate_limit_capacity_scale`` scale both vendors' rate-limit windows and
        limits (``tools.sandbox.ratelimits``; default 1 = as recorded). ``render_settings``: any other Render setting
        (``overlapping_deploys``, ``unpullable_images`` ...).

        ``control_token``: what both servers' control API requires (default: a new random one per sandbox);
        ``control_token_file``: where ``start`` writes it, mode 0600 (default: beside ``state_file``; no file for a
        sandbox without state, whose callers hold the object: ``tools.sandbox.control_token``)."""
        # Absolute once, here: Postgres and other helpers run from other working directories.
        self.state_file = Path(os.path.abspath(state_file)) if state_file else None
        self._owns_harness = postgres is True
        harness = PostgresHarness() if postgres is True else (postgres or None)
        render_settings = dict(render_settings or {})
        for key, value in (("deploy_delay", deploy_delay), ("rate_limit_time_scale", rate_limit_time_scale),
                           ("rate_limit_capacity_scale", rate_limit_capacity_scale)):
            if value is not None:
                render_settings[key] = value
        supabase_settings = {} if project_ready_delay is None else {"project_ready_delay": project_ready_delay}
        for key, value in (("rate_limit_time_scale", rate_limit_time_scale),
                           ("rate_limit_capacity_scale", rate_limit_capacity_scale)):
            if value is not None:
                supabase_settings[key] = value  # the same scaling for both vendors' buckets
        # Resolved at start (sandbox.data_dirs): where it is depends on the user Postgres runs as.
        data_root = link_of(self.state_file) if self.state_file else None
        self.control_token = control_token or control_tokens.generate()
        if control_token_file is None and self.state_file is not None:
            control_token_file = control_tokens.file_beside(self.state_file)
        self.control_token_file = Path(os.path.abspath(control_token_file)) if control_token_file else None
        control = {"control_token": self.control_token, "control_token_file": self.control_token_file}
        self.render = RenderServer(port=render_port, traffic_port=traffic_port, token=render_token,
                                   settings=render_settings, **control)
        self.supabase = SupabaseServer(port=supabase_port, token=supabase_token, settings=supabase_settings,
                                       postgres=harness, data_root=data_root, **control)
        self._save_lock = threading.Lock()
        if self.state_file and self.state_file.exists():
            self.load_state()
        for server in self.servers:
            server.on_mutation = self.save_state if self.state_file else None

    @property
    def servers(self) -> tuple[RenderServer, SupabaseServer]:
        return self.render, self.supabase

    # --------------------------------------------------------------------------------------- lifecycle
    def start(self) -> "Sandbox":
        """Start both servers, after the project databases of a persisted state (each on its former port).
        Raises ``SandboxStartError`` (a port is taken) or ``PostgresUnavailable``, with nothing left running."""
        self._check_ports()
        if self.control_token_file is not None:  # before the servers answer: a client may read it at once
            try:
                control_tokens.write(self.control_token_file, self.control_token)
            except OSError as error:
                raise SandboxStartError(f"cannot write the control token to {self.control_token_file}: "
                                        f"{error.strerror}; choose another place with --control-token-file") from None
        harness = self.supabase.postgres
        if self.state_file and harness is not None:
            self.supabase.data_root = project_data_root(self.state_file, harness.prepare())
        self.supabase.reopen_databases()
        started = []
        try:
            for server in self.servers:
                server.start()
                started.append(server)
        except OSError as error:  # taken between the check and the bind
            self._undo_start(started)
            raise SandboxStartError(f"{error}; {PORT_HINT}") from None
        except PoolerUnavailable:  # no pgbouncer (not installable, or the package lock stayed taken)
            self._undo_start(started)
            raise
        if self.state_file:
            self.save_state()  # the databases' ports and places, as reopened
        return self

    def _undo_start(self, started: list) -> None:
        for server in started:
            server.stop()
        self.supabase.shutdown_hook()  # the databases reopened above: nothing is left running

    def _check_ports(self) -> None:
        requested = [(server.name, server.requested_port) for server in self.servers]
        wanted = [(name, port) for name, port in [*requested, ("gateway", self.render.gateway.requested_port)] if port]
        for index, (name, port) in enumerate(wanted):
            shared = next((other for other, taken in wanted[:index] if taken == port), None)
            if shared is not None:
                raise SandboxStartError(f"the {SERVER_TITLES[shared]} and the {SERVER_TITLES[name]} cannot share "
                                        f"port {port}; {PORT_HINT}")
        for name, port in wanted:
            if not port_is_free(port):
                raise SandboxStartError(
                    f"port {port} on 127.0.0.1 ({SERVER_TITLES[name]}) is already in use (another sandbox "
                    f"or program); {PORT_HINT}, e.g. {suggest_ports()}")

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        if self.state_file:
            self.save_state()
        if self._owns_harness and self.supabase.postgres is not None:
            self.supabase.postgres.cleanup()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def reset(self) -> None:
        for server in self.servers:
            server.reset()

    # ------------------------------------------------------------------------------------- persistence
    def save_state(self) -> None:
        assert self.state_file is not None
        data = {"render": self.render.store.to_json(), "supabase": self.supabase.store.to_json()}
        with self._save_lock:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.state_file.with_name(self.state_file.name + ".tmp")
            temporary.write_text(json.dumps(data, indent=1, sort_keys=True))
            os.replace(temporary, self.state_file)  # atomic: a crash never leaves half a file

    def load_state(self) -> None:
        assert self.state_file is not None
        data = json.loads(self.state_file.read_text())
        self.render.store.load(data.get("render", {}))
        self.supabase.store.load(data.get("supabase", {}))
        for server in self.servers:
            if not any(server.store.data.values()):
                server.seed()

    # ----------------------------------------------------------------------------------- conveniences
    @property
    def traffic_gateway_url(self) -> str:
        """Where the program sends a web service's traffic, with ``Host: <slug>.onrender.com`` kept."""
        return self.render.gateway.url

    @property
    def env(self) -> dict[str, str]:
        """Environment for a subprocess (the ``pulumi`` CLI, a provider) to talk to this sandbox."""
        return {"RENDER_API_URL": self.render.base_url, "RENDER_API_KEY": self.render.token,
                "RENDER_TRAFFIC_GATEWAY_URL": self.traffic_gateway_url,
                "SUPABASE_API_URL": self.supabase.base_url, "SUPABASE_ACCESS_TOKEN": self.supabase.token}

    def journal(self) -> list[JournalEntry]:
        """Both servers' journals, in arrival order."""
        entries = self.render.journal.entries() + self.supabase.journal.entries()
        return sorted(entries, key=lambda e: e.seq)

    def clear_journal(self) -> None:
        for server in self.servers:
            server.journal.clear()

    def response_violations(self) -> list[JournalEntry]:
        return [e for e in self.journal() if e.response_violations]

    def request_violations(self) -> list[JournalEntry]:
        return [e for e in self.journal() if e.request_violations]
