"""One emulated API on a threaded HTTP server bound to 127.0.0.1.

Every API request goes through the same pipeline (``ApiServer.dispatch``): fault injection, bearer auth, matching
the spec's path template, request validation against the spec, the handler, response validation against the
spec, rate-limit headers and the journal. Vendor specifics (error shape, headers, routes, seed data) live in the
subclasses in ``tools.sandbox.render`` and ``tools.sandbox.supabase``.
"""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qsl, urlsplit

from . import control, loopback
from . import control_token as control_tokens
from .faults import Fault, FaultSet
from .journal import Journal, JournalEntry
from .ratelimits import SETTINGS_DEFAULTS as RATE_LIMIT_SETTINGS
from .ratelimits import Charge, Family, RateLimiter
from .routing import ApiError, RequestViolation, Route, RouteTable, SpecRouter
from .specs import Spec, Violation
from .state import Store

if TYPE_CHECKING:  # pragma: no cover
    from .testing import ApiClient

log = logging.getLogger("sandbox")

JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Call:
    """What a handler gets: the request, already matched and validated, plus the server it arrived at."""

    server: "ApiServer"
    method: str
    path: str  # relative to the API base, e.g. "/services/srv-..."
    template: str
    params: dict[str, str]  # path parameters
    query: dict[str, Any]  # query parameters as unmarshalled by openapi-core (typed, arrays split)
    raw_query: list[tuple[str, str]]
    headers: dict[str, str]
    body: Any  # the JSON body as sent (not unmarshalled: dates stay strings), None when empty
    fault: Fault | None = None  # a fault that lets the request through but changes what it does (deploy_fail)

    @property
    def store(self) -> Store:
        return self.server.store


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    empty: bool = False  # True: send no body at all (204/202), even though body is None
    data: bytes | None = None  # the serialised body, once the pipeline has produced it

    def encoded(self) -> bytes:
        if self.data is None:
            self.data = b"" if self.empty else json.dumps(self.body).encode()
        return self.data


def _as_reply(result: Any) -> Reply:
    if isinstance(result, Reply):
        return result
    if isinstance(result, tuple):
        status, body, *rest = result
        return Reply(status, body, rest[0] if rest else {}, empty=body is None)
    raise TypeError(f"handler returned {type(result).__name__}; expected Reply or (status, body)")


