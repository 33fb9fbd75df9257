"""The stack config and the Supabase providers accept and refuse the same values for each fact they both check
(dynamic_providers/core/formats.py): identifiers, extension names, project refs, emails, CIDRs, variable names."""
import copy

import pytest
import yaml

from components.config import ConfigError, RawConfig, parse_config
from dynamic_providers.core import formats
from dynamic_providers.supabase.branches import BranchProvider
from dynamic_providers.supabase.edge_secrets import EdgeFunctionSecretsProvider
from dynamic_providers.supabase.extension import ExtensionProvider
from dynamic_providers.supabase.settings import AuthConfigProvider, NetworkRestrictionsProvider
from dynamic_providers.supabase.sql_role import SqlRoleProvider
from tests.components.stack_cases import committed_overrides
from tests.mock_harness import PROJECT_ROOT, read_stack_config

REF = "abcdefghijklmnopqrst"

PG_IDENTIFIER = {"procurement_api": True, "_svc": True, "svc2": True, "a" * 63: True,
                 "Procurement": False, "1role": False, "a-b": False, "a" * 64: False, "role\n": False, "röle": False}
# uuid-ossp: Supabase pre-installs it; Postgres refuses '-' first or last and "--" (check_valid_extension_name).
EXTENSION = {"pgcrypto": True, "pg_trgm": True, "uuid-ossp": True, "pg_stat_statements": True, "a" * 63: True,
             "-ossp": False, "uuid-": False, "uuid--ossp": False, "PgCrypto": False, "pgcrypto; DROP": False,
             "pg/crypto": False, "a" * 64: False, "pgcrypto\n": False}
SUPABASE_REF = {REF: True, "zyxwvutsrqponmlkjihg": True,
                "abcdefghijklmnopqrs": False, "abcdefghijklmnopqrstu": False, "ABCDEFGHIJKLMNOPQRST": False,
                "abcdefghijklmnopqrs1": False, REF + "\n": False}
EMAIL = {"platform-alerts@acme-procurement.com": True, "o'brien+ops@mail.example.co.uk": True,
         "a@b": False, "oncall": False, "a b@c.com": False, "a@b@c.com": False, ".a@c.com": False,
         "a.@c.com": False, "a..b@c.com": False, "@c.com": False}
# Public networks with their prefix and no host bits; /0 is everyone (the policy pack judges that, not the format).
CIDR = {"203.0.113.0/24": True, "198.51.100.7/32": True, "0.0.0.0/0": True, "2001:db8::/32": True, "::/0": True,
        "10.0.0.1/8": False, "203.0.113.5/24": False, "300.1.2.0/24": False, "203.0.113.7": False,
        "2001:db8::1": False, "10.0.0.0/8": False, "192.168.1.0/24": False, "fc00::/7": False, "any": False}
ENV_VAR_NAME = {"LOG_LEVEL": True, "_private": True, "STRIPE_KEY_2": True, "a" * 128: True,
                "LOG-LEVEL": False, "9LIVES": False, "LOG LEVEL": False, "NAME\n": False, "": False}


def config_problems(section: str, edit) -> set[str]:
    """The keys the config reports after `edit` changes staging's committed `section` (a dict)."""
    committed = yaml.safe_load((PROJECT_ROOT / "Pulumi.staging.yaml").read_text())["config"][f"procurement:{section}"]
    edited = copy.deepcopy(committed)
    edit(edited)
    f = read_stack_config("staging", overrides={**committed_overrides("staging"), f"procurement:{section}": edited})
    try:
        parse_config(RawConfig(f.values, f.secret_keys), project=f.project, stack="staging")
    except ConfigError as error:
        return {p.key for p in error.problems}
    return set()


def config_accepts(section: str, key: str, edit) -> bool:
    problems = config_problems(section, edit)
    assert problems <= {f"procurement:{section}.{key}"}, problems  # nothing else broke
    return not problems


def provider_accepts(provider, inputs: dict, field: str) -> bool:
    return field not in {f.property for f in provider.check({}, inputs).failures}


def cases(table: dict) -> list:
    return [pytest.param(value, ok, id=repr(value)[:40]) for value, ok in table.items()]


