"""Helpers shared by the config tests: the committed stacks and what their ESC environments add.

Staging and production stack files carry no secret values (README "Secrets"): their ESC
environments (esc/procurement-<stack>.yaml) export every credential as an environment variable
and add no stack config, so no stack needs a secret config key to preview.
"""
from components.config import RawConfig, StackConfig, parse_config
from tests.mock_harness import read_stack_config

ESC_SECRETS: dict[str, dict] = {"local": {}, "staging": {}, "production": {}}
STACKS = tuple(ESC_SECRETS)


def config_of(stack: str) -> StackConfig:
    """The typed config of a committed stack (plus its ESC secrets), parsed without a runtime."""
    f = read_stack_config(stack, overrides=ESC_SECRETS[stack])
    return parse_config(RawConfig(f.values, f.secret_keys), project=f.project, stack=stack)
