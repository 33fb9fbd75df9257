"""Helpers shared by the config tests: the committed stacks and what their ESC environments add.

Staging and production stack files carry no secret values (README "Real accounts"); in real
life their ESC environments supply these keys as `fn::secret`. The values here are fake.
"""
from components.config import RawConfig, StackConfig, parse_config
from tests.mock_harness import Secret, read_stack_config

ESC_SECRETS = {
    "local": {},
    "staging": {"procurement:registryPassword": Secret("ghp_fakeStagingRegistryToken000000000000")},
    "production": {"procurement:registryPassword": Secret("ghp_fakeProductionRegistryToken000000000")},
}
STACKS = tuple(ESC_SECRETS)


def config_of(stack: str) -> StackConfig:
    """The typed config of a committed stack (plus its ESC secrets), parsed without a runtime."""
    f = read_stack_config(stack, overrides=ESC_SECRETS[stack])
    return parse_config(RawConfig(f.values, f.secret_keys), project=f.project, stack=stack)
