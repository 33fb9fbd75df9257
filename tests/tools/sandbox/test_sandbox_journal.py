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
    control, headers = sandbox.supabase.origin + "/_sandbox/journal", sandbox.supabase.control_headers
    entries = requests.get(control, timeout=5, headers=headers).json()["entries"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [("GET", "/v1/organizations", 200)]
    assert set(entries[0]) >= {"server", "method", "path", "query", "status", "duration_ms", "operation", "fault",
                               "request_violations", "response_violations", "seq", "time"}
    assert requests.delete(control, timeout=5, headers=headers).status_code == 204
    assert requests.get(control, timeout=5, headers=headers).json()["entries"] == []


def test_combined_journal_is_in_arrival_order(sandbox):
    sandbox.render.client().get("/owners")
    sandbox.supabase.client().get("/v1/organizations")
    sandbox.render.client().get("/owners")
    assert [e.server for e in sandbox.journal()] == ["render", "supabase", "render"]


def test_concurrent_clients_get_consistent_answers(sandbox):
    """Pulumi runs resources in parallel: many threads at once must all get valid, complete answers."""
    from concurrent.futures import ThreadPoolExecutor

    owner = sandbox.render.owner_id

    def work(i):
        api = sandbox.render.client()
        body = {"type": "background_worker", "name": f"w{i}", "ownerId": owner,
                "image": {"ownerId": owner, "imagePath": "x/y:1"}, "serviceDetails": {"runtime": "image"}}
        sid = api.post("/services", json=body).json()["service"]["id"]
        statuses = [api.put(f"/services/{sid}/env-vars/K{j}", json={"value": str(j)}).status_code for j in range(5)]
        return sid, statuses + [api.get(f"/services/{sid}").status_code, api.get("/services").status_code]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(16)))
    assert len({sid for sid, _ in results}) == 16
    assert all(status == 200 for _, statuses in results for status in statuses)
    assert len(sandbox.render.journal.entries()) == 16 * 8
    assert not sandbox.response_violations()
