"""Every request body the Render provider builds conforms strictly to Render's OpenAPI spec."""
from __future__ import annotations

import pytest

from dynamic_providers.render import encoders as enc
from dynamic_providers.render.services import PATCHABLE, ServiceProvider

from render_spec import undeclared, violations

OWNER = "tea-abc"
DIGEST = "sha256:" + "a" * 64

CASES = {
    "web-image": {"service_type": "web_service", "image": "ghcr.io/acme/api:1.2", "image_digest": DIGEST,
                  "registry_credential_id": "rgc-1", "start_command": "serve", "health_check_path": "/healthz",
                  "pre_deploy_command": "migrate", "plan": "standard", "region": "frankfurt",
                  "maintenance_mode": {"enabled": True, "uri": "https://status.example"},
                  "render_subdomain_policy": "disabled", "max_shutdown_delay_seconds": 60,
                  "ip_allow_list": [{"cidr_block": "0.0.0.0/0", "description": "all"}],
                  "disk": {"name": "data", "mount_path": "/data", "size_gb": 5}, "previews_generation": "off"},
    "web-native-autoscaled": {"service_type": "web_service", "repo": "https://github.com/acme/api",
                              "branch": "main", "runtime": "python", "build_command": "pip install -r r.txt",
                              "start_command": "gunicorn app", "auto_deploy": False, "root_dir": "backend",
                              "autoscaling": {"min": 1, "max": 3, "cpu_percent": 70}},
    "web-docker": {"service_type": "web_service", "repo": "https://github.com/acme/api", "runtime": "docker",
                   "docker_context": ".", "dockerfile_path": "./Dockerfile", "start_command": "serve"},
    "private": {"service_type": "private_service", "image": "ghcr.io/acme/internal", "num_instances": 2,
                "plan": "pro"},
    "worker": {"service_type": "background_worker", "image": "ghcr.io/acme/worker@" + DIGEST,
               "start_command": "celery worker"},
    "cron-image": {"service_type": "cron_job", "image": "ghcr.io/acme/jobs:1", "schedule": "0 3 * * *",
                   "start_command": "python nightly.py"},
    "cron-native": {"service_type": "cron_job", "repo": "https://github.com/acme/jobs", "runtime": "node",
                    "build_command": "npm ci", "start_command": "node job.js", "schedule": "*/5 * * * *"},
    "static": {"service_type": "static_site", "repo": "https://github.com/acme/web", "branch": "main",
               "build_command": "npm ci && npm run build", "publish_path": "dist",
               "headers": [{"path": "/*", "name": "X-Frame-Options", "value": "DENY"}],
               "routes": [{"type": "rewrite", "source": "/*", "destination": "/index.html"}],
               "render_subdomain_policy": "disabled", "previews_generation": "manual"},
}


def checked(extra: dict) -> dict:
    provider = ServiceProvider()
    result = provider.check({}, {"name": "svc", "owner_id": OWNER, **extra})
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


@pytest.mark.parametrize("case", sorted(CASES))
def test_create_body_conforms(case):
    inputs = checked(CASES[case])
    body = enc.service_create_body(inputs)
    assert violations("POST", "/services", body, inputs["service_type"]) == []
    assert body["type"] == inputs["service_type"] and body["ownerId"] == OWNER


@pytest.mark.parametrize("case", sorted(CASES))
def test_patch_body_with_every_patchable_change_conforms(case):
    inputs = checked(CASES[case])
    body = enc.service_patch_body(inputs, set(PATCHABLE))
    assert body, "a full change set must produce a PATCH body"
    assert violations("PATCH", "/services/{serviceId}", body, inputs["service_type"]) == []
    for forbidden in ("type", "ownerId", "region", "numInstances", "autoscaling", "disk"):
        assert forbidden not in body and forbidden not in body.get("serviceDetails", {})


def test_patch_body_carries_only_what_changed():
    inputs = checked(CASES["web-image"])
    assert enc.service_patch_body(inputs, {"health_check_path"}) == {"serviceDetails": {"healthCheckPath": "/healthz"}}
    assert enc.service_patch_body(inputs, {"num_instances"}) is None
    body = enc.service_patch_body(inputs, {"image_digest"})
    assert body == {"image": {"ownerId": OWNER, "imagePath": f"ghcr.io/acme/api@{DIGEST}",
                              "registryCredentialId": "rgc-1"}}


def test_side_endpoint_bodies_conform():
    inputs = checked(CASES["static"])
    assert violations("PUT", "/services/{serviceId}/headers", enc.headers_body(inputs["headers"])) == []
    assert violations("PUT", "/services/{serviceId}/routes", enc.routes_body(inputs["routes"])) == []
    scaled = checked(CASES["web-native-autoscaled"])
    assert violations("PUT", "/services/{serviceId}/autoscaling", enc.autoscaling_body(scaled["autoscaling"])) == []
    assert violations("POST", "/services/{serviceId}/scale", {"numInstances": 3}) == []
    assert violations("PUT", "/services/{serviceId}/env-vars", enc.env_var_list({"A": "1", "B": "2"})) == []
    assert violations("PUT", "/services/{serviceId}/secret-files", enc.secret_file_list({"f": "x"})) == []


def test_the_strict_checker_catches_invented_fields():
    body = enc.service_create_body(checked(CASES["web-image"]))
    body["serviceDetails"]["numInstance"] = 2  # typo
    body["colour"] = "red"
    problems = violations("POST", "/services", body, "web_service")
    assert any("numInstance" in p for p in problems) and any("colour" in p for p in problems)
    assert undeclared({"$ref": "#/components/schemas/headerInput"}, {"path": "/", "name": "a", "value": "b"}) == []


@pytest.mark.parametrize("given,expected", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.25", "docker.io/library/nginx:1.25"),
    ("acme/api", "docker.io/acme/api:latest"),
    ("ghcr.io/acme/api", "ghcr.io/acme/api:latest"),
    ("localhost:5000/api:dev", "localhost:5000/api:dev"),
    ("ghcr.io/acme/api:1@" + DIGEST, "ghcr.io/acme/api@" + DIGEST),
])
def test_image_normalisation_matches_what_render_echoes(given, expected):
    assert enc.normalize_image(given) == expected


def test_image_inputs_are_canonical_so_render_echo_is_no_diff():
    inputs = checked({"service_type": "web_service", "image": "nginx"})
    assert inputs["image"] == "docker.io/library/nginx:latest" and inputs["runtime"] == "image"
    pinned = checked({"service_type": "web_service", "image": "ghcr.io/acme/api:2", "image_digest": DIGEST})
    assert pinned["image"] == "ghcr.io/acme/api"
    assert enc.split_image_path(f"ghcr.io/acme/api@{DIGEST}") == ("ghcr.io/acme/api", DIGEST)


def test_log_stream_body_conforms():
    from dynamic_providers.render.log_streams import LogStreamProvider, log_stream_body

    inputs = LogStreamProvider().check({}, {"owner_id": "tea-1", "endpoint": "logs.example.com:6514",
                                            "token_env": "RENDER_LOG_STREAM_TOKEN"}).inputs
    body = log_stream_body(inputs, "t")
    assert body == {"endpoint": "logs.example.com:6514", "preview": "drop", "token": "t"}
    assert violations("PUT", "/logs/streams/owner/{ownerId}", body) == []
