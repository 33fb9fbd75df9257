"""Supabase's rate limits, enforced by default as the recorded headers show them (tools/sandbox/supabase/ratelimits.py):
120 requests per minute per endpoint and project, windows that start with their first request, 10 per minute
for custom hostnames, a real 429 for the rest of the window; and the providers' transport waits them out."""

from types import SimpleNamespace

import pytest

from dynamic_providers.core import HttpOptions, Transport

T0 = 1_790_000_000.4


def headers(response):
    return tuple(int(response.headers[f"X-RateLimit-{k}"]) for k in ("Limit", "Remaining", "Reset"))


@pytest.fixture
def frozen(sandbox):
    clock = SimpleNamespace(now=T0)
    sandbox.supabase.limiter.clock = lambda: clock.now
    return clock


def project(sandbox, name="limits"):
    api = sandbox.supabase.client()
    return api.post("/v1/projects", json={"name": name, "db_pass": "pw-12345",
                                          "organization_slug": sandbox.supabase.organization_slug}).json()["ref"]


@pytest.mark.sandbox_settings(postgres=False)
def test_windows_start_with_their_first_request_per_endpoint_and_project(sandbox, frozen):
    api = sandbox.supabase.client()
    assert headers(api.get("/v1/projects")) == (120, 119, 60)  # as recorded: the window starts now
    frozen.now += 4
    assert headers(api.get("/v1/projects")) == (120, 118, 56)
    ref, other = project(sandbox), project(sandbox, "other")
    assert headers(api.get(f"/v1/projects/{ref}")) == (120, 119, 60)  # another endpoint: its own count
    assert headers(api.get(f"/v1/projects/{other}")) == (120, 119, 60)  # another project: its own count
    assert headers(api.get(f"/v1/projects/{ref}/health", params={"services": "db"})) == (120, 119, 60)
    assert headers(api.get(f"/v1/projects/{ref}")) == (120, 118, 60)


# Ready at once: the api-keys read below needs a ready project, and 120 requests may pass within any delay.
@pytest.mark.sandbox_settings(postgres=False, project_ready_delay=0)
def test_an_empty_bucket_answers_429_for_the_rest_of_the_window_without_processing(sandbox, frozen):
    api = sandbox.supabase.client()
    ref = project(sandbox)
    for _ in range(120):
        assert api.get(f"/v1/projects/{ref}").status_code == 200
    frozen.now += 15
    refused = api.get(f"/v1/projects/{ref}")
    assert refused.status_code == 429, refused.text
    assert headers(refused) == (120, 0, 45)
    assert "rate limit exceeded" in refused.json()["message"]
    assert sandbox.supabase.journal.entries()[-1].rate_limit["limited"] is True
    assert api.get(f"/v1/projects/{ref}/api-keys").status_code == 200  # other endpoints are unaffected
    frozen.now += 45
    assert api.get(f"/v1/projects/{ref}").status_code == 200  # a new window
    # A write that finds its bucket empty is not processed: the project keeps its name.
    for _ in range(120):
        api.patch(f"/v1/projects/{ref}", json={"name": "limits"})
    assert api.patch(f"/v1/projects/{ref}", json={"name": "renamed"}).status_code == 429
    assert api.get(f"/v1/projects/{ref}").json()["name"] == "limits"


@pytest.mark.sandbox_settings(postgres=False)
def test_custom_hostname_endpoints_allow_ten_per_window(sandbox, frozen):
    api = sandbox.supabase.client()
    ref = project(sandbox)
    first = api.get(f"/v1/projects/{ref}/custom-hostname")
    assert headers(first)[:2] == (10, 9)  # as recorded (the sandbox does not emulate the endpoint itself)
    for _ in range(9):
        api.get(f"/v1/projects/{ref}/custom-hostname")
    assert api.get(f"/v1/projects/{ref}/custom-hostname").status_code == 429


@pytest.mark.sandbox_settings(postgres=False)
@pytest.mark.sandbox_rate_limits(time_scale=0.05, reason="a 3-second window, so a test can wait one out")
def test_the_transport_waits_a_full_bucket_out_and_succeeds(sandbox):
    ref = project(sandbox)
    transport = Transport(sandbox.supabase.base_url, sandbox.supabase.token, api_name="Supabase",
                          options=HttpOptions(backoff_base=0.01, max_rate_limit_wait=10))
    for _ in range(125):
        assert transport.get(f"/v1/projects/{ref}")["ref"] == ref
    statuses = [status for method, path, status in transport.calls]
    assert 429 in statuses and statuses[-1] == 200
    assert statuses.count(200) == 125
