"""The prepared checks (sandbox.spec_validation) give openapi-core's verdict: ok or violated, with the same rule at
the same location, for every recorded exchange and for hand-made bad requests and responses. openapi-core stays the
reference here and the runtime fallback for what the prepared checks leave uncovered."""

import json

import pytest

from tools.sandbox.recordings import exchanges
from tools.sandbox.routing import SpecRouter
from tools.sandbox.spec_validation import Uncovered
from tools.sandbox.specs import RENDER_SPEC, SUPABASE_SPEC

SPECS = {"render": RENDER_SPEC, "supabase": SUPABASE_SPEC}
JSON = {"Authorization": "Bearer x", "Content-Type": "application/json"}
SERVICE = "/services/{serviceId}"


def verdict(violations):
    return sorted((v.where, v.rule, v.location) for v in violations)


def fast_request(spec, method, template, params, query, headers, body):
    content_type = (headers.get("Content-Type") or "application/json").lower()
    return spec.validation.request_violations(method, template, params, query, headers, body, content_type)


def compare_request(spec, method, path, template, params, query, headers, body):
    reference = spec.openapi_request_violations(method, path, template, params, query, headers, body)
    return verdict(fast_request(spec, method, template, params, query, headers, body)), verdict(reference)


def compare_response(spec, method, path, template, params, status, body, content_type="application/json"):
    fast = spec.validation.response_violations(method, template, status, body, content_type)
    reference = spec.openapi_response_violations(method, path, template, params, status, body, content_type)
    return verdict(fast), verdict(reference)


def recorded(vendor):
    spec = SPECS[vendor]
    router = SpecRouter(list(spec.document["paths"].keys()))
    for exchange in exchanges(vendor):
        matched = router.match(exchange.path)
        if matched and spec.operation(exchange.method, matched[0]) is not None:
            yield exchange, matched


def request_body(exchange):
    if exchange.request_text is not None:  # Render: the bytes as sent
        return exchange.request_text.encode()
    return None if exchange.request_body is None else json.dumps(exchange.request_body).encode()


@pytest.mark.parametrize("vendor", ["render", "supabase"])
def test_recorded_exchanges_get_openapi_cores_verdict(vendor):
    spec = SPECS[vendor]
    differ, uncovered, checked, violated = [], [], 0, 0
    for exchange, (template, params) in recorded(vendor):
        response = b"" if exchange.response_body is None else json.dumps(exchange.response_body).encode()
        try:
            pairs = [compare_request(spec, exchange.method, exchange.path, template, params, list(exchange.query),
                                     JSON, request_body(exchange)),
                     compare_response(spec, exchange.method, exchange.path, template, params, exchange.status,
                                      response)]
        except Uncovered as reason:
            uncovered.append((exchange.source, str(reason)))
            continue
        checked += 1
        violated += any(reference for _, reference in pairs)
        differ.extend((exchange.source, fast, reference) for fast, reference in pairs if fast != reference)
    assert differ == []
    assert checked >= 100 and violated >= 5  # both verdicts occur among the recordings
    assert len(uncovered) <= checked // 20, uncovered  # the fast path answers nearly all real traffic


REQUESTS = [  # (spec, method, template, params, query, headers, body): each breaks one rule, some none
    (RENDER_SPEC, "GET", SERVICE, {"serviceId": "srv-1"}, [], JSON, None),
    (RENDER_SPEC, "GET", SERVICE, {"serviceId": "srv-1"}, [], {}, None),  # no token
    (RENDER_SPEC, "GET", SERVICE, {"serviceId": "srv-1"}, [], {"Authorization": "Basic eDp5"}, None),
    (RENDER_SPEC, "GET", SERVICE, {"serviceId": "srv-1"}, [], {"authorization": "bearer x"}, None),
    (RENDER_SPEC, "GET", "/services", {}, [("limit", "abc")], JSON, None),  # not an integer
    (RENDER_SPEC, "GET", "/services", {}, [("limit", "500")], JSON, None),  # above the maximum
    (RENDER_SPEC, "GET", "/services", {}, [("limit", "")], JSON, None),
    (RENDER_SPEC, "GET", "/services", {}, [("cursor", "")], JSON, None),  # allowEmptyValue (erratum)
    (RENDER_SPEC, "GET", "/services", {}, [("type", "web_service,nonsense")], JSON, None),  # enum item
    (RENDER_SPEC, "GET", "/services", {}, [("type", "web_service"), ("suspended", "maybe")], JSON, None),
    (RENDER_SPEC, "GET", "/services", {}, [("createdBefore", "yesterday")], JSON, None),  # date-time format
    (RENDER_SPEC, "GET", "/services", {}, [("unknown", "x")], JSON, None),
    (RENDER_SPEC, "POST", "/services", {}, [], JSON, b'{"type": "web_service", "name": 3, "ownerId": "tea-x"}'),
    (RENDER_SPEC, "POST", "/services", {}, [], JSON, b'{"type": "web_service", "ownerId": "tea-x"}'),  # required
    (RENDER_SPEC, "POST", "/services", {}, [], JSON, b'{"type": "mainframe", "name": "a", "ownerId": "tea-x"}'),
    (RENDER_SPEC, "POST", "/services", {}, [], JSON, b'{"type": '),  # not JSON
    (RENDER_SPEC, "POST", "/services", {}, [], JSON, None),  # required body missing
    (RENDER_SPEC, "POST", "/services", {}, [], {**JSON, "Content-Type": "text/plain"}, b'{}'),
    (RENDER_SPEC, "POST", "/services", {}, [], {**JSON, "Content-Type": "application/json; charset=utf-8"},
     b'{"type": "web_service", "name": "a", "ownerId": "tea-x"}'),
    (RENDER_SPEC, "PUT", "/services/{serviceId}/env-vars", {"serviceId": "srv-1"}, [], JSON, b'[{"key": 1}]'),
    (RENDER_SPEC, "PUT", "/services/{serviceId}/env-vars", {"serviceId": "srv-1"}, [], JSON, b'null'),
    (SUPABASE_SPEC, "GET", "/v1/projects/{ref}/health", {"ref": "abcdefghijabcdefghij"},
     [("services", "db"), ("services", "mail")], JSON, None),  # exploded array with a bad item
    (SUPABASE_SPEC, "GET", "/v1/projects/{ref}/health", {"ref": "abcdefghijabcdefghij"}, [], JSON, None),
    (SUPABASE_SPEC, "POST", "/v1/projects", {}, [], JSON,
     b'{"name": "p", "organization_slug": "o", "db_pass": "pw", "region_selection": {"type": "smartGroup", '
     b'"code": "mars"}}'),
    (SUPABASE_SPEC, "GET", "/v1/projects", {}, [], {}, None),
]


