"""A small client of the ``/_sandbox/`` control API, for the command line and for tests that run the sandbox
in another process (e.g. ``python -m tools.sandbox`` behind a ``pulumi`` CLI run).

It sends the control token (``tools.sandbox.control_token``); one from a token file is read again at every call, so a
restarted sandbox's new token is picked up."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from . import control_token


class ControlError(RuntimeError):
    pass


class SandboxControl:
    def __init__(self, origin: str, token: str | None = None, token_file: str | Path | None = None,
                 timeout: float = 10):
        """``origin``: the server's origin, e.g. ``http://127.0.0.1:18081`` (no ``/v1``). Neither ``token`` nor
        ``token_file`` given: ``$SANDBOX_CONTROL_TOKEN``, else ``$SANDBOX_DIR/control-token`` (``make sandbox``'s)."""
        self.origin = origin.rstrip("/")
        if self.origin.endswith("/v1"):
            self.origin = self.origin[:-3]
        if token is None and token_file is None:
            token = os.environ.get(control_token.ENV) or None
        self.token = token
        self.token_file = Path(token_file) if token_file else control_token.default_file()
        self.timeout = timeout

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        try:
            token = self.token or control_token.read(self.token_file)
        except control_token.ControlTokenMissing as error:
            raise ControlError(str(error)) from None
        request = urllib.request.Request(f"{self.origin}/_sandbox/{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json", control_token.HEADER: token})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise ControlError(f"{method} /_sandbox/{path} -> {error.code}: {error.read().decode(errors='replace')}")
        return json.loads(raw) if raw else None

    def health(self) -> dict:
        return self._call("GET", "health")

    def journal(self) -> list[dict]:
        return self._call("GET", "journal")["entries"]

    def clear_journal(self) -> None:
        self._call("DELETE", "journal")

    def add_fault(self, kind: str, **fields: Any) -> dict:
        return self._call("POST", "faults", {"kind": kind, **fields})["faults"][0]

    def faults(self) -> list[dict]:
        return self._call("GET", "faults")["faults"]

    def remove_fault(self, fault_id: int) -> None:
        self._call("DELETE", f"faults/{fault_id}")

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def edit(self, collection: str, key: str, set: dict | None = None, unset: list | None = None) -> dict:
        return self._call("POST", "edit", {"collection": collection, "id": key, "set": set or {},
                                           "unset": unset or []})

    def state(self, collection: str | None = None, key: str | None = None) -> Any:
        path = "/".join(p for p in ("state", collection, key) if p)
        return self._call("GET", path)

    def reset(self) -> None:
        self._call("POST", "reset")

    def service_id(self, id_or_name: str) -> str:
        """A Render service's id, from its id or its name (a name no service has is returned as given: the
        traffic endpoint then answers 404 naming it)."""
        if id_or_name.startswith("srv-"):
            return id_or_name
        services = self.state("services") or {}
        found = [sid for sid, svc in services.items() if isinstance(svc, dict) and svc.get("name") == id_or_name]
        return found[0] if len(found) == 1 else id_or_name

    def traffic(self, service_id: str) -> dict:
        """Where a Render web service's traffic is served: ``{"serviceId", "url", "gateway", "host", "instances"}``
        (opens its port; ``gateway`` answers for it with ``Host: <host>``)."""
        return self._call("GET", f"traffic/{service_id}")

    def settings(self, **changes: Any) -> dict:
        return self._call("PATCH", "settings", changes) if changes else self._call("GET", "settings")

    def metrics(self, service_id: str) -> dict:
        """What a Render service's ``/metrics/*`` are derived from: ``{"serviceId", "requests", "events",
        "instanceCounts"}`` (``tools.sandbox.render.metrics_control``)."""
        return self._call("GET", f"metrics/{service_id}")

    def record_metrics(self, service_id: str, requests: list[dict] | None = None,
                       instance_counts: list[dict] | None = None) -> dict:
        """Test-only: record synthetic, backdated history for a Render service (``tools.sandbox.render.metrics_control``)."""
        return self._call("POST", f"metrics/{service_id}", {"requests": requests or [],
                                                             "instanceCounts": instance_counts or []})

    def record_usage(self, ref: str, requests: list[dict]) -> dict:
        """Test-only: record a Supabase project's Data API requests (``tools.sandbox.supabase.usage``)."""
        return self._call("POST", f"usage/{ref}", {"requests": requests})