class ApiServer:
    """Base class of the two emulators. Subclasses set the class attributes and implement the hooks."""

    name = "api"
    spec: Spec
    base_path = ""  # the spec's server base ("/v1" for Render, "" for Supabase whose paths carry /v1)
    collections: tuple[str, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    rate_limit = 100  # requests per window, for the rate-limit headers (APIs without ``rate_limit_families``)
    rate_limit_window = 60
    # Enforced buckets (``tools.sandbox.ratelimits``): when set, every authenticated request is charged to its family,
    # the headers describe that bucket, and an empty bucket answers 429 without processing the request.
    rate_limit_families: tuple[Family, ...] = ()

    def __init__(self, *, port: int = 0, token: str, settings: dict | None = None, control_token: str | None = None,
                 control_token_file: Path | None = None):
        """``control_token``: what the control API requires (``tools.sandbox.control_token``; default: a new random one);
        ``control_token_file``: where it is kept, named to a caller that lacks it."""
        self.requested_port = port
        self.token = token
        self.control_token = control_token or control_tokens.generate()
        self.control_token_file = control_token_file
        self.settings: dict[str, Any] = dict(self.default_settings())
        if self.rate_limit_families:
            self.settings.update(RATE_LIMIT_SETTINGS)
        self.check_settings(settings or {})
        self.settings.update(settings or {})
        self.limiter = RateLimiter(self.rate_limit_families, self.settings) if self.rate_limit_families else None
        self.store = Store(self.collections)
        self.journal = Journal()
        self.faults = FaultSet()
        self.on_mutation: Callable[[], None] | None = None  # set by Sandbox to persist state
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._window = (0.0, 0)  # (window start, requests in it) for the rate-limit headers
        self._window_lock = threading.Lock()
        self.routes: dict[tuple[str, str], Route] = {}
        for table in self.route_tables:
            for route in table.routes:
                if self.spec.operation(route.method, route.template) is None:
                    raise RuntimeError(f"{self.name}: {route.method} {route.template} is not in the spec")
                self.routes[(route.method, route.template)] = route
        self.router = SpecRouter(list(self.spec.document["paths"].keys()))
        self.seed()

    # ------------------------------------------------------------------------------------------ hooks
    def default_settings(self) -> dict[str, Any]:
        return {}

    def check_settings(self, changes: dict[str, Any]) -> None:
        """Raise ValueError naming a setting whose new value is invalid (control API, constructor)."""
        for key in ("rate_limit_time_scale", "rate_limit_capacity_scale"):
            if key in changes and not (isinstance(changes[key], (int, float)) and changes[key] > 0):
                raise ValueError(f"{key} must be a number > 0, got {changes[key]!r}")

    def seed(self) -> None:
        """Create the objects a fresh account has (owner/workspace, organization)."""

    def error_body(self, status: int, message: str, code: str | None) -> Any:
        raise NotImplementedError

    def rate_limit_headers(self, remaining: int, reset: int, limit: int | None = None) -> dict[str, str]:
        raise NotImplementedError

    def retry_headers(self, retry_after: int, charge: Charge | None = None) -> dict[str, str]:
        """Headers of an injected 429 (fault): Retry-After plus the vendor's reset header (and, where buckets are
        enforced, the limit of the request's bucket)."""
        headers = (self.rate_limit_headers(0, retry_after, charge.limit) if charge is not None
                   else self.rate_limit_headers(0, retry_after))
        headers["Retry-After"] = str(retry_after)
        return headers

    def shutdown_hook(self) -> None:
        """Release vendor resources (Postgres instances) when the server stops."""

    def reset_hook(self) -> None:
        """Drop vendor resources of every stored object before a reset forgets them."""

    def control_route(self, method: str, parts: list[str], payload: Any) -> "Reply | None":
        """A vendor's own control endpoint (``/_sandbox/<parts>``), or None: not one."""
        return None

    # --------------------------------------------------------------------------------------- lifecycle
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"{self.name} sandbox is not running")
        return self._httpd.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What a client uses as the API base URL (Render: ``.../v1``; Supabase: the origin, paths have /v1)."""
        return self.origin + self.base_path

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def control_headers(self) -> dict[str, str]:
        """The header the control API requires (``/_sandbox/...``)."""
        return {control_tokens.HEADER: self.control_token}

    def url(self, path: str) -> str:
        """Absolute URL of an API path given relative to the base URL (``/services`` or ``/v1/projects``)."""
        return self.base_url + path

    def client(self, timeout: float = 10) -> "ApiClient":
        """A requests session for this server with the bearer token set (see ``tools.sandbox.testing``)."""
        from .testing import ApiClient

        return ApiClient(self, timeout)

    def start(self) -> None:
        handler = type(f"{self.name.title()}Handler", (_Handler,), {"api": self})
        self._httpd = LoopbackServer(("127.0.0.1", self.requested_port), handler)
        self._stopping.clear()
        # stop() waits for the serving loop to notice, up to one poll interval: short, because every test
        # starts and stops a sandbox of its own (an idle wake-up every 20 ms costs next to nothing).
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"sandbox-{self.name}",
                                        kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.shutdown_hook()

    def reset(self) -> None:
        """Forget all objects (then seed again), the journal and the faults."""
        with self.store.lock:
            self.reset_hook()
            self.store.reset()
            self.seed()
        self.journal.clear()
        self.faults.clear()
        if self.limiter is not None:
            self.limiter.reset()

    # ----------------------------------------------------------------------------------- conveniences
    def add_fault(self, kind: str, **kw: Any) -> Fault:
        return self.faults.add(Fault(kind=kind, **kw))

    def edit(self, collection: str, key: str, set: dict | None = None, unset: list | None = None) -> Any:
        """Out-of-band edit of a stored object (see ``Store.edit``), persisted like an API change."""
        result = self.store.edit(collection, key, set, unset)
        self._mutated()
        return result

    def _mutated(self) -> None:
        if self.on_mutation is not None:
            self.on_mutation()

    def _rate_headers(self, charge: Charge | None = None) -> dict[str, str]:
        if charge is not None:
            return self.rate_limit_headers(charge.remaining, charge.reset, charge.limit)
        with self._window_lock:
            now = time.time()
            start, count = self._window
            if now - start >= self.rate_limit_window:
                start, count = now, 0
            count += 1
            self._window = (start, count)
        reset = max(0, int(start + self.rate_limit_window - now))
        return self.rate_limit_headers(max(0, self.rate_limit - count), reset)

    def sleep(self, seconds: float) -> None:
        """Wait, but wake up when the server stops so slow faults never hold up shutdown."""
        self._stopping.wait(seconds)

    # ------------------------------------------------------------------------------------- pipeline
    def dispatch(self, method: str, target: str, headers: dict[str, str],
                 body: bytes) -> tuple[Reply | None, Fault | None]:
        """Handle one API request. Returns (the reply, or None to reset the connection; the fault applied)."""
        started = time.perf_counter()
        url = urlsplit(target)
        path = url.path
        raw_query = parse_qsl(url.query, keep_blank_values=True)
        query_lists: dict[str, list[str]] = {}
        for key, value in raw_query:
            query_lists.setdefault(key, []).append(value)
        entry = JournalEntry(server=self.name, method=method, path=path, query=query_lists, status=None,
                             duration_ms=0.0)
        fault = self.faults.take(method, path)
        if fault is not None:
            entry.fault = fault.to_json()

        def finish(reply: Reply | None) -> tuple[Reply | None, Fault | None]:
            entry.status = reply.status if reply is not None else None
            entry.duration_ms = round((time.perf_counter() - started) * 1000, 3)
            self.journal.add(entry)
            return reply, fault

        if fault is not None and fault.kind == "reset":
            return finish(None)
        if fault is not None and fault.kind == "rate_limit":
            reply = self._error(429, "rate limit exceeded (sandbox fault)", "too_many_requests")
            reply.headers.update(self.retry_headers(fault.retry_after, self._peek(method, path)))
            return finish(reply)
        if fault is not None and fault.kind == "error":
            reply = self._error(fault.status, f"injected {fault.status} (sandbox fault)", "server_error")
            reply.headers.update(self._rate_headers(self._peek(method, path)))
            return finish(reply)

        reply = self._process(method, path, raw_query, headers, body, entry, fault)
        if fault is not None and fault.kind == "drop_response":
            return finish(None)
        return finish(reply)

    def _error(self, status: int, message: str, code: str | None = None) -> Reply:
        return Reply(status, self.error_body(status, message, code))

    def _process(self, method: str, path: str, raw_query: list, headers: dict[str, str], body: bytes,
                 entry: JournalEntry, fault: Fault | None = None) -> Reply:
        auth = headers.get("Authorization", "")
        if auth != f"Bearer {self.token}":
            reason = "missing bearer token" if not auth else "invalid bearer token"
            return self._finish(self._error(401, f"unauthorized: {reason}", "unauthorized"), entry, None)

        if self.limiter is not None:
            charge = self.limiter.charge(method, self._relative(path))
            entry.rate_limit = {"bucket": charge.family.name, "limit": charge.limit, "remaining": charge.remaining,
                                "reset": charge.reset, "limited": not charge.allowed}
            if not charge.allowed:
                reply = self._error(429, f"rate limit exceeded: {charge.family.name}; {charge.limit} requests per "
                                         f"window, the window resets in {charge.reset}s", "too_many_requests")
                return self._finish(reply, entry, None)

        if not path.startswith(self.base_path + "/"):
            return self._reject(404, Violation("request", "path", f"{path} is not an API path"), entry)
        relative = path[len(self.base_path):]
        matched = self.router.match(relative)
        if matched is None:
            return self._reject(404, Violation("request", "path", f"{method} {path}: path not in the API spec"),
                                entry)
        template, params = matched
        entry.operation = template
        if self.spec.operation(method, template) is None:
            return self._reject(405, Violation("request", "method", f"{method} is not defined for {template}"),
                                entry)

        violations = self.spec.check_request(method, relative, template, params, raw_query, headers, body)
        if violations:
            return self._reject(400, violations, entry)

        route = self.routes.get((method, template))
        if route is None:
            reply = self._error(501, f"the sandbox does not emulate {method} {template}", "not_implemented")
            return self._finish(reply, entry, None)

        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        call = Call(self, method, relative, template, params, self.spec.parse_query(method, template, raw_query),
                    raw_query, headers, parsed, fault)
        try:
            if route.locked:
                with self.store.lock:
                    reply = _as_reply(route.handler(call))
            else:
                reply = _as_reply(route.handler(call))
        except RequestViolation as error:
            return self._reject(400, error.violations, entry)
        except ApiError as error:
            reply = self._error(error.status, error.message, error.code)
        except Exception as error:  # a sandbox bug: answer 500 and make the test fail via the journal
            log.exception("sandbox handler crashed")
            entry.response_violations.append(
                Violation("response", "exception", f"{type(error).__name__}: {error}",
                          traceback.format_exc(limit=3)).to_json())
            reply = self._error(500, f"sandbox handler crashed: {error}", "internal")
            return self._finish(reply, entry, None)
        if method != "GET" and 200 <= reply.status < 300:
            self._mutated()
        return self._finish(reply, entry, (relative, template, params))

    def _reject(self, status: int, violations: Violation | list[Violation], entry: JournalEntry) -> Reply:
        violations = [violations] if isinstance(violations, Violation) else violations
        entry.request_violations.extend(v.to_json() for v in violations)
        message = "request does not match the API spec: " + "; ".join(str(v) for v in violations[:5])
        if len(violations) > 5:
            message += f"; and {len(violations) - 5} more"
        reply = self._error(status, message, "bad_request" if status == 400 else "not_found")
        return self._finish(reply, entry, None)

    def _relative(self, path: str) -> str:
        return path[len(self.base_path):] if path.startswith(self.base_path + "/") else path

    def _peek(self, method: str, path: str) -> Charge | None:
        """The bucket a request belongs to, without counting it (answers that never reached the limiter)."""
        return self.limiter.charge(method, self._relative(path), consume=False) if self.limiter else None

    def _finish(self, reply: Reply, entry: JournalEntry, matched: tuple | None) -> Reply:
        data = reply.encoded()
        reply.headers.setdefault("Content-Type", JSON_TYPE)
        if entry.rate_limit is not None:  # charged: describe that bucket (remaining after this request)
            reply.headers.update(self.rate_limit_headers(entry.rate_limit["remaining"], entry.rate_limit["reset"],
                                                         entry.rate_limit["limit"]))
        else:
            reply.headers.update(self._rate_headers(self._peek(entry.method, entry.path)))
        if matched is not None:
            relative, template, params = matched
            operation = self.spec.operation(entry.method, template) or {}
            declared = str(reply.status) in operation.get("responses", {}) or "default" in operation.get(
                "responses", {})
            # An error status the spec does not list for this operation is a gap in the spec, not a bug in the
            # body; every success must be declared, and every declared status must carry a valid body.
            if declared or reply.status < 400:
                found = self.spec.check_response(entry.method, relative, template, params, reply.status, data,
                                                  "application/json")
                entry.response_violations.extend(v.to_json() for v in found)
                entry.response_checked = True
        return reply

    # ------------------------------------------------------------------------------------- control
    def control(self, method: str, target: str, body: bytes, presented_token: str | None) -> Reply:
        return control.handle(self, method, target, body, presented_token)


class LoopbackServer(ThreadingHTTPServer):
    """A threaded HTTP server on a loopback port whose connection errors stay out of stderr (the APIs' and the
    traffic ports', tools/sandbox/render/traffic_ports.py)."""
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection error from %s", client_address, exc_info=True)


class LoopbackHandler(BaseHTTPRequestHandler):
    """What every sandbox port's handler shares: keep-alive, the loopback Host/Origin guard, one write of an
    answer, and a client that went away."""
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, the client's delayed ACK adds
    # ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    host_suffixes: tuple[str, ...] = ()  # public names accepted besides loopback ones (loopback.refusal)

    def _refusal(self) -> str | None:
        """Why a request a browser page made (DNS rebinding, a foreign origin) is refused; None: it is not."""
        return loopback.refusal(self.headers.get_all("Host") or [], self.headers.get("Origin"),
                                self.server.server_address[1], self.host_suffixes)

    def _write(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass


class _Handler(LoopbackHandler):
    api: ApiServer
    server_version = "procurement-sandbox"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the journal is the log
        log.debug("%s %s", self.api.name, format % args)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.title() if k.lower() != "authorization" else "Authorization": v
                   for k, v in self.headers.items()}
        method = self.command.upper()
        is_control = urlsplit(self.path).path.startswith("/_sandbox")
        # Before anything else, control or API (whose token is a well-known default): a request a browser page
        # made is answered 403 and never reaches the store, the journal or the rate limits.
        refused = self._refusal()
        if refused is not None:
            answer = {"error": refused} if is_control else self.api.error_body(403, refused, "forbidden")
            self._send(Reply(403, answer))
            return
        if is_control:
            self._send(self.api.control(method, self.path, body, self.headers.get(control_tokens.HEADER)))
            return
        reply, fault = self.api.dispatch(method, self.path, headers, body)
        if reply is None:
            self._reset_connection()
            return
        if fault is not None and fault.kind == "slow":
            self.api.sleep(fault.delay)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        self._write(reply.status, reply.encoded(), {"Content-Type": JSON_TYPE, **reply.headers})

    def _reset_connection(self) -> None:
        # SO_LINGER with a zero timeout makes close() send a TCP RST: the client sees "connection reset".
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle
