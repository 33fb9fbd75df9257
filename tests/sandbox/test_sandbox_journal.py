"""The request journal: what it records, reading and clearing it over HTTP, counting calls."""

import requests


def test_journal_records_each_request(sandbox):
    api = sandbox.render.client()
    api.get("/services", params={"limit": 5, "type": "web_service"})
    api.get("/services/srv-doesnotexist0000000")
    (listed, missing) = sandbox.render.journal.entries()
    assert (listed.server, listed.method, listed.path, listed.status) == ("render", "GET", "/v1/services", 200)
    assert listed.query == {"limit": ["5"], "type": ["web_service"]} and listed.operation == "/services"
    assert listed.duration_ms > 0 and listed.fault is None
    assert listed.request_violations == [] and listed.response_violations == []
    assert missing.status == 404 and missing.operation == "/services/{serviceId}"
    assert sandbox.render.journal.count("GET", "/v1/services/{id}") == 1
    assert sandbox.render.journal.count(path="/v1/services*") == 2


def test_journal_over_http_and_clearing(sandbox):
    sandbox.supabase.client().get("/v1/organizations")
    control = sandbox.supabase.origin + "/_sandbox/journal"
    entries = requests.get(control, timeout=5).json()["entries"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [("GET", "/v1/organizations", 200)]
    assert set(entries[0]) >= {"server", "method", "path", "query", "status", "duration_ms", "operation", "fault",
                               "request_violations", "response_violations", "seq", "time"}
    assert requests.delete(control, timeout=5).status_code == 204
    assert requests.get(control, timeout=5).json()["entries"] == []


def test_combined_journal_is_in_arrival_order(sandbox):
    sandbox.render.client().get("/owners")
    sandbox.supabase.client().get("/v1/organizations")
    sandbox.render.client().get("/owners")
    assert [e.server for e in sandbox.journal()] == ["render", "supabase", "render"]
