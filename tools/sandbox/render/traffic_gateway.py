"""The Render traffic gateway: one loopback port answering for every web service (and preview) by ``Host``.

The program reaches a service at its public URL, ``https://<slug>.onrender.com``; off Render it sends the request
to the gateway with that ``Host`` kept (``procurement:renderTrafficGatewayUrl``). The gateway finds the service
whose ``serviceDetails.url`` has that host and answers exactly as its traffic port does (``TrafficPorts.answer``);
an unknown host is a 404. It opens when the Render emulator starts (default port 18083) and closes when it stops.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ..server import LoopbackServer
from .traffic_ports import TrafficHandler

if TYPE_CHECKING:  # pragma: no cover
    from . import RenderServer


class _GatewayHandler(TrafficHandler):
    # Render's public names pass the loopback guard here, and stay safe against DNS rebinding: a page can make a
    # browser send a Host header only by resolving that name, and *.onrender.com resolves to Render's edge, a
    # name no page controls (a browser never lets a page set Host itself). The Origin check still applies.
    host_suffixes = (".onrender.com",)
    server_version = "render-sandbox-gateway"

    def _answer(self, path: str) -> tuple[int, dict]:
        host = (self.headers.get("Host") or "").strip().lower().partition(":")[0]
        service_id = self.api.traffic.service_at(host)
        if service_id is None:
            return 404, {"error": f"no Render web service answers at {host}"}
        return self.api.traffic.answer(service_id, path)


class TrafficGateway:
    """The gateway port of one Render emulator."""

    def __init__(self, api: "RenderServer", port: int = 0):
        self.api = api
        self.requested_port = port
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Render traffic gateway is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        """Listen (raises OSError when the port is taken)."""
        handler = type("GatewayHandler", (_GatewayHandler,), {"api": self.api})
        self._server = LoopbackServer(("127.0.0.1", self.requested_port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-traffic-gateway",
                                        kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
