"""check and diff of every Supabase provider: no API calls, clear failures naming the input, and
diffs that tolerate preview unknowns (the engine passes them as ``pulumi.output.Unknown``)."""
from __future__ import annotations

import pytest
from pulumi.output import Unknown

from dynamic_providers.core import progress
from dynamic_providers.supabase.api_keys import ApiKeysProvider
from dynamic_providers.supabase.edge_secrets import EdgeFunctionSecretsProvider
from dynamic_providers.supabase.extension import ExtensionProvider
from dynamic_providers.supabase.hashing import auth_secret_hash
from dynamic_providers.supabase.project import ProjectProvider
from dynamic_providers.supabase.settings import (
    DRIFTED_SECRET,
    AuthConfigProvider,
    NetworkRestrictionsProvider,
    PoolerConfigProvider,
    PostgresConfigProvider,
    SslEnforcementProvider,
    observed_auth_inputs,
)
from dynamic_providers.supabase.sql_role import SqlRoleProvider

REF = "abcdefghijklmnopqrst"
PROJECT = {"organization_slug": "acme", "name": "procurement-prod", "region": "eu-central-1",
           "db_password": "secret-pw-1"}


def failures(provider, news, olds=None):
    return {f.property: f.reason for f in provider.check(olds or {}, dict(news)).failures}


def checked(provider, news):
    result = provider.check({}, dict(news))
    assert not result.failures, [(f.property, f.reason) for f in result.failures]
    return result.inputs


# ------------------------------------------------------------------ check
def test_project_check_fills_defaults_and_names_bad_inputs():
    inputs = checked(ProjectProvider(), PROJECT)
    assert inputs["adopt"] is False and inputs["wait_timeout_seconds"] == 900 and "pooler" in inputs["health_services"]
    assert set(failures(ProjectProvider(), {**PROJECT, "region": "mars-1"})) == {"region"}
    assert set(failures(ProjectProvider(), {k: v for k, v in PROJECT.items() if k != "db_password"})) == {"db_password"}
    assert set(failures(ProjectProvider(), {**PROJECT, "organization_slug": "acme org"})) == {"organization_slug"}
    assert set(failures(ProjectProvider(), {**PROJECT, "instance_size": "huge"})) == {"instance_size"}
    assert set(failures(ProjectProvider(), {**PROJECT, "health_services": ["db", "kafka"]})) == {"health_services"}
    bad = failures(ProjectProvider(), {**PROJECT, "db_password": "pw"})
    assert "db_password" in bad and "pw" not in bad["db_password"].replace("password", "")  # secret not echoed


def test_check_passes_unknowns_through():
    inputs = checked(ProjectProvider(), {**PROJECT, "name": Unknown(), "db_password": Unknown()})
    assert inputs["name"] is not None
    checked(PostgresConfigProvider(), {"project_ref": Unknown(), "max_connections": 100})
    checked(SqlRoleProvider(), {"project_ref": Unknown(), "name": "orders_api", "password": Unknown(),
                                "grants": [{"on": "schema", "schema": "public", "privileges": ["USAGE"]}]})


def test_settings_checks():
    assert set(failures(PostgresConfigProvider(), {"project_ref": REF, "max_connections": 0})) == {"max_connections"}
    assert set(failures(PostgresConfigProvider(), {"project_ref": REF, "statement_timeout": "8 parsecs"})) == {"statement_timeout"}
    assert set(failures(PostgresConfigProvider(), {"project_ref": REF, "work_mem": "4MB", "bogus": 1})) == {"bogus"}
    # Nothing declared is valid: the resource stays so removing the last parameter reverts or warns.
    assert not failures(PostgresConfigProvider(), {"project_ref": REF})
    assert set(failures(PoolerConfigProvider(), {"project_ref": REF, "pool_mode": "statement"})) == {"pool_mode"}
    assert set(failures(PoolerConfigProvider(), {"project_ref": REF, "default_pool_size": 5000})) == {"default_pool_size"}
    assert set(failures(SslEnforcementProvider(), {"project_ref": REF})) == {"enforced"}
    assert set(failures(AuthConfigProvider(), {"project_ref": REF, "site_url": "https://a,https://b"})) == {"site_url"}
    assert set(failures(AuthConfigProvider(), {"project_ref": REF, "jwt_expiry": 10 ** 7})) == {"jwt_expiry"}
    assert set(failures(AuthConfigProvider(), {"project_ref": REF, "smtp": {"password": "x"}})) == {"smtp"}
    assert set(failures(AuthConfigProvider(), {"project_ref": REF, "providers": {"myspace": {"enabled": True}}})) == {"providers"}
    assert set(failures(AuthConfigProvider(), {"project_ref": REF, "providers": {"github": {"secret": "x"}}})) == {"providers"}
    assert set(failures(EdgeFunctionSecretsProvider(), {"project_ref": REF, "secrets": {"SUPABASE_URL": "x"}})) == {"secrets"}
    assert set(failures(ApiKeysProvider(), {"project_ref": REF, "secret_key_names": ["Bad Name"]})) == {"secret_key_names"}
    assert set(failures(ExtensionProvider(), {"project_ref": REF, "name": "pgcrypto; DROP"})) == {"name"}


