"""Everything the provider sends satisfies the spec (strict about what is sent).

The providers' own write code runs against a capturing transport that records each request
(answering with minimal bodies), and every JSON body is validated against the operation's schema in
shared/specs/supabase/openapi.json. The lifecycle tests check the same against the sandbox, which
journals spec violations of every request it receives.
"""
from __future__ import annotations

import re

import pytest

from dynamic_providers.core.transport import ApiResponse
from dynamic_providers.supabase.api import SupabaseApi
from dynamic_providers.supabase.api_keys import ApiKeysProvider
from dynamic_providers.supabase.branches import BranchProvider
from dynamic_providers.supabase.project import ProjectProvider
from dynamic_providers.supabase.settings import (
    AuthConfigProvider,
    NetworkRestrictionsProvider,
    PoolerConfigProvider,
    PostgresConfigProvider,
    SslEnforcementProvider,
    auth_body,
)
from supabase_shared import operation_exists, request_body_errors, supabase_spec

REF = "abcdefghijklmnopqrst"


def _template_of(method: str, path: str) -> str:
    path = path.split("?", 1)[0]
    for template, ops in supabase_spec()["paths"].items():
        if method.lower() in ops and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return template
    raise AssertionError(f"{method} {path} is not an operation of the spec")


class CapturingTransport:
    """Stands in for the network only to capture outgoing requests for schema validation."""

    api_name = "Supabase"

    def __init__(self, replies=None):
        self.sent: list[tuple[str, str, object]] = []
        self.replies = replies or {}

    def request(self, method, path, *, params=None, json=None, idempotent=None):
        self.sent.append((method, path, json))
        for pattern, body in self.replies.items():
            if re.search(pattern, f"{method} {path}"):
                return ApiResponse(200, body)
        return ApiResponse(200, None)

    def get(self, path, *, params=None):
        return self.request("GET", path, params=params).body

    def post(self, path, json=None, *, params=None, idempotent=None):
        return self.request("POST", path, json=json).body

    def put(self, path, json=None, *, params=None):
        return self.request("PUT", path, json=json).body

    def patch(self, path, json=None, *, params=None, idempotent=None):
        return self.request("PATCH", path, json=json).body

    def delete(self, path, *, params=None, missing_ok=False):
        return self.request("DELETE", path).body


def assert_valid(transport: CapturingTransport) -> None:
    assert transport.sent
    for method, path, body in transport.sent:
        template = _template_of(method, path)
        assert operation_exists(method, template)
        errors = request_body_errors(method, template, body)
        assert not errors, f"{method} {template}: {errors}"


def test_project_bodies():
    t = CapturingTransport({r"POST /v1/projects$": {"ref": REF, "status": "COMING_UP"}})
    provider = ProjectProvider()
    provider.create_remote(t, {"organization_slug": "acme-org", "name": "procurement-staging",
                               "region": "eu-central-1", "instance_size": "small", "db_password": "pw-123456"})
    provider.create_remote(t, {"organization_slug": "acme-org", "name": "p2", "region": "us-east-1",
                               "db_password": "pw-123456"})
    api = SupabaseApi(t)
    api.rename_project(REF, "renamed")
    api.update_db_password(REF, "new-password-1")
    api.set_compute_size(REF, "medium")
    api.delete_project(REF)
    assert_valid(t)
    create = t.sent[0][2]
    assert create["region_selection"] == {"type": "specific", "code": "eu-central-1"}
    assert "region" not in create  # deprecated; the spec allows only one of the two
    assert create["desired_instance_size"] == "small" and "desired_instance_size" not in t.sent[1][2]


