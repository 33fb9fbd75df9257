"""Every fault kind happens as configured, is count-limited, and is journaled; faults can be set from Python,
over the HTTP control API and from the command line (see test_sandbox_cli.py)."""

import pytest
import requests

from tools.sandbox.client import SandboxControl


def worker_body(sandbox, name):
    return {"type": "background_worker", "name": name, "ownerId": sandbox.render.owner_id,
            "image": {"ownerId": sandbox.render.owner_id, "imagePath": "x/y:1"}, "serviceDetails": {"runtime": "image"}}


def service_names(api):
    return [item["service"]["name"] for item in api.get("/services").json()]


def test_rate_limit_with_retry_after_and_reset_headers(sandbox):
    api = sandbox.render.client()
    sandbox.render.add_fault("rate_limit", method="GET", path="/v1/services", retry_after=7, count=1)
    limited = api.get("/services")
    assert limited.status_code == 429 and limited.json()["message"]
    assert limited.headers["Retry-After"] == "7" and limited.headers["Ratelimit-Reset"] == "7"
    assert limited.headers["Ratelimit-Remaining"] == "0"
    assert api.get("/services").status_code == 200  # count exhausted
    supabase = sandbox.supabase.client()
    sandbox.supabase.add_fault("rate_limit", path="/v1/organizations", retry_after=3)
    limited = supabase.get("/v1/organizations")
    assert limited.status_code == 429 and limited.headers["X-RateLimit-Reset"] == "3"
    assert limited.headers["Retry-After"] == "3" and set(limited.json()) == {"message"}


@pytest.mark.parametrize("status", [500, 502, 503])
def test_burst_of_server_errors_then_success(sandbox, status):
    api = sandbox.render.client()
    sandbox.render.add_fault("error", status=status, count=2, method="POST", path="/v1/services")
    assert api.post("/services", json=worker_body(sandbox, "a")).status_code == status
    assert api.post("/services", json=worker_body(sandbox, "a")).status_code == status
    assert api.post("/services", json=worker_body(sandbox, "a")).status_code == 201
    assert service_names(api) == ["a"]  # the failed attempts changed nothing
    faulted = [e for e in sandbox.render.journal.entries() if e.fault]
    assert [e.status for e in faulted] == [status, status] and faulted[0].fault["kind"] == "error"


def test_fault_only_matches_its_method_and_path_pattern(sandbox):
    api = sandbox.render.client()
    sid = api.post("/services", json=worker_body(sandbox, "w")).json()["service"]["id"]
    sandbox.render.add_fault("error", status=500, method="DELETE", path="/v1/services/{serviceId}", count=None)
    assert api.get(f"/services/{sid}").status_code == 200
    assert api.post("/services", json=worker_body(sandbox, "v")).status_code == 201
    assert api.delete(f"/services/{sid}").status_code == 500
    assert api.delete(f"/services/{sid}").status_code == 500  # unlimited until removed
    sandbox.render.faults.clear()
    assert api.delete(f"/services/{sid}").status_code == 204


def test_slow_response_exceeds_the_client_timeout_but_the_change_commits(sandbox):
    api = sandbox.render.client()
    sandbox.render.add_fault("slow", delay=1.5, method="POST", path="/v1/services")
    with pytest.raises(requests.ReadTimeout):
        api.post("/services", json=worker_body(sandbox, "slow"), timeout=0.3)
    assert service_names(api) == ["slow"]
    entry = [e for e in sandbox.render.journal.entries() if e.fault][0]
    assert entry.fault["kind"] == "slow" and entry.status == 201


def test_connection_reset_before_processing_changes_nothing(sandbox):
    api = sandbox.render.client()
    sandbox.render.add_fault("reset", method="POST", path="/v1/services")
    with pytest.raises(requests.ConnectionError):
        api.post("/services", json=worker_body(sandbox, "reset"))
    assert service_names(api) == []
    entry = [e for e in sandbox.render.journal.entries() if e.fault][0]
    assert entry.status is None and entry.fault["kind"] == "reset"


def test_drop_response_commits_the_create_then_closes_the_connection(sandbox):
    api = sandbox.supabase.client()
    sandbox.supabase.add_fault("drop_response", method="POST", path="/v1/projects")
    body = {"name": "lost", "organization_slug": sandbox.supabase.organization_slug, "db_pass": "pw-12345"}
    with pytest.raises(requests.ConnectionError):
        api.post("/v1/projects", json=body)
    assert [p["name"] for p in api.get("/v1/projects").json()] == ["lost"]  # created despite the lost answer
    entry = [e for e in sandbox.supabase.journal.entries() if e.fault][0]
    assert entry.status is None and entry.fault["kind"] == "drop_response"


def test_after_lets_the_first_matches_through(sandbox):
    api = sandbox.render.client()
    sandbox.render.add_fault("error", status=503, after=2, count=1, method="POST", path="/v1/services")
    statuses = [api.post("/services", json=worker_body(sandbox, f"w{i}")).status_code for i in range(4)]
    assert statuses == [201, 201, 503, 201]  # the third POST, once
    assert sorted(service_names(api)) == ["w0", "w1", "w3"]
    control = SandboxControl(sandbox.render.origin, sandbox.render.control_token)
    assert control.add_fault("reset", after=1, method="GET", path="/v1/services")["after"] == 1


def test_faults_over_the_http_control_api(sandbox):
    control = SandboxControl(sandbox.render.origin, sandbox.render.control_token)
    fault = control.add_fault("error", status=502, count=1, path="/v1/owners")
    assert control.faults() == [fault]
    assert sandbox.render.client().get("/owners").status_code == 502
    assert control.faults() == []
    control.add_fault("error", status=500, count=None)  # global: every path, every method
    assert sandbox.render.client().get("/services").status_code == 500
    control.clear_faults()
    assert sandbox.render.client().get("/services").status_code == 200
    bad = requests.post(sandbox.render.origin + "/_sandbox/faults", json={"kind": "explode"}, timeout=5,
                        headers=sandbox.render.control_headers)
    assert bad.status_code == 400 and "unknown fault kind" in bad.json()["error"]
