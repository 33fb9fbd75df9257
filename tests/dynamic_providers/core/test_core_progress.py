"""Progress reporting from a dynamic provider: the engine address from the plugin's argv, the URN from the
servicer's frame, Engine.Log over real gRPC, throttling; and the configurable rate-limit wait limit."""
from __future__ import annotations

from concurrent import futures

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.runtime.proto import engine_pb2_grpc

from dynamic_providers.core import progress
from dynamic_providers.render.api import RENDER
from dynamic_providers.render.services import ServiceProvider

URN = "urn:pulumi:test::proj::pulumi-python:dynamic/render:Deploy::release"


def in_servicer_frame(urn: str, fn):
    """Run ``fn`` the way pulumi.dynamic's servicer runs a provider method: inside ``Create(self, request, ...)``
    defined in a file named .../pulumi/dynamic/__main__.py."""
    source = "def Create(self, request, context):\n    return fn()\n"
    namespace = {"fn": fn}
    exec(compile(source, "/venv/lib/python3.11/site-packages/pulumi/dynamic/__main__.py", "exec"), namespace)
    return namespace["Create"](None, type("Req", (), {"urn": urn})(), None)


class Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self):
        self.logs = []

    def Log(self, request, context):
        self.logs.append((request.urn, request.message, request.ephemeral, request.severity))
        return empty_pb2.Empty()


@pytest.fixture
def engine(monkeypatch):
    servicer = Engine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    engine_pb2_grpc.add_EngineServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    monkeypatch.setattr(progress, "engine_address", lambda: f"127.0.0.1:{port}")
    monkeypatch.setattr(progress, "_engine", {})
    yield servicer
    server.stop(0)


def test_engine_address_is_the_last_plugin_argument():
    assert progress.engine_address(["127.0.0.1:54321"]) == "127.0.0.1:54321"
    assert progress.engine_address(["--logtostderr", "-v=9", "--tracing", "x", "localhost:1234"]) == "localhost:1234"
    assert progress.engine_address(["[::1]:9"]) == "[::1]:9"
    assert progress.engine_address(["--logtostderr"]) is None
    assert progress.engine_address() is None  # pytest is not the dynamic-provider plugin


def test_current_urn_comes_from_the_servicer_frame():
    assert progress.current_urn() is None
    assert in_servicer_frame(URN, progress.current_urn) == URN


def test_reports_reach_the_engine_as_ephemeral_status_and_notes_as_info(engine):
    def work():
        progress.report("deploy dep-1: build_in_progress (2s)", min_interval=0)
        progress.report("deploy dep-1: build_in_progress (2s)", min_interval=0)  # a repeat is dropped
        progress.report("deploy dep-1: update_in_progress (5s)", min_interval=0)
        progress.note("waiting 38m for the rate limit")

    in_servicer_frame(URN, work)
    assert engine.logs == [
        (URN, "deploy dep-1: build_in_progress (2s)", True, 1),
        (URN, "deploy dep-1: update_in_progress (5s)", True, 1),
        (URN, "waiting 38m for the rate limit", False, 1),
    ]


def test_without_a_urn_nothing_is_sent_and_a_dead_engine_never_fails_the_step(engine, monkeypatch):
    progress.report("no resource here", min_interval=0)
    assert engine.logs == []
    monkeypatch.setattr(progress, "engine_address", lambda: "127.0.0.1:1")  # nothing listens there
    monkeypatch.setattr(progress, "_engine", {})
    in_servicer_frame(URN, lambda: progress.report("still fine", min_interval=0))


def test_reports_are_throttled_and_captured():
    with progress.capture() as seen:
        progress.report("a", min_interval=60)
        progress.report("b", min_interval=60)  # within a minute of "a": dropped
        progress.note("n")
    assert seen == [("status", None, "a"), ("note", None, "n")]


def test_sleep_reports_the_time_left_in_chunks():
    slept = []
    with progress.capture() as seen:
        progress.sleep(25, lambda left: f"{progress.duration(left)} left", sleeper=slept.append)
    assert slept == [10, 10, 5]
    assert [m for _, _, m in seen] == ["25s left", "15s left", "5s left"]
    assert progress.duration(3725) == "1h02m" and progress.duration(125) == "2m05s"


def test_the_rate_limit_wait_limit_comes_from_config_then_environment(monkeypatch):
    monkeypatch.delenv("RENDER_MAX_RATE_LIMIT_WAIT_SECONDS", raising=False)
    assert RENDER.max_rate_limit_wait({}) is None
    monkeypatch.setenv("RENDER_MAX_RATE_LIMIT_WAIT_SECONDS", "60")
    assert RENDER.max_rate_limit_wait({}) == 60
    assert RENDER.max_rate_limit_wait({"procurement:renderMaxRateLimitWaitSeconds": "3600"}) == 3600
    with pytest.raises(ValueError, match="procurement:renderMaxRateLimitWaitSeconds must be a number"):
        RENDER.max_rate_limit_wait({"procurement:renderMaxRateLimitWaitSeconds": "an hour"})
    monkeypatch.setenv("RENDER_MAX_RATE_LIMIT_WAIT_SECONDS", "-1")
    with pytest.raises(ValueError, match="RENDER_MAX_RATE_LIMIT_WAIT_SECONDS"):
        RENDER.max_rate_limit_wait({})


def test_providers_build_transports_with_the_configured_limit(monkeypatch):
    monkeypatch.delenv("RENDER_MAX_RATE_LIMIT_WAIT_SECONDS", raising=False)
    provider = ServiceProvider()
    provider.configure(ConfigureRequest(Config({"procurement:renderApiKey": "k",
                                                "procurement:renderMaxRateLimitWaitSeconds": "1800"}, "procurement")))
    transport = provider.transport()
    assert transport.options.max_rate_limit_wait == 1800
    assert transport.wait_setting == "procurement:renderMaxRateLimitWaitSeconds or RENDER_MAX_RATE_LIMIT_WAIT_SECONDS"
    assert ServiceProvider().http.max_rate_limit_wait == 900  # the default when nothing is configured