def test_settings_bodies():
    t = CapturingTransport({r"GET .*/pooler$": [{"database_type": "PRIMARY", "pool_mode": "session"}]})
    client = SupabaseApi(t)
    PostgresConfigProvider().write(client, REF, {
        "max_connections": 120, "statement_timeout": "30s", "shared_buffers": "256MB",
        "track_commit_timestamp": True, "session_replication_role": "origin", "restart_database": True})
    PoolerConfigProvider().write(client, REF, {"pool_mode": "session", "default_pool_size": 30})
    NetworkRestrictionsProvider().write(client, REF, {"db_allowed_cidrs": ["203.0.113.0/24"],
                                                      "db_allowed_cidrs_v6": ["2001:db8::/32"]})
    NetworkRestrictionsProvider().write(client, REF, {"db_allowed_cidrs": [], "db_allowed_cidrs_v6": []})
    SslEnforcementProvider().write(client, REF, {"enforced": True})
    AuthConfigProvider().write(client, REF, {
        "site_url": "https://procurement.example.com", "redirect_urls": ["https://a.example.com/cb", "http://localhost:3000"],
        "jwt_expiry": 3600, "disable_signup": True, "email_signup_enabled": True, "email_autoconfirm": False,
        "anonymous_sign_ins_enabled": False, "password_min_length": 12,
        "mfa_totp_enroll_enabled": True, "mfa_totp_verify_enabled": True, "mfa_max_enrolled_factors": 10,
        "smtp": {"admin_email": "noreply@example.com", "host": "smtp.example.com", "port": 587, "user": "mailer",
                 "sender_name": "Procurement", "max_frequency": 60},
        "smtp_password": "smtp-secret",
        "providers": {"github": {"enabled": True, "client_id": "gh-id"},
                      "azure": {"enabled": True, "client_id": "az", "url": "https://login.example.com"},
                      "google": {"enabled": False, "additional_client_ids": "a,b", "skip_nonce_check": False}},
        "provider_secrets": {"github": "gh-secret", "azure": "az-secret"},
    })
    assert_valid(t)


def test_auth_body_maps_names_and_types():
    body = auth_body({"redirect_urls": ["https://b", "https://a"], "jwt_expiry": 600.0,
                      "smtp": {"port": 2525, "host": "h"}, "smtp_password": "p",
                      "providers": {"github": {"enabled": True}}, "provider_secrets": {"github": "s"}})
    assert body == {"uri_allow_list": "https://a,https://b", "jwt_exp": 600, "smtp_port": "2525",
                    "smtp_host": "h", "smtp_pass": "p", "external_github_enabled": True,
                    "external_github_secret": "s"}
    assert not request_body_errors("PATCH", "/v1/projects/{ref}/config/auth", body)


def test_keys_secrets_and_sql_bodies():
    t = CapturingTransport()
    client = SupabaseApi(t)
    ApiKeysProvider()._ensure(client, REF, [], ["orders_api"])
    client.upsert_secrets(REF, {"STRIPE_KEY": "sk_live_x", "WEBHOOK_SECRET": "whsec"})
    client.delete_secrets(REF, ["OLD_ONE"])
    client.run_query(REF, "SELECT 1")
    assert_valid(t)
    key_body = [b for m, p, b in t.sent if m == "POST" and p.endswith("/api-keys")][0]
    assert key_body["type"] == "secret" and key_body["secret_jwt_template"] == {"role": "service_role"}


def test_branch_bodies():
    branch = {"id": "00000000-0000-0000-0000-000000000000", "name": "pr-42", "project_ref": "b" * 20,
              "parent_project_ref": REF, "is_default": False, "persistent": False, "status": "CREATING_PROJECT"}
    t = CapturingTransport({r"POST .*/branches$": branch, r"PATCH /v1/branches/": branch})
    provider = BranchProvider()
    provider.create_remote(t, {"parent_project_ref": REF, "name": "pr-42", "git_branch": "feature/x",
                               "persistent": True, "region": "eu-central-1", "desired_instance_size": "micro",
                               "with_data": True})
    provider.create_remote(t, {"parent_project_ref": REF, "name": "pr-43"})
    SupabaseApi(t).update_branch("b" * 20, {"persistent": False, "git_branch": "main"})
    SupabaseApi(t).delete_branch("b" * 20)
    assert_valid(t)
    assert t.sent[1][2] == {"branch_name": "pr-43", "persistent": False, "with_data": False}


def test_the_validator_itself_rejects_bad_bodies():
    # Guards against a validator that accepts everything.
    assert request_body_errors("POST", "/v1/projects", {"name": "x"})  # required keys missing
    assert request_body_errors("PUT", "/v1/projects/{ref}/config/database/postgres", {"max_connections": 0})
    assert request_body_errors("PATCH", "/v1/projects/{ref}/config/database/pooler", {"pool_mode": "statement"})
    assert request_body_errors("POST", "/v1/projects/{ref}/api-keys", {"type": "secret", "name": "Bad-Name"})
