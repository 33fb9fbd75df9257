"""The keys the program reads, Pulumi.yaml's declarations and docs/reference/configuration.md describe the same config."""
from pathlib import Path

import pulumi.config
import pytest
import yaml

from components.config import KEYS, NAMESPACE, field_paths
from components.config.declarative import MISSING
from stack_cases import ESC_SECRETS, STACKS
from tests.components.platform_mocks import run_stack
from tests.mock_harness import PROJECT_ROOT

PROJECT = yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())
DECLARED = PROJECT["config"]


def test_project_name_is_the_config_namespace():
    # Pulumi types config only in the project's own namespace, so `procurement:` needs this name.
    assert PROJECT["name"] == NAMESPACE
    assert PROJECT["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}


def test_every_registry_key_is_declared_with_the_same_type_default_and_description():
    for key in KEYS:
        assert key.name in DECLARED, f"procurement:{key.name} is read but not declared in Pulumi.yaml"
        declared = DECLARED[key.name]
        assert declared["type"] == key.type, key.name
        assert declared["description"] == key.description, key.name
        if key.default is MISSING:
            assert "default" not in declared, f"{key.name}: required in code, defaulted in Pulumi.yaml"
        else:
            assert declared.get("default", MISSING) == key.default, key.name


def test_every_declared_key_is_in_the_registry():
    names = {k.name for k in KEYS}
    assert set(DECLARED) <= names, f"declared but never read: {sorted(set(DECLARED) - names)}"


def test_secret_keys_are_marked_and_optional():
    secret = [key for key in KEYS if key.secret]
    assert [key.name for key in secret] == ["appSecrets"]  # application secrets only: no credential is config
    for key in secret:
        # `secret: true` would make the key mandatory on every stack; the program checks instead.
        assert "secret" not in DECLARED[key.name]
        assert DECLARED[key.name]["description"].startswith("SECRET.")
        assert DECLARED[key.name]["default"] == ("" if key.type == "string" else {})


def test_no_credential_is_a_config_key():
    # The engine stores the whole stack config in the state (the default dynamic provider's inputs).
    from components.config.keys import RETIRED

    assert not set(RETIRED) & {key.name for key in KEYS} and not set(RETIRED) & set(DECLARED)


@pytest.mark.parametrize("stack", STACKS)
def test_the_program_reads_exactly_the_declared_keys(stack, monkeypatch):
    read: set[str] = set()
    real_get = pulumi.config.get_config

    def recording_get(key):
        read.add(key)
        return real_get(key)

    # pulumi.Config.get goes through this module-level name: every key the program asks for.
    monkeypatch.setattr(pulumi.config, "get_config", recording_get)
    run_stack(stack)  # the whole program, tiers included, with believable provider answers
    ours = {k for k in read if k.startswith(NAMESPACE + ":")}
    assert ours == {f"{NAMESPACE}:{name}" for name in DECLARED}


def test_readme_documents_every_key_and_field():
    readme = (PROJECT_ROOT / "docs" / "reference" / "configuration.md").read_text()
    missing = [path for path in field_paths() if f"`{path}`" not in readme]
    assert not missing, f"docs/reference/configuration.md config table lacks: {missing}"
