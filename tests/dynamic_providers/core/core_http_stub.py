"""A tiny scripted HTTP server on 127.0.0.1 for transport tests (real sockets, real requests).

Each incoming request pops the next scripted action; with the script exhausted it answers via the
``fallback`` handler (a small stateful JSON API used by the base-provider tests). Actions:
``("respond", status, headers, body)``, ``("reset",)`` (close without answering, after reading the
request, so the server *did* receive it), ``("hang", seconds)`` (answer late), ``("apply_then_reset",)``
(let the fallback process the request, then drop the response: a lost create response).
"""
from __future__ import annotations

import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional


class StubServer:
    def __init__(self, fallback: Optional[Callable[[str, str, Any], tuple[int, dict, Any]]] = None):
        self.script: list[tuple] = []
        self.requests: list[dict] = []
        self.fallback = fallback
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with stub._lock:
                    stub.requests.append({"method": self.command, "path": self.path,
                                          "headers": dict(self.headers), "body": body})
                    action = stub.script.pop(0) if stub.script else None
                if action is None or action[0] == "apply_then_reset":
                    status, headers, payload = stub._fallback(self.command, self.path, body)
                    if action is not None:
                        return self._reset()
                    return self._send(status, headers, payload)
                kind = action[0]
                if kind == "respond":
                    _, status, headers, payload = action
                    return self._send(status, headers, payload)
                if kind == "reset":
                    return self._reset()
                if kind == "hang":
                    time.sleep(action[1])
                    return self._send(200, {}, {"late": True})
                raise AssertionError(f"unknown action {action}")

            def _send(self, status, headers, payload):
                data = b"" if payload is None else (payload if isinstance(payload, bytes)
                                                    else json.dumps(payload).encode())
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, str(v))
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if data:
                    self.wfile.write(data)

            def _reset(self):
                # SO_LINGER 0 makes close() send RST: the client sees a connection reset.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _fallback(self, method, path, body):
        if self.fallback is None:
            return 200, {}, {"ok": True}
        return self.fallback(method, path, body)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "StubServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def count(self, method: str, path_prefix: str = "") -> int:
        return sum(1 for r in self.requests if r["method"] == method and r["path"].startswith(path_prefix))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
