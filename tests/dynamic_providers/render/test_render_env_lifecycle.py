"""EnvVars / SecretFiles: full-set ownership, per-key updates, deploys, drift, adoption, faults."""
from __future__ import annotations

import pytest

from dynamic_providers.core import AdoptionRequiredError
from dynamic_providers.render import undeclared
from dynamic_providers.render.service_env import EnvVarsProvider, SecretFilesProvider
from dynamic_providers.render.services import ServiceProvider

from render_harness import Driver, configured, render_requests, request_violations


@pytest.fixture
def service(sandbox):
    d = Driver(configured(ServiceProvider, sandbox))
    d.up({"name": "api", "owner_id": sandbox.render.owner_id, "service_type": "web_service",
          "image": "ghcr.io/acme/api:1"})
    return d


def writes(sandbox):
    return [(e.method, e.operation) for e in render_requests(sandbox) if e.method != "GET"]


def test_env_vars_lifecycle_with_minimal_writes(sandbox, service):
    store = sandbox.render.store.data["env_vars"]
    d = Driver(configured(EnvVarsProvider, sandbox))
    sandbox.render.journal.clear()
    outs = d.up({"service_id": service.id, "variables": {"A": "1", "B": "2"}})
    assert store[service.id] == {"A": "1", "B": "2"}
    assert outs["keys"] == ["A", "B"] and outs["deploy_id"]
    assert writes(sandbox) == [("PUT", "/services/{serviceId}/env-vars"), ("POST", "/services/{serviceId}/deploys")]

    d.refresh()
    assert d.preview({"service_id": service.id, "variables": {"B": "2", "A": "1"}}).changes is False

    sandbox.render.journal.clear()
    d.up({"service_id": service.id, "variables": {"A": "1", "B": "3"}})  # change one variable
    assert writes(sandbox) == [("PUT", "/services/{serviceId}/env-vars/{envVarKey}"),
                               ("POST", "/services/{serviceId}/deploys")]
    assert store[service.id] == {"A": "1", "B": "3"}

    d.up({"service_id": service.id, "variables": {"A": "1"}})
    assert store[service.id] == {"A": "1"}
    assert d.preview({"service_id": service.id, "variables": {"A": "1"}}).changes is False

    d.destroy()
    assert store[service.id] == {}
    assert request_violations(sandbox) == []


def test_out_of_band_variable_is_drift_and_removed(sandbox, service):
    d = Driver(configured(EnvVarsProvider, sandbox))
    spec = {"service_id": service.id, "variables": {"A": "1"}}
    d.up(spec)
    sandbox.render.store.data["env_vars"][service.id]["ROGUE"] = "x"
    sandbox.render.store.data["env_vars"][service.id]["A"] = "tampered"
    d.refresh()
    # The declared key's new value is read; the undeclared one's is not (no record says it is plain).
    assert d.outs["variables"] == {"A": "tampered", "ROGUE": undeclared.PLACEHOLDER}
    assert d.preview(spec).changes is True
    d.up(spec)
    assert sandbox.render.store.data["env_vars"][service.id] == {"A": "1"}


def test_existing_foreign_variables_need_adopt(sandbox, service):
    sandbox.render.store.data["env_vars"][service.id]["SET_BY_HAND"] = "1"
    d = Driver(configured(EnvVarsProvider, sandbox))
    with pytest.raises(AdoptionRequiredError, match=r"env-var set for service srv-\w+ already exists.*adopt=True.*remove the existing entries"):
        d.up({"service_id": service.id, "variables": {"A": "1"}})
    assert sandbox.render.store.data["env_vars"][service.id] == {"SET_BY_HAND": "1"}
    d.up({"service_id": service.id, "variables": {"A": "1"}, "adopt": True})
    assert sandbox.render.store.data["env_vars"][service.id] == {"A": "1"}


def test_no_deploy_for_suspended_service_or_when_disabled(sandbox, service):
    sandbox.render.edit("services", service.id, {"suspended": "suspended"})
    d = Driver(configured(EnvVarsProvider, sandbox))
    sandbox.render.journal.clear()
    d.up({"service_id": service.id, "variables": {"A": "1"}})
    assert render_requests(sandbox, "POST", "/services/{serviceId}/deploys") == []
    sandbox.render.edit("services", service.id, {"suspended": "not_suspended"})
    d.up({"service_id": service.id, "variables": {"A": "2"}, "deploy_on_change": False})
    assert render_requests(sandbox, "POST", "/services/{serviceId}/deploys") == []


@pytest.mark.parametrize("kind,extra", [("rate_limit", {"retry_after": 1}), ("error", {"status": 500}),
                                        ("reset", {}), ("drop_response", {}), ("slow", {"delay": 2.0})])
def test_faults_on_writes_converge(sandbox, service, kind, extra):
    d = Driver(configured(EnvVarsProvider, sandbox))
    sandbox.render.add_fault(kind, method="PUT", path="/v1/services/{id}/env-vars", count=1, **extra)
    d.up({"service_id": service.id, "variables": {"A": "1", "B": "2"}})
    sandbox.render.add_fault(kind, method="PUT", path="/v1/services/{id}/env-vars/{key}", count=1, **extra)
    d.up({"service_id": service.id, "variables": {"A": "1", "B": "3"}})
    assert sandbox.render.store.data["env_vars"][service.id] == {"A": "1", "B": "3"}
    # a deploy POST is not idempotent: one per change, never duplicated by retries
    deploys = [e for e in render_requests(sandbox, "POST") if e.path.endswith("/deploys") and e.status in (200, 201, 202)]
    assert len(deploys) == 2  # one per change
    assert request_violations(sandbox) == []


def test_secret_files_lifecycle(sandbox, service):
    store = sandbox.render.store.data["secret_files"]
    d = Driver(configured(SecretFilesProvider, sandbox))
    d.up({"service_id": service.id, "files": {"config.json": "{}", "key.pem": "PEM"}})
    assert store[service.id] == {"config.json": "{}", "key.pem": "PEM"}
    d.refresh()
    assert d.preview({"service_id": service.id, "files": {"config.json": "{}", "key.pem": "PEM"}}).changes is False
    d.up({"service_id": service.id, "files": {"config.json": '{"a": 1}'}})
    assert store[service.id] == {"config.json": '{"a": 1}'}
    d.destroy()
    assert store[service.id] == {}
    assert request_violations(sandbox) == []


def test_gone_service_means_gone_set(sandbox, service):
    d = Driver(configured(EnvVarsProvider, sandbox))
    d.up({"service_id": service.id, "variables": {"A": "1"}})
    service.destroy()
    old_id, old_outs = d.id, dict(d.outs)
    assert d.refresh().id is None
    d.p.delete(old_id, old_outs)  # the set went with the service: 404 counts as done
