"""The vendor specs: loaded once per process from $PROCUREMENT_SHARED_DIR, and the in-memory errata, each shown
necessary by real recorded traffic that the unpatched spec rejects."""

import json

import pytest

from tools.sandbox.recordings import exchanges
from tools.sandbox.specs import RENDER_SPEC, SUPABASE_SPEC, Spec, declare_bearer_security_schemes, shared_dir

JSON = {"Authorization": "Bearer x", "Content-Type": "application/json"}


def test_specs_are_parsed_once_and_read_from_the_shared_dir(monkeypatch, tmp_path):
    assert RENDER_SPEC.openapi is RENDER_SPEC.openapi
    assert RENDER_SPEC.path == shared_dir() / "specs" / "render" / "render-openapi.json"
    monkeypatch.setenv("PROCUREMENT_SHARED_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="PROCUREMENT_SHARED_DIR"):
        Spec("render/render-openapi.json").openapi


def test_overlapping_unions_erratum_lets_real_service_creates_through():
    from tools.sandbox.specs import render_accepts_null_input_lists

    strict = Spec("render/render-openapi.json", errata=(render_accepts_null_input_lists,))
    accepted = []
    for exchange in exchanges("render"):
        if exchange.method == "POST" and exchange.path == "/services" and exchange.status == 201:
            body = json.dumps(exchange.request_body).encode()
            if not RENDER_SPEC.check_request("POST", "/services", "/services", {}, [], JSON, body):
                accepted.append(body)
    strict_rules = [{v.rule for v in strict.check_request("POST", "/services", "/services", {}, [], JSON, body)}
                    for body in accepted]
    # Recorded creates that satisfy the spec once the unions are read as anyOf, yet a strict oneOf rejects
    # (all but static sites, whose details match a single branch).
    assert strict_rules.count({"oneOf"}) >= 4
    assert all(rules in ({"oneOf"}, set()) for rules in strict_rules)


def test_nullable_enum_erratum_accepts_the_real_auth_config():
    recorded = [e for e in exchanges("supabase") if e.method == "GET" and e.path.endswith("/config/auth")]
    assert recorded
    without = Spec("supabase/openapi.json", errata=(declare_bearer_security_schemes,))
    ref = "abcdefghijabcdefghij"
    for exchange in recorded:
        body = json.dumps(exchange.response_body).encode()
        path = exchange.path.replace("__PROJECT_REF__", ref)
        args = ("GET", path, "/v1/projects/{ref}/config/auth", {"ref": ref}, 200, body, "application/json")
        patched = {str(v) for v in SUPABASE_SPEC.check_response(*args)}
        unpatched = {str(v) for v in without.check_response(*args)}
        assert patched <= unpatched
        # What remains is a key the spec requires and the real API does not send, not a null enum.
        assert all("required" in v for v in patched)


def test_unmappable_discriminator_erratum_accepts_region_selection():
    body = json.dumps({"name": "p", "organization_slug": "abcdefghijabcdefghij", "db_pass": "pw-12345",
                       "region_selection": {"type": "smartGroup", "code": "emea"}}).encode()
    without = Spec("supabase/openapi.json", errata=(declare_bearer_security_schemes,))
    assert SUPABASE_SPEC.check_request("POST", "/v1/projects", "/v1/projects", {}, [], JSON, body) == []
    assert without.check_request("POST", "/v1/projects", "/v1/projects", {}, [], JSON, body)
    wrong = json.dumps({**json.loads(body), "region_selection": {"type": "smartGroup", "code": "mars"}}).encode()
    assert SUPABASE_SPEC.check_request("POST", "/v1/projects", "/v1/projects", {}, [], JSON, wrong)


def test_violations_name_the_rule_and_the_location():
    body = json.dumps({"type": "web_service", "name": 3, "ownerId": "tea-x"}).encode()
    (violation,) = RENDER_SPEC.check_request("POST", "/services", "/services", {}, [], JSON, body)
    assert (violation.rule, violation.location) == ("type", "body.name")
    missing = RENDER_SPEC.check_request("GET", "/services", "/services", {}, [], {}, None)
    assert [v.rule for v in missing] == ["security"]


def test_query_values_are_typed_per_the_spec():
    parsed = RENDER_SPEC.parse_query("GET", "/services", [("name", "a,b"), ("limit", "5"), ("suspended", "x")])
    assert parsed["name"] == ["a", "b"] and parsed["limit"] == 5
    exploded = SUPABASE_SPEC.parse_query("GET", "/v1/projects/{ref}/health", [("services", "db"), ("services", "auth")])
    assert exploded == {"services": ["db", "auth"]}


def _recorded_requests_refused(spec, predicate):
    """(source, violations) of recorded 2xx Render requests matching ``predicate`` that ``spec`` refuses."""
    from tools.sandbox.routing import SpecRouter

    router = SpecRouter(list(RENDER_SPEC.document["paths"].keys()))
    refused = []
    for exchange in exchanges("render"):
        matched = router.match(exchange.path)
        if not (200 <= exchange.status < 300 and matched and predicate(exchange)):
            continue
        template, params = matched
        body = json.dumps(exchange.request_body).encode() if exchange.method in ("POST", "PUT", "PATCH") else None
        found = spec.check_request(exchange.method, exchange.path, template, params, list(exchange.query), JSON, body)
        if found:
            refused.append((exchange.source, found))
    return refused


def test_null_input_lists_erratum_accepts_what_render_accepted_and_nothing_more():
    from tools.sandbox.specs import environment_resources_answer_201, nullable_enums_accept_null, overlapping_one_of_as_any_of

    def nulls(e):
        text = json.dumps(e.request_body)
        return e.request_body is None and e.method == "PUT" or "null" in text and e.path.startswith("/services")

    before = Spec("render/render-openapi.json", errata=(overlapping_one_of_as_any_of, nullable_enums_accept_null,
                                                        environment_resources_answer_201))
    refused_before = _recorded_requests_refused(before, nulls)
    assert len(refused_before) >= 60  # 21 creates, 6 patches, 66 replace-alls ... with nulls
    assert _recorded_requests_refused(RENDER_SPEC, nulls) == []
    # Still refused: null where Render was never seen to take it.
    body = json.dumps({"type": "web_service", "name": None, "ownerId": "tea-x"}).encode()
    assert RENDER_SPEC.check_request("POST", "/services", "/services", {}, [], JSON, body)
    group = json.dumps({"name": "g", "ownerId": "tea-x", "envVars": None}).encode()
    assert RENDER_SPEC.check_request("POST", "/env-groups", "/env-groups", {}, [], JSON, group)


def test_empty_cursor_erratum():
    recorded = [e for e in exchanges("render") if ("cursor", "") in e.query and e.status == 200]
    assert recorded, "the recordings page with cursor="
    assert _recorded_requests_refused(RENDER_SPEC, lambda e: ("cursor", "") in e.query) == []
    strict = Spec("render/render-openapi.json")
    assert _recorded_requests_refused(strict, lambda e: ("cursor", "") in e.query)
    assert RENDER_SPEC.check_request("GET", "/services", "/services", {}, [("limit", "")], JSON, None)
