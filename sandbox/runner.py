"""``Sandbox``: both emulators (and the Postgres harness) started and stopped together, in this process.

    with Sandbox() as sb:
        requests.get(sb.render.base_url + "/services", headers=sb.render.auth_headers)

Used by ``python -m sandbox`` and by the pytest fixture (``sandbox.pytest_plugin``).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from .journal import JournalEntry
from .postgres import PostgresHarness
from .render import DEFAULT_TOKEN as RENDER_TOKEN
from .render import RenderServer
from .supabase import DEFAULT_TOKEN as SUPABASE_TOKEN
from .supabase import SupabaseServer

DEFAULT_RENDER_PORT = 18081
DEFAULT_SUPABASE_PORT = 18082


class Sandbox:
    def __init__(self, *, render_port: int = 0, supabase_port: int = 0, render_token: str = RENDER_TOKEN,
                 supabase_token: str = SUPABASE_TOKEN, state_file: str | Path | None = None,
                 deploy_delay: float | None = None, project_ready_delay: float | None = None,
                 postgres: PostgresHarness | bool = True, rate_limit_time_scale: float | None = None,
                 rate_limit_capacity_scale: float | None = None, render_settings: dict | None = None):
        """``postgres``: a shared ``PostgresHarness``, True to make one, False for no databases (projects then
        become ACTIVE_HEALTHY without one and ``database/query`` answers 500).

        ``rate_limit_time_scale`` / ``rate_limit_capacity_scale`` scale Render's rate-limit windows and limits
        (``sandbox.ratelimits``; default 1 = as recorded). ``render_settings``: any other Render setting
        (``overlapping_deploys``, ``unpullable_images`` ...)."""
        self.state_file = Path(state_file) if state_file else None
        self._owns_harness = postgres is True
        harness = PostgresHarness() if postgres is True else (postgres or None)
        render_settings = dict(render_settings or {})
        for key, value in (("deploy_delay", deploy_delay), ("rate_limit_time_scale", rate_limit_time_scale),
                           ("rate_limit_capacity_scale", rate_limit_capacity_scale)):
            if value is not None:
                render_settings[key] = value
        supabase_settings = {} if project_ready_delay is None else {"project_ready_delay": project_ready_delay}
        data_root = self.state_file.with_name(self.state_file.name + ".pgdata") if self.state_file else None
        self.render = RenderServer(port=render_port, token=render_token, settings=render_settings)
        self.supabase = SupabaseServer(port=supabase_port, token=supabase_token, settings=supabase_settings,
                                       postgres=harness, data_root=data_root)
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
        self.supabase.reopen_databases()
        for server in self.servers:
            server.start()
        return self

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
    def env(self) -> dict[str, str]:
        """Environment for a subprocess (the ``pulumi`` CLI, a provider) to talk to this sandbox."""
        return {"RENDER_API_URL": self.render.base_url, "RENDER_API_KEY": self.render.token,
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
