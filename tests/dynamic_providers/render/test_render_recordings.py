"""The decoders read every recorded real Render response for the endpoints the provider uses.

Recordings: go-vcr cassettes in ``$PROCUREMENT_SHARED_DIR/recordings/render/`` (real traffic with
nulls, omitted "required" fields and fields newer than the spec).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from dynamic_providers.render import models as m
from dynamic_providers.render.services import LiveService, ServiceProvider

from render_spec import shared_dir

RECORDINGS = shared_dir() / "recordings" / "render"

# (method, path regex) -> (decoder, wrapper key in list pages)
ID = r"[a-z]{3}-[0-9a-z]+(?:-[ab])?"
ENDPOINTS = [
    (("GET", "POST"), rf"^/services$", m.Service.decode, "service"),
    (("GET", "PATCH"), rf"^/services/{ID}$", m.Service.decode, None),
    (("GET", "PUT"), rf"^/services/{ID}/env-vars$", m.KeyValue.env_var, "envVar"),
    (("GET", "PUT"), rf"^/services/{ID}/secret-files$", m.KeyValue.secret_file, "secretFile"),
    (("GET", "POST"), rf"^/services/{ID}/custom-domains$", m.CustomDomain.decode, "customDomain"),
    (("GET", "PUT"), rf"^/services/{ID}/headers$", m.Header.decode, "header"),
    (("GET", "PUT"), rf"^/services/{ID}/routes$", m.Route.decode, "route"),
    (("GET", "POST"), rf"^/services/{ID}/deploys$", m.Deploy.decode, "deploy"),
    (("GET", "POST", "PATCH"), rf"^/env-groups(/{ID})?$", m.EnvGroup.decode, "envGroup"),
    (("PUT",), rf"^/env-groups/{ID}/(env-vars|secret-files)/[^/]+$", m.EnvGroup.decode, None),
    (("GET", "POST", "PATCH"), rf"^/projects(/{ID})?$", m.Project.decode, "project"),
    (("GET", "POST", "PATCH"), rf"^/environments(/{ID})?$", m.Environment.decode, "environment"),
    (("GET", "POST", "PATCH"), rf"^/registrycredentials(/{ID})?$", m.RegistryCredential.decode,
     "registryCredential"),
]


def test_log_stream_reader_reads_recorded_owner_settings():
    from dynamic_providers.render.log_streams import LogStreamProvider

    class Recorded:  # replays one recorded GET body through the provider's reader
        api_name = "Render"

        def __init__(self, body):
            self.body = body

        def get(self, path, params=None):
            return self.body

    bodies = [json.loads(item["response"]["body"]) for _, _, item in interactions()
              if item["request"]["method"] == "GET" and "/logs/streams/owner/" in item["request"]["url"]
              and int(item["response"]["code"]) == 200]
    assert bodies, "no recorded owner log-stream reads"
    provider = LogStreamProvider()
    for body in bodies:
        live = provider._get(Recorded(body), body["ownerId"])
        assert live is None if not body.get("endpoint") else live["endpoint"] == body["endpoint"]
    assert provider._get(Recorded({"ownerId": "tea-1", "endpoint": "h:1", "preview": None}), "tea-1") == \
        {"owner_id": "tea-1", "endpoint": "h:1", "preview_logs": None}


def interactions():
    for path in sorted(RECORDINGS.glob("*.yaml")):
        data = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        for i, item in enumerate(data.get("interactions") or []):
            yield path.name, i, item


def endpoint_for(method: str, path: str):
    for methods, pattern, decoder, key in ENDPOINTS:
        if method in methods and re.match(pattern, path):
            return decoder, key
    return None


def raw_id(obj, key):
    if isinstance(obj, dict) and key and isinstance(obj.get(key), dict):
        obj = obj[key]
    if isinstance(obj, dict) and "service" in obj and isinstance(obj["service"], dict):
        obj = obj["service"]  # create response {service, deployId}
    return obj.get("id") if isinstance(obj, dict) else None


def test_recordings_are_present():
    assert RECORDINGS.is_dir(), f"no recordings at {RECORDINGS} (set PROCUREMENT_SHARED_DIR)"
    assert len(list(RECORDINGS.glob("*.yaml"))) >= 40


def test_decoders_read_every_recorded_response_of_used_endpoints():
    decoded = Counter()
    provider = ServiceProvider()
    for name, i, item in interactions():
        request, response = item["request"], item["response"]
        path = re.sub(r"^https://[^/]+/v1", "", request["url"]).split("?")[0]
        found = endpoint_for(request["method"], path)
        if found is None or not 200 <= int(response["code"]) < 300 or not response.get("body"):
            continue
        decoder, key = found
        body = json.loads(response["body"])
        objects = body if isinstance(body, list) else ([] if body is None else [body])  # PUT /headers: "null"
        for obj in objects:
            where = f"{name}#{i} {request['method']} {path}"
            model = decoder(obj)
            assert model is not None, where
            expected_id = raw_id(obj, key)
            if expected_id and hasattr(model, "id"):
                assert model.id == expected_id, where
            if isinstance(model, m.Service):
                assert model.type in ("web_service", "private_service", "background_worker", "cron_job",
                                      "static_site"), where
                observed = provider.live_inputs(LiveService(model))  # must not raise on real shapes
                assert observed["name"] == model.name, where
                provider.live_outputs(LiveService(model))
            decoded[f"{decoder.__self__.__name__}.{decoder.__name__}"] += 1  # the class, not where decode is defined
    # Every family the provider reads must actually have been exercised by real data.
    for family, minimum in {"Service.decode": 300, "KeyValue.env_var": 50, "KeyValue.secret_file": 50,
                            "CustomDomain.decode": 5, "Header.decode": 3, "Route.decode": 3,
                            "Deploy.decode": 10, "EnvGroup.decode": 3, "Project.decode": 10,
                            "Environment.decode": 10}.items():
        assert decoded[family] >= minimum, (family, decoded[family])


def test_decoders_tolerate_nulls_missing_and_unknown_fields():
    svc = m.Service.decode({"id": "srv-1", "type": "web_service", "serviceDetails": None,
                              "suspended": None, "registryCredential": None, "brandNewField": {"x": 1},
                              "autoDeploy": "sometimes"})
    assert svc.id == "srv-1" and svc.auto_deploy is None and svc.url is None and not svc.suspended
    assert m.Deploy.decode({"id": "dep-1", "status": "brand_new_status"}).in_progress
    assert m.Deploy.decode(None).id == ""
    assert m.EnvGroup.decode({"id": "evg-1", "serviceLinks": None, "envVars": [None, {"key": "A"}]}).env_vars == {"A": None}
    assert m.Project.decode({"id": "prj-1", "owner": None, "environmentIds": None}).environment_ids == []
    assert m.Autoscaling.decode({"enabled": True, "min": 1, "max": 2, "criteria": None}).cpu_percent is None