def set_(path: tuple, value):
    def edit(section: dict):
        target = section
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return edit


@pytest.mark.parametrize("value,ok", cases(PG_IDENTIFIER))
def test_role_names(value, ok):
    assert (formats.pg_identifier(value) is None) is ok
    assert config_accepts("database", "roles[0].name", set_(("roles", 0, "name"), value)) is ok
    role = {"project_ref": REF, "name": value, "password": "long-enough-password"}
    assert provider_accepts(SqlRoleProvider(), role, "name") is ok


@pytest.mark.parametrize("value,ok", cases(EXTENSION))
def test_extension_names(value, ok):
    assert (formats.extension_name(value) is None) is ok
    assert config_accepts("database", "extensions[0]", set_(("extensions",), [value])) is ok
    assert provider_accepts(ExtensionProvider(), {"project_ref": REF, "name": value}, "name") is ok


@pytest.mark.parametrize("value,ok", cases(SUPABASE_REF))
def test_project_refs(value, ok):
    assert (formats.supabase_ref(value) is None) is ok
    assert config_accepts("database", "projectRef", set_(("projectRef",), value)) is ok
    branch = {"parent_project_ref": value, "name": "pr-42"}
    assert provider_accepts(BranchProvider(), branch, "parent_project_ref") is ok


@pytest.mark.parametrize("value,ok", cases(EMAIL))
def test_email_addresses(value, ok):
    assert (formats.email(value) is None) is ok
    assert config_accepts("edge", "healthCheck.notificationEmail",
                          set_(("healthCheck", "notificationEmail"), value)) is ok
    auth = {"project_ref": REF, "smtp": {"admin_email": value}}
    assert provider_accepts(AuthConfigProvider(), auth, "smtp") is ok


@pytest.mark.parametrize("value,ok", cases(CIDR))
def test_database_allow_lists(value, ok):
    assert (formats.public_cidr(value) is None) is ok
    assert config_accepts("database", "networkRestrictions[0]", set_(("networkRestrictions",), [value])) is ok
    key = "db_allowed_cidrs_v6" if ":" in value else "db_allowed_cidrs"
    assert provider_accepts(NetworkRestrictionsProvider(), {"project_ref": REF, key: [value]}, key) is ok


def test_a_network_in_the_wrong_family_list_is_refused_by_the_provider_alone():
    # The config keeps one list and splits it by family (components/database.py): nothing to agree on.
    reasons = {f.property: f.reason for f in NetworkRestrictionsProvider().check(
        {}, {"project_ref": REF, "db_allowed_cidrs": ["2001:db8::/32"]}).failures}
    assert "db_allowed_cidrs_v6" in reasons["db_allowed_cidrs"]


@pytest.mark.parametrize("value,ok", cases(ENV_VAR_NAME))
def test_environment_variable_names(value, ok):
    assert (formats.env_var_name(value) is None) is ok
    assert config_accepts("backend", f"env.{value}", set_(("env",), {value: "x"})) is ok
    secrets = {"project_ref": REF, "secrets": {value: "x"}}
    assert provider_accepts(EdgeFunctionSecretsProvider(), secrets, "secrets") is ok


def test_each_vendor_keeps_its_own_name_length_and_reserved_prefix():
    """The character rule is shared; the limits are not: Render stores any string (the config caps names at 128),
    Supabase takes 256 and reserves SUPABASE_ (CreateSecretBody)."""
    long_name = "A" * 200
    assert not config_accepts("backend", f"env.{long_name}", set_(("env",), {long_name: "x"}))
    assert provider_accepts(EdgeFunctionSecretsProvider(), {"project_ref": REF, "secrets": {long_name: "x"}}, "secrets")
    assert not provider_accepts(EdgeFunctionSecretsProvider(), {"project_ref": REF, "secrets": {"A" * 257: "x"}},
                                "secrets")
    assert not provider_accepts(EdgeFunctionSecretsProvider(), {"project_ref": REF, "secrets": {"SUPABASE_X": "x"}},
                                "secrets")


def test_the_providers_use_the_shared_checks():
    from dynamic_providers.supabase import fields as F

    assert F.SMTP_FIELDS["admin_email"][1].check is formats.email
