"""Transport behaviour over real HTTP against a scripted local server."""
from __future__ import annotations

import email.utils
import pickle

import pytest

from dynamic_providers.core import (
    AuthError,
    ConflictError,
    HttpOptions,
    NotFoundError,
    RateLimitedError,
    ServerError,
    Transport,
    TransportError,
    UnexpectedStatusError,
    ValidationError,
    backoff_delay,
    error_class_for_status,
    is_ambiguous,
    server_wait_hint,
)

from dynamic_providers.core.transport import path_family
from core_http_stub import StubServer, free_port

TOKEN = "rnd_secret_token_value_123"
FAST = HttpOptions(connect_timeout=1, read_timeout=1, max_attempts=4, backoff_base=0.01,
                   backoff_cap=0.05, max_rate_limit_wait=30)


@pytest.fixture
def server():
    s = StubServer().start()
    yield s
    s.stop()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def transport(server, sleeps):
    t = Transport(server.url + "/v1", TOKEN, api_name="Render", options=FAST, sleep=sleeps.append,
                  rng=lambda: 0.5)
    yield t
    t.close()


def test_sends_bearer_token_and_json_headers(server, transport):
    assert transport.get("/services", params={"name": ["a", "b"], "x": None, "suspended": False}) == {"ok": True}
    req = server.requests[0]
    assert req["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert req["headers"]["Accept"] == "application/json"
    assert req["path"] == "/v1/services?name=a%2Cb&suspended=false"


def test_429_waits_retry_after_seconds_then_succeeds_even_for_post(server, transport, sleeps):
    server.script = [("respond", 429, {"Retry-After": "7"}, {"message": "slow down"})]
    assert transport.post("/services", {"name": "x"}) == {"ok": True}
    assert server.count("POST") == 2  # a 429 was rejected, so re-sending a create is safe
    assert len(sleeps) == 1 and 7.0 <= sleeps[0] <= 8.0


def test_429_honours_ratelimit_reset_as_seconds_and_as_epoch(server, transport, sleeps):
    import time
    server.script = [
        ("respond", 429, {"Ratelimit-Reset": "3"}, {}),
        ("respond", 429, {"X-RateLimit-Reset": str(int(time.time()) + 5)}, {}),
    ]
    transport.get("/services")
    # Reset headers are whole seconds rounded down (Render records "Ratelimit-Reset: 0"): one more second.
    assert 4.0 <= sleeps[0] <= 4.01
    assert 4.0 <= sleeps[1] <= 7.5


def test_429_without_hint_backs_off_exponentially(server, sleeps):
    opts = HttpOptions(max_attempts=4, backoff_base=1, backoff_cap=100, max_rate_limit_wait=30)
    t = Transport(server.url, TOKEN, options=opts, sleep=sleeps.append, rng=lambda: 0.0)
    server.script = [("respond", 429, {}, {})] * 3
    t.get("/x")
    assert sleeps == [0.5, 1.0, 2.0]  # equal jitter with rng=0: half of 1, 2, 4


def test_429_asking_for_too_long_fails_fast_with_clear_error(server, transport, sleeps):
    server.script = [("respond", 429, {"Retry-After": "3600"}, {"message": "Rate limit exceeded"})]
    with pytest.raises(RateLimitedError) as info:
        transport.post("/services", {"name": "x"})
    assert server.count("POST") == 1 and sleeps == []
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("Render API rate limit for POST /v1/services is used up: resets at ")
    assert "(in 1h00m), beyond the 30s this stack waits; raise it with HttpOptions.max_rate_limit_wait" in message
    assert message.endswith("(HTTP 429: Rate limit exceeded)")
    assert info.value.status == 429 and info.value.retry_after == 3600


def test_429_wait_budget_is_total_per_call_and_the_error_names_the_bucket(server, transport, sleeps):
    server.script = [("respond", 429, {"Retry-After": "10", "Ratelimit-Limit": "10"}, {"message": "nope"})] * 5
    with pytest.raises(RateLimitedError) as info:
        transport.post("/services/srv-ct6vmjtj0q5s700ckea0/deploys", {})
    assert server.count("POST") == 3 and sum(sleeps) == pytest.approx(20.01)  # a third wait would pass 30 s
    assert "rate limit for POST /v1/services/{id}/deploys (limit 10 per window) is used up" in str(info.value)
    assert "(already waited 20s)" in str(info.value)


def test_429s_do_not_use_up_the_attempts_of_a_call(server, transport, sleeps):
    server.script = [("respond", 429, {"Retry-After": "1"}, {})] * (FAST.max_attempts + 2)
    assert transport.get("/services") == {"ok": True}
    assert server.count("GET") == FAST.max_attempts + 3


def test_rate_limit_waits_are_reported_while_they_last(server, transport, sleeps):
    from dynamic_providers.core import progress

    server.script = [("respond", 429, {"Ratelimit-Reset": "11", "Ratelimit-Limit": "20"}, {})]
    with progress.capture() as seen:
        transport.post("/services", {"name": "x"})
    assert sleeps == [10.0, pytest.approx(2.005)]  # shown every 10 s while it lasts
    kinds = [kind for kind, _, _ in seen]
    assert kinds == ["note", "status", "status"]
    assert seen[0][2].startswith("Render API rate limit on POST /v1/services (limit 20 per window): waiting 12s until ")
    assert "waiting, 12s left" in seen[1][2] and "waiting, 2s left" in seen[2][2]


@pytest.mark.parametrize("path,family", [
    ("/v1/services/srv-ct6vmjtj0q5s700ckea0/deploys", "/v1/services/{id}/deploys"),
    ("/v1/services/crn-d0ibivsfunbc73fd4g7g", "/v1/services/{id}"),
    ("/v1/services/srv-1/env-vars/DATABASE_URL", "/v1/services/srv-1/env-vars/DATABASE_URL"),
    ("/v1/projects/abcdefghijklmnopqrst/config/auth", "/v1/projects/{id}/config/auth"),
    ("/v1/services", "/v1/services"),
])
def test_path_family_names_buckets_without_ids(path, family):
    assert path_family(path) == family


def test_5xx_burst_is_retried_for_idempotent_calls(server, transport, sleeps):
    server.script = [("respond", 503, {}, {"message": "busy"}), ("respond", 500, {}, None),
                     ("respond", 502, {}, b"<html>bad gateway</html>")]
    assert transport.put("/services/srv-1/env-vars", [{"key": "A", "value": "1"}]) == {"ok": True}
    assert server.count("PUT") == 4
    assert len(sleeps) == 3


def test_5xx_is_not_retried_for_a_create(server, transport):
    server.script = [("respond", 500, {}, {"message": "internal"})]
    with pytest.raises(ServerError) as info:
        transport.post("/services", {"name": "x"})
    assert server.count("POST") == 1
    assert is_ambiguous(info.value)


def test_post_marked_idempotent_is_retried_on_5xx(server, transport):
    server.script = [("respond", 503, {}, {})]
    transport.post("/env-groups/evg-1/services/srv-1", idempotent=True)
    assert server.count("POST") == 2


def test_reset_is_retried_for_get_but_not_for_post(server, transport):
    server.script = [("reset",), ("reset",)]
    assert transport.get("/services/srv-1") == {"ok": True}
    assert server.count("GET") == 3
    server.script = [("reset",)]
    with pytest.raises(TransportError) as info:
        transport.post("/services", {"name": "x"})
    assert server.count("POST") == 1
    assert info.value.request_sent and is_ambiguous(info.value)
    assert "outcome is unknown" in str(info.value)


def test_read_timeout_is_retried_for_get(server, sleeps):
    t = Transport(server.url, TOKEN, options=HttpOptions(read_timeout=0.3, max_attempts=3, backoff_base=0.01),
                  sleep=sleeps.append)
    server.script = [("hang", 1.0)]
    assert t.get("/slow") == {"ok": True}
    assert server.count("GET") == 2


def test_timeout_on_create_is_ambiguous_and_not_retried(server):
    t = Transport(server.url, TOKEN, options=HttpOptions(read_timeout=0.3, max_attempts=3, backoff_base=0.01),
                  sleep=lambda s: None)
    server.script = [("hang", 1.0)]
    with pytest.raises(TransportError) as info:
        t.post("/services", {"name": "x"})
    assert info.value.timeout and info.value.request_sent
    assert server.count("POST") == 1


def test_connection_refused_is_retried_even_for_post_and_then_fails_clearly(sleeps):
    port = free_port()  # nothing listens there
    t = Transport(f"http://127.0.0.1:{port}/v1", TOKEN, api_name="Render", options=FAST, sleep=sleeps.append)
    with pytest.raises(TransportError) as info:
        t.post("/services", {"name": "x"})
    assert not info.value.request_sent and not is_ambiguous(info.value)
    assert len(t.calls) == FAST.max_attempts
    assert "Render API POST /v1/services failed (no response)" in str(info.value)
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize("status,cls", [
    (400, ValidationError), (422, ValidationError), (401, AuthError), (403, AuthError),
    (404, NotFoundError), (409, ConflictError), (429, RateLimitedError), (500, ServerError),
    (503, ServerError), (402, UnexpectedStatusError), (410, UnexpectedStatusError),
])
def test_status_maps_to_one_exception_class(status, cls):
    assert error_class_for_status(status) is cls


def test_error_message_has_method_path_status_and_api_message_never_token(server, transport):
    # Some servers echo the credential back; it must be scrubbed.
    server.script = [("respond", 401, {}, {"id": "unauthorized", "message": f"bad key Bearer {TOKEN}"})]
    with pytest.raises(AuthError) as info:
        transport.get("/services/srv-1", params={"x": "1"})
    text = str(info.value)
    assert text.startswith("Render API GET /v1/services/srv-1 failed (HTTP 401): bad key Bearer ***")
    assert TOKEN not in text and TOKEN not in repr(info.value.args)
    assert info.value.api_code == "unauthorized" and info.value.status == 401
    err = pickle.loads(pickle.dumps(info.value))
    assert type(err) is AuthError and str(err) == text


def test_non_json_error_body_is_reported(server, transport):
    server.script = [("respond", 400, {}, b"plain text failure")]
    with pytest.raises(ValidationError, match="plain text failure"):
        transport.patch("/services/srv-1", {"name": "y"})


def test_delete_missing_ok(server, transport):
    server.script = [("respond", 404, {}, {"message": "not found"})]
    assert transport.delete("/services/srv-1", missing_ok=True) is None
    server.script = [("respond", 404, {}, {"message": "not found"})]
    with pytest.raises(NotFoundError):
        transport.delete("/services/srv-1")


def test_empty_2xx_body_decodes_to_none(server, transport):
    server.script = [("respond", 202, {}, None)]
    resp = transport.request("POST", "/services/srv-1/deploys")
    assert resp.status == 202 and resp.body is None


def test_transport_refuses_to_be_pickled(transport):
    with pytest.raises(TypeError):
        pickle.dumps(transport)


@pytest.mark.parametrize("headers,expected", [
    ({"Retry-After": "12"}, 12.0),
    ({"retry-after": "0"}, 0.0),
    ({"Ratelimit-Reset": "45"}, 45.0),
    ({"Ratelimit-Reset": str(1_700_000_030)}, 30.0),  # epoch seconds
    ({"X-RateLimit-Reset": str(1_699_999_990)}, 0.0),  # epoch in the past
    ({"Retry-After": email.utils.formatdate(1_700_000_020, usegmt=True)}, 20.0),
    ({"Retry-After": "soon"}, None),
    ({}, None),
])
def test_server_wait_hint_table(headers, expected):
    assert server_wait_hint(headers, now=1_700_000_000) == expected


def test_backoff_grows_and_is_capped_with_jitter_bounds():
    opts = HttpOptions(backoff_base=0.5, backoff_cap=4)
    lows = [backoff_delay(n, opts, rng=lambda: 0.0) for n in range(1, 7)]
    highs = [backoff_delay(n, opts, rng=lambda: 0.999999) for n in range(1, 7)]
    assert lows == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    assert all(abs(h - 2 * lo) < 1e-3 for h, lo in zip(highs, lows))


def test_5xx_waits_only_for_retry_after_not_for_rate_limit_window_headers(server, transport, sleeps):
    # Supabase sends X-RateLimit-Reset (the quota window, up to 60 s) on every response; a 500
    # must not make the client sleep that long, while a 503's Retry-After is honoured.
    server.script = [("respond", 500, {"X-RateLimit-Reset": "60"}, {"message": "oops"}),
                     ("respond", 503, {"Retry-After": "7", "X-RateLimit-Reset": "60"}, {"message": "busy"})]
    transport.get("/projects")
    assert server.count("GET") == 3
    assert sleeps[0] < 1 and sleeps[1] == 7


def test_501_is_not_retried(server, transport, sleeps):
    server.script = [("respond", 501, {}, {"message": "not implemented"})]
    with pytest.raises(ServerError):
        transport.get("/projects/abc/billing/addons")
    assert server.count("GET") == 1 and sleeps == []


def test_exploded_lists_repeat_the_key(server, sleeps):
    t = Transport(server.url, TOKEN, options=FAST, sleep=sleeps.append, explode_lists=True)
    t.get("/v1/projects/abc/health", params={"services": ["db", "auth"]})
    assert server.requests[0]["path"] == "/v1/projects/abc/health?services=db&services=auth"
