"""Building the resources under Pulumi's runtime mocks: stable type tokens, every input and output
registered, secret inputs wrapped, secret outputs declared, and the provider pickles by reference
without any credential (it is stored in the state)."""
from __future__ import annotations

import base64
import os

import dill
import pulumi
import pytest

from dynamic_providers.supabase import resources as R
from dynamic_providers.supabase.project import ProjectProvider


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self):
        self.registered = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.registered.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args):
        return {}


@pytest.fixture
def mocks():
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, preview=False)
    yield m


def _all(mocks):
    return {a.name: a for a in mocks.registered}


@pulumi.runtime.test
def test_types_inputs_and_secrets(mocks, monkeypatch):
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", "sbp_must_not_be_pickled")
    project = R.Project("db", organization_slug="acme", name="procurement-staging", region="eu-central-1",
                        db_password="super-secret-db-pw", opts=pulumi.ResourceOptions(protect=True))
    opts = pulumi.ResourceOptions(deleted_with=project)
    made = [project]
    made.append(R.PostgresConfig("pg", project_ref=project.id, settings={"max_connections": 120}, opts=opts))
    made += [R.PoolerConfig("pool", project_ref=project.id, pool_mode="transaction", opts=opts),
             R.NetworkRestrictions("net", project_ref=project.id, db_allowed_cidrs=["203.0.113.0/24"], opts=opts),
             R.SslEnforcement("ssl", project_ref=project.id, enforced=True, opts=opts),
             R.AuthConfig("auth", project_ref=project.id, site_url="https://app.example.com", smtp_password="smtp-pw",
                 opts=opts),
             R.EdgeFunctionSecrets("fn-secrets", project_ref=project.id, secrets={"STRIPE_KEY": "sk"}, opts=opts)]
    keys = R.ApiKeys("keys", project_ref=project.id, opts=opts)
    made.append(R.SqlRole("orders-role", project_ref=project.id, name="orders_api", password="long-enough-password",
              grants=[{"on": "schema", "schema": "public", "privileges": ["USAGE"]}], opts=opts))
    made += [keys, R.Extension("pgcrypto", project_ref=project.id, name="pgcrypto", opts=opts)]

    for output in ("ref", "status", "database_url", "backups", "api_url"):
        assert isinstance(getattr(project, output), pulumi.Output)  # seeded, so exposed as attributes
    assert isinstance(keys.service_role_key, pulumi.Output)

    def verify(_):
        registered = _all(mocks)
        expected_types = {"db": "Project", "pg": "PostgresConfig", "pool": "PoolerConfig", "net": "NetworkRestrictions",
                          "ssl": "SslEnforcement", "auth": "AuthConfig", "fn-secrets": "EdgeFunctionSecrets",
                          "keys": "ApiKeys", "orders-role": "SqlRole", "pgcrypto": "Extension"}
        for name, type_name in expected_types.items():
            assert registered[name].typ == f"pulumi-python:dynamic/supabase:{type_name}"
        project_inputs = registered["db"].inputs
        secret_sig = "1b47061264138c4ac30d75fd1eb44270"
        password = project_inputs["db_password"]
        assert isinstance(password, dict) and secret_sig in password.values()  # sent as a secret
        # The provider is pickled by reference to its module: no code, no token.
        raw = base64.b64decode(project_inputs["__provider"]["value"])
        assert b"sbp_must_not_be_pickled" not in raw
        assert b"dynamic_providers.supabase.project" in raw
        assert isinstance(dill.loads(raw), ProjectProvider)

    return pulumi.Output.all(*[r.id for r in made]).apply(verify)


def test_secret_inputs_are_wrapped_and_secret_outputs_declared():
    props = R._props(ProjectProvider, {"db_password": "pw", "name": "n"})
    assert isinstance(props["db_password"], pulumi.Output)
    assert props["name"] == "n"
    opts = R._opts(ProjectProvider, pulumi.ResourceOptions(additional_secret_outputs=["status"], protect=True))
    assert set(opts.additional_secret_outputs) == {"status", "db_password", "database_url"}
    assert opts.protect
    from dynamic_providers.supabase.api_keys import ApiKeysProvider
    from dynamic_providers.supabase.settings import AuthConfigProvider
    from dynamic_providers.supabase.sql_role import SqlRoleProvider
    from dynamic_providers.supabase.edge_secrets import EdgeFunctionSecretsProvider
    assert {"anon_key", "service_role_key", "publishable_key", "secret_key", "secret_keys"} <= set(
        ApiKeysProvider.secret_names())
    assert {"smtp_password", "provider_secrets"} <= set(AuthConfigProvider.secret_names())
    assert "password" in SqlRoleProvider.secret_names()
    # Edge secrets are secret per value: each one wrapped, the names left readable in a plan.
    assert "secrets" not in EdgeFunctionSecretsProvider.secret_names()
    wrapped = R._props(EdgeFunctionSecretsProvider, {"project_ref": "r", "secrets": {"A": "1", "B": "2"}})
    assert set(wrapped["secrets"]) == {"A", "B"}
    assert all(isinstance(v, pulumi.Output) for v in wrapped["secrets"].values())


def test_token_is_read_from_the_environment_and_never_pickled(monkeypatch):
    from pulumi.dynamic import ConfigureRequest
    from pulumi.dynamic.config import Config

    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", "sbp_environment_secret")
    provider = ProjectProvider()
    provider.configure(ConfigureRequest(Config({"procurement:supabaseAccessToken": "sbp_configured_secret",
                                                "procurement:supabaseApiUrl": "http://127.0.0.1:1"}, "procurement")))
    transport = provider.transport()
    assert transport.base_url == "http://127.0.0.1:1"
    assert transport._session.headers["Authorization"] == "Bearer sbp_environment_secret"  # config is ignored
    blob = dill.dumps(provider, recurse=True)
    assert b"sbp_configured_secret" not in blob and b"sbp_environment_secret" not in blob


def test_postgres_config_rejects_unknown_parameters_at_construction():
    with pytest.raises(ValueError, match="unknown Postgres parameter"):
        R.PostgresConfig("pg", project_ref="ref", settings={"max_conections": 1})