def test_network_restrictions_are_canonicalised_and_validated():
    inputs = checked(NetworkRestrictionsProvider(), {"project_ref": REF,
                                                     "db_allowed_cidrs": ["203.0.113.0/24", "198.51.100.7/32"],
                                                     "db_allowed_cidrs_v6": ["2001:DB8:0::/32"]})
    assert inputs["db_allowed_cidrs"] == ["198.51.100.7/32", "203.0.113.0/24"]
    assert inputs["db_allowed_cidrs_v6"] == ["2001:db8::/32"]
    assert "db_allowed_cidrs" in failures(NetworkRestrictionsProvider(), {"project_ref": REF, "db_allowed_cidrs": ["10.0.0.0/8"]})
    assert "db_allowed_cidrs" in failures(NetworkRestrictionsProvider(), {"project_ref": REF, "db_allowed_cidrs": ["203.0.113.5/24"]})
    assert "db_allowed_cidrs" in failures(NetworkRestrictionsProvider(), {"project_ref": REF, "db_allowed_cidrs": ["::/0"]})
    checked(NetworkRestrictionsProvider(), {"project_ref": REF, "db_allowed_cidrs": ["0.0.0.0/0"], "db_allowed_cidrs_v6": ["::/0"]})


def test_sql_role_checks():
    base = {"project_ref": REF, "name": "orders_api", "password": "long-enough-password"}
    checked(SqlRoleProvider(), base)
    assert set(failures(SqlRoleProvider(), {**base, "name": "postgres"})) == {"name"}
    assert set(failures(SqlRoleProvider(), {**base, "password": None})) == {"password"}
    checked(SqlRoleProvider(), {**base, "password": None, "login": False})
    assert set(failures(SqlRoleProvider(), {**base, "grants": [{"on": "table", "schema": "public", "privileges": ["SELECT"]}]})) == {"grants"}


# ------------------------------------------------------------------ diff
def diff(provider, olds, news):
    olds_in = provider.check({}, dict(olds)).inputs
    news_in = provider.check(olds_in, dict(news)).inputs
    return provider.diff("id", olds_in, news_in)


def test_project_diff_update_vs_replace():
    p = ProjectProvider()
    assert not diff(p, PROJECT, PROJECT).changes
    d = diff(p, PROJECT, {**PROJECT, "name": "renamed", "db_password": "rotated-pw"})
    assert d.changes and not d.replaces
    d = diff(p, PROJECT, {**PROJECT, "region": "us-east-1"})
    assert d.replaces == ["region"] and d.delete_before_replace
    assert diff(p, PROJECT, {**PROJECT, "organization_slug": "other"}).replaces == ["organization_slug"]
    # Only steering inputs changed: no update.
    assert not diff(p, PROJECT, {**PROJECT, "wait_timeout_seconds": 60, "adopt": True}).changes


def test_diff_with_preview_unknowns():
    p = PostgresConfigProvider()
    olds = {"project_ref": REF, "max_connections": 100}
    d = diff(p, olds, {"project_ref": Unknown(), "max_connections": 100})
    assert d.changes and d.replaces == ["project_ref"]
    d = diff(p, olds, {"project_ref": REF, "max_connections": Unknown()})
    assert d.changes and not d.replaces
    assert diff(ProjectProvider(), PROJECT, {**PROJECT, "db_password": Unknown()}).changes


