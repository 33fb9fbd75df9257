"""procurement:release, procurement:renderTrafficGatewayUrl and the backend's shutdown delay: what the committed
stacks say, the defaults, and every bad value reported at once under its key (production rules included)."""
import copy

import pytest
import yaml

from components.config import ConfigError, RawConfig, parse_config
from stack_cases import committed_overrides, config_of
from tests.mock_harness import PROJECT_ROOT, read_stack_config

P = "procurement:"


def backend_of(stack, **changes):
    """The committed stack's backend object with `changes` applied (None removes a field)."""
    backend = copy.deepcopy(yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"][P + "backend"])
    for name, value in changes.items():
        if value is None:
            backend.pop(name, None)
        else:
            backend[name] = value
    return {P + "backend": backend}


def parse(stack, overrides=None, remove=()):
    f = read_stack_config(stack, overrides={**committed_overrides(stack), **(overrides or {})}, remove=remove)
    return parse_config(RawConfig(f.values, f.secret_keys), project=f.project, stack=stack)


def problems(stack, overrides=None, remove=()):
    with pytest.raises(ConfigError) as error:
        parse(stack, overrides, remove)
    assert str(error.value).count("\n  - ") == len(error.value.problems)  # one error, one line per problem
    return {p.key: p.message for p in error.value.problems}


def test_the_committed_stacks_release_with_a_candidate_and_production_watches_longer():
    production, staging, local = config_of("production"), config_of("staging"), config_of("local")
    assert production.release.candidate and staging.release.candidate and local.release.candidate
    assert production.release.watch_seconds >= 60 and local.release.watch_seconds == 5
    # Staging checks what production will check: the same image is promoted.
    assert production.release.smoke_checks == staging.release.smoke_checks != ()
    assert local.release.smoke_checks == ()  # the health path is implied
    assert production.backend.shutdown_delay_seconds >= production.backend.slowest_request_seconds == 30


def test_only_the_local_stack_names_a_traffic_gateway():
    assert config_of("local").apis.render_traffic_gateway_url == "http://127.0.0.1:18083"
    assert config_of("staging").apis.render_traffic_gateway_url is None
    assert config_of("production").apis.render_traffic_gateway_url is None


def test_absent_release_reads_as_its_defaults_which_production_accepts():
    release = parse("production", remove=(P + "release",)).release
    assert (release.candidate, release.watch_seconds, release.smoke_checks) == (True, 120, ())


def test_checks_are_the_health_path_then_the_api_smoke_checks_once_each():
    release = parse("staging", {P + "release": {"smokeChecks": [
        {"path": "/health"}, {"path": "/openapi.json"}, {"path": "/api/v1/orders", "status": 401}]}}).release
    assert release.checks("/health", api=True) == [
        {"path": "/health", "status": 200}, {"path": "/openapi.json", "status": 200},
        {"path": "/api/v1/orders", "status": 401}]
    assert release.checks("/ready", api=False) == [{"path": "/ready", "status": 200}]


def test_without_a_backend_there_is_no_release():
    tiers = yaml.safe_load((PROJECT_ROOT / "Pulumi.local.yaml").read_text())["config"][P + "tiers"]
    cfg = parse("local", {P + "tiers": {**tiers, "backend": False}, P + "database": {
        **yaml.safe_load((PROJECT_ROOT / "Pulumi.local.yaml").read_text())["config"][P + "database"], "roles": []}})
    assert cfg.release is None and cfg.backend is None


def test_production_refuses_an_unwatched_release_without_a_candidate_or_a_shutdown_delay():
    found = problems("production", {P + "release": {"candidate": False, "watchSeconds": 30},
                                    **backend_of("production", shutdownDelaySeconds=None)})
    assert set(found) == {P + "release.candidate", P + "release.watchSeconds", P + "backend.shutdownDelaySeconds"}
    assert "(got 30)" in found[P + "release.watchSeconds"]
    assert found[P + "backend.shutdownDelaySeconds"].startswith("is required in production")


def test_the_same_release_is_fine_outside_production():
    cfg = parse("staging", {P + "release": {"candidate": False, "watchSeconds": 0},
                            **backend_of("staging", shutdownDelaySeconds=None)})
    assert cfg.release.candidate is False and cfg.backend.shutdown_delay_seconds is None


def test_a_shutdown_delay_shorter_than_the_slowest_request_is_refused():
    found = problems("staging", backend_of("staging", shutdownDelaySeconds=20, slowestRequestSeconds=45))
    assert set(found) == {P + "backend.shutdownDelaySeconds"}
    assert "slowestRequestSeconds (45), got 20" in found[P + "backend.shutdownDelaySeconds"]


def test_an_invalid_production_shutdown_delay_is_reported_once():
    found = problems("production", backend_of("production", shutdownDelaySeconds="sixty"))
    assert set(found) == {P + "backend.shutdownDelaySeconds"}
    assert "whole number" in found[P + "backend.shutdownDelaySeconds"]


def test_every_bad_release_value_is_reported_together():
    found = problems("local", {
        P + "release": {"candidate": "yes", "watchSeconds": 3601, "smokeChecks": [
            {"path": "health"}, {"path": "/ok", "status": 700}, {"path": "/ok"}, {"status": 200},
            {"path": "/x", "method": "POST"}]},
        P + "renderTrafficGatewayUrl": "127.0.0.1:18083",
        **backend_of("local", shutdownDelaySeconds=0, slowestRequestSeconds=301)})
    assert set(found) == {
        P + "release.candidate", P + "release.watchSeconds", P + "release.smokeChecks[0].path",
        P + "release.smokeChecks[1].status", P + "release.smokeChecks[2].path", P + "release.smokeChecks[3].path",
        P + "release.smokeChecks[4].method", P + "renderTrafficGatewayUrl", P + "backend.shutdownDelaySeconds",
        P + "backend.slowestRequestSeconds"}, found
    assert "checked already" in found[P + "release.smokeChecks[2].path"]
    assert "is required" in found[P + "release.smokeChecks[3].path"]


def test_production_never_sends_its_checks_through_a_gateway():
    found = problems("production", {P + "renderTrafficGatewayUrl": "https://gateway.example.net"})
    assert set(found) == {P + "renderTrafficGatewayUrl"} and "public URLs" in found[P + "renderTrafficGatewayUrl"]
