"""The host's lifetime: it stops when the engine that started it is gone, so no orphan keeps running."""

import os
import threading

import grpc

from .log import debug
from .rpc import GRPC_OPTIONS

# How often we check that the engine that started us is still alive.
WATCHDOG_INTERVAL_SECONDS = 2.0
# How often we ask the engine's health endpoint (same period as the Go host).
HEALTHCHECK_INTERVAL_SECONDS = 300.0


class EngineWatchdog:
    """Stops the host when the engine that started it is gone, so no orphan keeps running."""

    def __init__(self, stop: threading.Event):
        self.stop = stop
        self.parent = os.getppid()
        self.engine_address = ""
        threading.Thread(target=self._watch_parent, daemon=True).start()

    def watch_engine(self, address: str) -> None:
        if address and not self.engine_address:
            self.engine_address = address
            threading.Thread(target=self._watch_health, daemon=True).start()

    def _watch_parent(self) -> None:
        while not self.stop.wait(WATCHDOG_INTERVAL_SECONDS):
            if os.getppid() != self.parent:
                debug(3, "the engine process is gone; stopping")
                self.stop.set()

    def _watch_health(self) -> None:
        channel = grpc.insecure_channel(self.engine_address, options=GRPC_OPTIONS)
        check = channel.unary_unary(
            "/grpc.health.v1.Health/Check", request_serializer=lambda b: b, response_deserializer=lambda b: b
        )
        while not self.stop.wait(HEALTHCHECK_INTERVAL_SECONDS):
            try:
                check(b"", timeout=30)
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.UNIMPLEMENTED:
                    debug(3, f"engine health check failed ({e.code()}); stopping")
                    self.stop.set()