def test_set_like_and_unset_fields_do_not_diff():
    n = NetworkRestrictionsProvider()
    assert not diff(n, {"project_ref": REF, "db_allowed_cidrs": ["203.0.113.0/24", "198.51.100.0/24"]},
                    {"project_ref": REF, "db_allowed_cidrs": ["198.51.100.0/24", "203.0.113.0/24"]}).changes
    a = AuthConfigProvider()
    assert not diff(a, {"project_ref": REF, "site_url": "https://x", "redirect_urls": ["https://a", "https://b"]},
                    {"project_ref": REF, "site_url": "https://x", "redirect_urls": ["https://b", "https://a"]}).changes
    # A setting removed from the program is a change: without an earlier value to restore (no reset
    # API), the diff warns naming it, and up stops managing it (docs/explanation/removal-semantics.md).
    with progress.capture() as seen:
        assert diff(PostgresConfigProvider(), {"project_ref": REF, "max_connections": 100, "work_mem": "8MB"},
                    {"project_ref": REF, "max_connections": 100}).changes
    assert [m for kind, _, m in seen if kind == "warning" and "'work_mem'" in m]


def test_grants_diff_as_sets():
    r = SqlRoleProvider()
    base = {"project_ref": REF, "name": "orders_api", "password": "long-enough-password"}
    g1 = [{"on": "table", "schema": "public", "objects": ["a", "b"], "privileges": ["SELECT", "INSERT"]}]
    g2 = [{"on": "table", "schema": "public", "objects": ["b"], "privileges": ["insert", "select"]},
          {"on": "table", "schema": "public", "objects": ["a"], "privileges": ["INSERT", "SELECT"]}]
    assert not diff(r, {**base, "grants": g1}, {**base, "grants": g2}).changes
    d = diff(r, {**base, "grants": g1}, {**base, "grants": g1[:0] + [{**g1[0], "privileges": ["SELECT"]}]})
    assert d.changes and not d.replaces
    assert diff(r, base, {**base, "name": "billing_api"}).replaces == ["name"]


def test_bypass_rls_changes_in_place_and_a_state_from_before_it_means_false():
    r = SqlRoleProvider()
    base = {"project_ref": REF, "name": "orders_api", "password": "long-enough-password"}
    d = diff(r, {**base, "bypass_rls": False}, {**base, "bypass_rls": True})
    assert d.changes and not d.replaces
    # Every role was created NOBYPASSRLS before the input existed: its state (without the input) has no diff, and
    # so no ALTER ROLE, for it.
    before_the_input = {k: v for k, v in r.check({}, dict(base)).inputs.items() if k != "bypass_rls"}
    news = r.check(before_the_input, dict(base)).inputs
    assert news["bypass_rls"] is False and not r.diff("id", before_the_input, news).changes
    assert r.diff("id", before_the_input, r.check(before_the_input, {**base, "bypass_rls": True}).inputs).changes


# ------------------------------------------------------------------ hashed secrets on refresh
def test_auth_refresh_keeps_matching_secrets_and_flags_drift():
    prior = {"project_ref": REF, "smtp_password": "smtp-pw", "provider_secrets": {"github": "gh", "google": "gg"},
             "smtp": {"host": "smtp.example.com", "port": 587}, "redirect_urls": ["https://a"], "jwt_expiry": 3600}
    remote = {"smtp_pass": auth_secret_hash(REF, "smtp-pw"), "external_github_secret": auth_secret_hash(REF, "gh"),
              "external_google_secret": auth_secret_hash(REF, "changed-in-dashboard"),
              "smtp_host": "smtp.example.com", "smtp_port": "587", "uri_allow_list": "https://a", "jwt_exp": 3600}
    observed = observed_auth_inputs(REF, remote, prior)
    assert observed["smtp_password"] == "smtp-pw"
    assert observed["provider_secrets"] == {"github": "gh", "google": DRIFTED_SECRET}
    assert observed["smtp"] == {"host": "smtp.example.com", "port": 587}
    # After such a refresh the next preview shows exactly the drifted secret as a change.
    a = AuthConfigProvider()
    refreshed = {**prior, **observed}
    assert a.diff("id", refreshed, prior).changes
    assert not a.diff("id", {**prior, **observed_auth_inputs(REF, {**remote, "external_google_secret":
                                                                    auth_secret_hash(REF, "gg")}, prior)}, prior).changes
