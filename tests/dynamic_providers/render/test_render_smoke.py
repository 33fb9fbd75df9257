"""Smoke checks (dynamic_providers/render/smoke.py): where a request goes, what it carries, what a failure says."""
from __future__ import annotations

import http.server
import socket
import threading

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from dynamic_providers.render import smoke
from dynamic_providers.render.candidates import ReleaseCandidateProvider

PUBLIC = "https://api-x1y2.onrender.com"


@pytest.fixture
def origin():
    """A loopback origin answering 200 on /ok and 503 elsewhere; ``seen`` holds each request's (path, headers)."""
    seen: list[tuple[str, dict]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, dict(self.headers)))
            self.send_response(200 if self.path == "/ok" else 503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_through_a_gateway_the_host_is_kept_and_no_token_is_sent(origin, monkeypatch):
    monkeypatch.setenv("RENDER_API_KEY", "rnd_secret_token")
    url, seen = origin
    results = smoke.run_checks(PUBLIC, [{"path": "/ok", "status": 200}, {"path": "/health", "status": 200}], url)
    assert [r.line() for r in results] == ["GET /ok -> 200 ok", "GET /health -> 503, expected 200"]
    assert [r.as_output() for r in results][1] == {"path": "/health", "expected": 200, "got": 503, "ok": False}
    assert [path for path, _ in seen] == ["/ok", "/health"]
    for _, headers in seen:
        assert headers["Host"] == "api-x1y2.onrender.com"
        assert "Authorization" not in headers and "rnd_secret_token" not in str(headers)


def test_without_a_gateway_the_public_url_is_requested():
    assert smoke.request_url(PUBLIC, "/health") == (PUBLIC + "/health", {})


def test_no_answer_is_a_failed_check():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    result = smoke.check_once(PUBLIC, "/health", 200, closed)
    assert not result.ok and str(result.got).startswith("no answer: ")
    assert result.failure() == f"GET /health -> {result.got} (expected 200)"


def test_the_gateway_comes_from_stack_config_then_the_environment(monkeypatch):
    monkeypatch.setenv(smoke.GATEWAY_ENV, "http://127.0.0.1:1/")
    provider = ReleaseCandidateProvider()
    provider.configure(ConfigureRequest(Config({}, "procurement")))
    assert provider.traffic_gateway() == "http://127.0.0.1:1"
    provider.configure(ConfigureRequest(Config({smoke.GATEWAY_CONFIG_KEY: "http://127.0.0.1:18083"}, "procurement")))
    assert provider.traffic_gateway() == "http://127.0.0.1:18083"
    monkeypatch.delenv(smoke.GATEWAY_ENV)
    assert smoke.gateway(None) is None


def test_a_plan_names_the_checks_in_a_reviewers_terms():
    assert smoke.describe_checks([{"path": "/health", "status": 200}, {"path": "/api", "status": 401.0}]) == \
        "GET /health -> 200, GET /api -> 401"
    assert smoke.describe_checks([{"path": "health"}]) == "its checks"  # check() names what is wrong with them
