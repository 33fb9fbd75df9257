"""Realism by status code: every request the real Supabase Management API answered 2xx in the recorded traffic
(recordings/supabase/*/N.request.json + N.response.json) is replayed against the sandbox, and the sandbox must
answer with the same status. Placeholders map to sandbox objects (``__PROJECT_REF__`` in a path is a ready project
of the sandbox, as ``organization_slug`` it is the seeded organization). Endpoints the sandbox does not emulate are
skipped, each listed in ``NOT_EMULATED`` with the reason; the test fails if one of them starts being served (then it
must be replayed) or if a recorded 2xx endpoint is neither replayed nor listed.
"""

from __future__ import annotations

import json
from typing import Any

from tools.sandbox.recordings import exchanges
from tools.sandbox.testing import wait_for

PLACEHOLDER_REF = "__PROJECT_REF__"

# (method, spec path template, or the raw path for paths the spec lacks) -> why the sandbox answers 501/404.
NOT_EMULATED = {
    ("HEAD", "/_ping"): "not an API path in the spec: the CLI's reachability probe",
    ("GET", "/v1/organizations/{slug}/entitlements"): "plan entitlements: no resource here reads them",
    ("GET", "/v1/projects/{ref}/advisors/performance"): "advisors (lint reports): out of the program's scope",
    ("GET", "/v1/projects/{ref}/advisors/security"): "advisors (lint reports): out of the program's scope",
    ("GET", "/v1/projects/{ref}/config/auth/sso/providers"): "SAML SSO: not configured by the program",
    ("POST", "/v1/projects/{ref}/config/auth/sso/providers"): "SAML SSO: not configured by the program",
    ("GET", "/v1/projects/{ref}/config/storage"): "storage config: not managed by the program (no bucket tier)",
    ("GET", "/v1/projects/{ref}/custom-hostname"): "custom hostname workflow: the API is served on <ref>.supabase.co",
    ("POST", "/v1/projects/{ref}/database/webhooks/enable"): "database webhooks: not used (needs pg_net)",
    ("GET", "/v1/projects/{ref}/functions"): "Edge Functions deploys: out of scope (only their secrets are managed)",
    ("DELETE", "/v1/projects/{ref}/functions/{function_slug}"): "Edge Functions deploys: out of scope",
    ("DELETE", "/v1/projects/{ref}/network-bans"): "network bans: not managed (read/remove only, by an operator)",
    ("POST", "/v1/projects/{ref}/network-bans/retrieve"): "network bans: not managed (read/remove only)",
    ("GET", "/v1/projects/{ref}/pgsodium"): "pgsodium: not in Debian's Postgres, and not used",
    ("GET", "/v1/projects/{ref}/postgrest"): "Data API (PostgREST) config: not managed by the program",
    ("GET", "/v1/projects/{ref}/types/typescript"): "type generation: a developer tool, not infrastructure",
    ("GET", "/v1/projects/{ref}/vanity-subdomain"): "vanity subdomain: not used",
    ("DELETE", "/v1/projects/{ref}/vanity-subdomain"): "vanity subdomain: not used",
    ("POST", "/v1/projects/{ref}/vanity-subdomain/activate"): "vanity subdomain: not used",
    ("POST", "/v1/projects/{ref}/vanity-subdomain/check-availability"): "vanity subdomain: not used",
    ("GET", "/v1/snippets"): "SQL snippets: a dashboard feature",
}

# Recorded without the body the spec requires (the recorder kept none): the body its recorded answer describes.
RECORDED_BRANCH = "my-branch"
BODIES = {("POST", "/v1/projects/{ref}/branches"): {"branch_name": RECORDED_BRANCH, "git_branch": "main"}}
# Created first (what later requests address must exist), deleted last.
CREATES = ("/v1/projects", "/v1/organizations", "/v1/projects/{ref}/branches")
DELETES = ("/v1/projects/{ref}", "/v1/branches/{branch_id_or_ref}")


def _key(server, exchange) -> tuple[str, str]:
    matched = server.router.match(exchange.path)
    return exchange.method, matched[0] if matched else exchange.path


def _substitute(value: Any, ref: str, org: str) -> Any:
    """Placeholders in a recorded body: an organization slug is the sandbox's organization, any other ref ours."""
    if isinstance(value, dict):
        return {k: (org if k == "organization_slug" and v == PLACEHOLDER_REF else _substitute(v, ref, org))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, ref, org) for v in value]
    if isinstance(value, str):
        return value.replace(PLACEHOLDER_REF, ref)
    return value


def _ready(api, ref: str) -> None:
    wait_for(lambda: api.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY", timeout=60)


def test_every_recorded_2xx_request_gets_the_same_status(sandbox):
    server = sandbox.supabase
    api = server.client()
    org = server.organization_slug
    recorded = [e for e in exchanges("supabase") if 200 <= e.status < 300]
    assert len(recorded) > 80  # the whole recorded set, not a lucky subset

    served = [e for e in recorded if _key(server, e) in server.routes]
    assert len(served) > 50
    skipped = {_key(server, e) for e in recorded if _key(server, e) not in server.routes}
    assert skipped == set(NOT_EMULATED), (
        f"recorded 2xx endpoints neither replayed nor listed: {sorted(skipped - set(NOT_EMULATED))}; "
        f"listed but now served or no longer recorded: {sorted(set(NOT_EMULATED) - skipped)}")

    # The project every project-scoped request addresses (one more for each recorded project DELETE).
    target = api.post("/v1/projects", json={"name": "replay", "organization_slug": org, "db_pass": "replay-pass",
                                            "region": "us-east-1"}).json()["ref"]
    _ready(api, target)

    def replay(exchange, ref):
        body = _substitute(exchange.request_body, ref, org)
        if body is None:
            body = BODIES.get(_key(server, exchange))
        kwargs: dict[str, Any] = {"params": list(exchange.query)}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["headers"] = {"Content-Type": "application/json"}
        return api.request(exchange.method, exchange.path.replace(PLACEHOLDER_REF, ref), **kwargs)

    mismatches = []
    # Creates first (their projects must come up before anything else), project deletes last.
    order = sorted(served, key=lambda e: (0 if e.method == "POST" and _key(server, e)[1] in CREATES
                                          else 2 if e.method == "DELETE" and _key(server, e)[1] in DELETES
                                          else 1, e.source))
    for exchange in order:
        ref = target
        if _key(server, exchange)[1].startswith("/v1/branches/"):  # recorded answers name a branch's ref
            ref = api.get(f"/v1/projects/{target}/branches/{RECORDED_BRANCH}").json()["project_ref"]
        if _key(server, exchange) == ("DELETE", "/v1/projects/{ref}"):
            ref = api.post("/v1/projects", json={"name": "doomed", "organization_slug": org,
                                                 "db_pass": "doomed-pass"}).json()["ref"]
            _ready(api, ref)
        answer = replay(exchange, ref)
        if answer.status_code != exchange.status:
            mismatches.append(f"{exchange.source}: {exchange.method} {exchange.path} -> {answer.status_code} "
                              f"(recorded {exchange.status}): {answer.text[:200]}")
        if exchange.method == "POST" and exchange.path == "/v1/projects" and answer.ok:
            _ready(api, answer.json()["ref"])
    assert not mismatches, "the sandbox answers differently from the real API:\n" + "\n".join(mismatches)
    assert not sandbox.request_violations(), [e.request_violations for e in sandbox.request_violations()]
