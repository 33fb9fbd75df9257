"""The stack config and the Supabase provider accept and refuse the same Postgres values (one vocabulary)."""
import pytest
import yaml

from components.config import ConfigError, RawConfig, parse_config
from dynamic_providers.supabase import fields as F
from dynamic_providers.supabase.settings import PostgresConfigProvider
from tests.components.stack_cases import committed_overrides
from tests.mock_harness import PROJECT_ROOT, read_stack_config

REF = "abcdefghijklmnopqrst"

# Postgres "Numeric with Unit" (units case-sensitive, a space and a fraction allowed) for sizes; the Supabase
# Management API's own pattern (no space) for durations.
MEMORY = {"8MB": True, "64kB": True, "1024": True, "256 MB": True, "1.5GB": True, "100B": True, "1TB": True,
          "8mb": False, "8KB": False, "MB": False, "-1": False, "8 XB": False, "8MB\n": False, "": False}
DURATION = {"30s": True, "500ms": True, "5min": True, "1000": True, "1.5h": True, "250us": True,
            "30 s": False, "5m": False, "thirty": False, "30s\n": False, "": False}
CASES = [("workMem", "work_mem", value, ok) for value, ok in MEMORY.items()] + \
        [("statementTimeout", "statement_timeout", value, ok) for value, ok in DURATION.items()]


def config_accepts(key: str, value: str) -> bool:
    database = yaml.safe_load((PROJECT_ROOT / "Pulumi.staging.yaml").read_text())["config"]["procurement:database"]
    overrides = {**committed_overrides("staging"), "procurement:database": {**database, "postgres": {key: value}}}
    f = read_stack_config("staging", overrides=overrides)
    try:
        parse_config(RawConfig(f.values, f.secret_keys), project=f.project, stack="staging")
    except ConfigError as error:
        assert all(p.key == f"procurement:database.postgres.{key}" for p in error.problems), error
        return False
    return True


def provider_accepts(name: str, value: str) -> bool:
    return not PostgresConfigProvider().validate({"project_ref": REF, name: value})


@pytest.mark.parametrize("key,name,value,ok", CASES, ids=[f"{c[1]}={c[2]!r}" for c in CASES])
def test_config_and_provider_agree(key, name, value, ok):
    assert config_accepts(key, value) is ok
    assert provider_accepts(name, value) is ok


def test_every_size_and_duration_parameter_uses_the_shared_checks():
    from dynamic_providers.core import postgres_values as pg

    checks = {spec.check for spec in F.POSTGRES_FIELDS.values() if spec.kind == "str" and spec.check}
    assert checks == {pg.memory, pg.signed_memory, pg.duration}
