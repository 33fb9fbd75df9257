"""One loopback HTTP port per Render web service, serving its traffic (``tools.sandbox.render.traffic``).

A port of its own per service, rather than one port routing by service id: each service then has an origin of
its own, as ``https://<slug>.onrender.com`` is on Render, so a client requests exactly the paths the service sees
(the health check path, ``/api/...``) with no prefix or Host header to rewrite. A port is opened on the first
``GET /_sandbox/traffic/{serviceId}`` (the control API) and closed when the sandbox stops or is reset; ports are
not kept across restarts (ask again after one). The program reaches the same answers through one port routing by
``Host`` instead (``tools.sandbox.render.traffic_gateway``).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..server import LoopbackHandler, LoopbackServer
from . import metric_samples, traffic
from .deploys import advance

if TYPE_CHECKING:  # pragma: no cover
    from . import RenderServer

TRAFFIC_TYPES = ("web_service",)
SAVE_EVERY_SECONDS = 5.0  # a persisted sandbox writes its state file after traffic at most this often


def host_of(service: dict) -> str:
    """The host of a service's public URL (``<slug>.onrender.com``; "" for none)."""
    return urlsplit((service.get("serviceDetails") or {}).get("url") or "").hostname or ""


class TrafficHandler(LoopbackHandler):
    api: "RenderServer"
    service_id: str
    server_version = "render-sandbox-instance"

    def log_message(self, format: str, *args: Any) -> None:  # quiet, as the API servers are
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        # The same DNS-rebinding guard as the APIs: the answer names deploys and images.
        refused = self._refusal()
        if refused is not None:
            self._send(403, {"error": refused})
            return
        status, body = self._answer(urlsplit(self.path).path)
        self._send(status, body)

    def _answer(self, path: str) -> tuple[int, dict]:
        return self.api.traffic.answer(self.service_id, path)

    def _send(self, status: int, body: dict) -> None:
        self._write(status, json.dumps(body).encode(), {"Content-Type": "application/json"})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class TrafficPorts:
    """The traffic ports of one Render emulator, by service id."""

    def __init__(self, api: "RenderServer"):
        self.api = api
        self._servers: dict[str, tuple[LoopbackServer, threading.Thread]] = {}
        self._lock = threading.Lock()
        self._in_flight: Counter = Counter()  # deploy id -> requests its instance is answering (under store.lock)
        self._saved_at = 0.0  # when traffic last persisted the state

    def _service(self, service_id: str) -> dict:
        from ..state import NotFoundInStore

        service = self.api.store["services"].get(service_id)
        if service is None:
            raise NotFoundInStore(f"no service {service_id!r}")
        return service

    def describe(self, service_id: str) -> dict:
        """``{"serviceId", "url", "instances"}`` for the control API; opens the service's port if needed.
        Raises ValueError for a service type that takes no public traffic."""
        with self.api.store.lock:
            service = self._service(service_id)
            if service["type"] not in TRAFFIC_TYPES:
                raise ValueError(f"{service_id} is a {service['type']}: only web services take public traffic on "
                                 f"Render (private services are reached on the private network, workers and cron "
                                 f"jobs take none), so the sandbox serves none for it")
            advance(self.api.store, self.api.settings, service_id)
            deploys = self._deploys(service_id)
            found = traffic.instances(deploys, time.time())
            for instance in found:
                instance["inFlight"] = self._in_flight[instance["deployId"]]
        gateway = self.api.gateway
        return {"serviceId": service_id, "url": f"http://127.0.0.1:{self._port(service_id)}",
                "gateway": gateway.url if gateway.running else None, "host": host_of(service),
                "instances": found}

    def service_at(self, host: str) -> str | None:
        """The id of the web service (or preview) whose public URL has ``host``, or None."""
        with self.api.store.lock:
            return next((sid for sid, service in self.api.store["services"].items()
                         if service["type"] in TRAFFIC_TYPES and host_of(service) == host), None)

    def answer(self, service_id: str, path: str) -> tuple[int, dict]:
        """What a request for ``path`` arriving now gets from the service: routed at arrival, then answered
        after the path's in-flight time, unless its instance was stopped meanwhile. Every answer is kept for
        ``/metrics/*`` (``metric_samples``), timed from arrival to answer."""
        started = time.time()
        with self.api.store.lock:
            service = self.api.store["services"].get(service_id)
            if service is None:
                return 404, {"error": f"service {service_id} no longer exists"}
            advance(self.api.store, self.api.settings, service_id)
            deploy = traffic.serving(self._deploys(service_id), started)
            status, body = traffic.answer(service, deploy, path, started)
            in_flight = traffic.in_flight_for(deploy["_instance"], path) if status == 200 else 0.0
            if in_flight:
                self._in_flight[deploy["id"]] += 1
            else:
                save = self._record(service, deploy, started, status, path)
        if not in_flight:
            self._save(save)
            return status, body
        self.api.sleep(in_flight)  # not under the lock: other requests go on meanwhile
        with self.api.store.lock:
            self._in_flight[deploy["id"]] -= 1
            advance(self.api.store, self.api.settings, service_id)
            cut = traffic.cut_short(service, deploy, self._deploys(service_id), time.time())
            status, body = cut or (status, body)
            save = self._record(service, deploy, started, status, path)
        self._save(save)
        return status, body

    def _record(self, service: dict, deploy: dict | None, started: float, status: int, path: str) -> bool:
        """Keep the answer (under the store's lock); True when the state is due to be persisted."""
        instance = metric_samples.instance_id(service["id"], deploy["id"]) if deploy is not None else ""
        metric_samples.record_request(self.api.store, service["id"], started, instance, status,
                                      (time.time() - started) * 1000, host_of(service), path)
        if started - self._saved_at < SAVE_EVERY_SECONDS:
            return False
        self._saved_at = started
        return True

    def _save(self, due: bool) -> None:
        # Outside the store's lock, as after an API write: saving takes both emulators' locks.
        if due:
            self.api._mutated()

    def _deploys(self, service_id: str) -> list[dict]:
        return [d for d in self.api.store["deploys"].values() if d["_serviceId"] == service_id]

    def _port(self, service_id: str) -> int:
        with self._lock:
            if service_id not in self._servers:
                handler = type("TrafficHandler", (TrafficHandler,), {"api": self.api, "service_id": service_id})
                server = LoopbackServer(("127.0.0.1", 0), handler)
                thread = threading.Thread(target=server.serve_forever, name=f"sandbox-traffic-{service_id}",
                                          kwargs={"poll_interval": 0.02}, daemon=True)
                thread.start()
                self._servers[service_id] = (server, thread)
            return self._servers[service_id][0].server_address[1]

    def close(self) -> None:
        """Stop every traffic port (the sandbox stops or forgets its services)."""
        with self._lock:
            servers, self._servers = self._servers, {}
        for server, thread in servers.values():
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
