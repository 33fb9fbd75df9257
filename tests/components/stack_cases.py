"""Helpers shared by the config tests: the committed stacks and what their ESC environments add.

Staging and production stack files carry no secret values (README "Real accounts"); in real
life their ESC environments supply these keys as `fn::secret`. The values here are fake.
"""
from components.config import RawConfig, StackConfig, parse_config
import yaml

from tests.mock_harness import PROJECT_ROOT, Secret, read_stack_config

ESC_SECRETS = {
    "local": {},
    "staging": {"procurement:registryPassword": Secret("ghp_fakeStagingRegistryToken000000000000")},
    "production": {"procurement:registryPassword": Secret("ghp_fakeProductionRegistryToken000000000")},
}
STACKS = tuple(ESC_SECRETS)


def tier_overrides(stack: str, tiers: dict) -> dict:
    """Overrides that switch the stack's tiers to `tiers`; with the backend off, the database roles
    (one per backend service) go too, as the config rejects roles for services that do not exist."""
    overrides = {"procurement:tiers": tiers}
    if not tiers.get("backend"):
        doc = yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        database = dict(doc.get("procurement:database") or {})
        if database.get("roles"):
            overrides["procurement:database"] = {**database, "roles": []}
    return overrides


def config_of(stack: str) -> StackConfig:
    """The typed config of a committed stack (plus its ESC secrets), parsed without a runtime."""
    f = read_stack_config(stack, overrides=ESC_SECRETS[stack])
    return parse_config(RawConfig(f.values, f.secret_keys), project=f.project, stack=stack)