@pytest.mark.parametrize("case", REQUESTS, ids=lambda c: f"{c[1]} {c[2]} {c[4]} {str(c[6])[:30]}")
def test_hand_made_requests_get_openapi_cores_verdict(case):
    spec, method, template, params, query, headers, body = case
    path = template.format(**params) if params else template
    fast, reference = compare_request(spec, method, path, template, params, query, headers, body)
    assert fast == reference


def test_hand_made_requests_break_what_they_meant_to():
    violated = [bool(fast_request(*case)) for case in REQUESTS]
    assert violated.count(True) >= 18 and violated.count(False) >= 3


SERVICE_BODY = next(e.response_body for e in exchanges("render")
                    if e.method == "GET" and e.status == 200 and e.path.startswith("/services/srv-")
                    and e.path.count("/") == 2
                    and not RENDER_SPEC.openapi_response_violations("GET", e.path, SERVICE, {"serviceId": "srv-1"},
                                                                    200, json.dumps(e.response_body).encode(),
                                                                    "application/json"))


def broken(**changes):
    return json.dumps({**SERVICE_BODY, **changes}).encode()


RESPONSES = [  # (status, body, content type, violated)
    (200, json.dumps(SERVICE_BODY).encode(), "application/json", False),
    (200, broken(suspended="sleeping"), "application/json", True),  # extra enum value
    (200, broken(createdAt="monday"), "application/json", True),  # bad date-time
    (200, broken(name=None), "application/json", True),
    (200, json.dumps({k: v for k, v in SERVICE_BODY.items() if k != "id"}).encode(), "application/json", True),
    (200, b"", "application/json", True),  # missing body
    (200, b"{", "application/json", True),
    (200, broken(), "text/html", True),
    (218, broken(), "application/json", True),  # unknown status
    (404, b'{"id": "not_found", "message": "no such service"}', "application/json", False),
    (404, b'{"message": 1}', "application/json", True),
]


@pytest.mark.parametrize("case", RESPONSES, ids=lambda c: f"{c[0]} {c[2]} {c[1][:30]}")
def test_hand_made_responses_get_openapi_cores_verdict(case):
    status, body, content_type, violated = case
    fast, reference = compare_response(RENDER_SPEC, "GET", "/services/srv-1", SERVICE, {"serviceId": "srv-1"},
                                       status, body, content_type)
    assert fast == reference
    assert bool(reference) == violated


def test_what_the_fast_path_leaves_is_answered_by_openapi_core():
    multipart = next((template, method) for template, item in SUPABASE_SPEC.document["paths"].items()
                     for method, operation in item.items()
                     if isinstance(operation, dict) and "multipart/form-data" in
                     operation.get("requestBody", {}).get("content", {}))
    template, method = multipart
    params = {name: "abcdefghijabcdefghij" for name in ("ref", "slug", "function_slug")
              if "{" + name + "}" in template}
    headers = {**JSON, "Content-Type": "multipart/form-data; boundary=x"}
    with pytest.raises(Uncovered):
        fast_request(SUPABASE_SPEC, method.upper(), template, params, [], headers, b"--x--")
    path = template.format(**params)
    assert verdict(SUPABASE_SPEC.check_request(method.upper(), path, template, params, [], headers, b"--x--")) == \
        verdict(SUPABASE_SPEC.openapi_request_violations(method.upper(), path, template, params, [], headers,
                                                         b"--x--"))
