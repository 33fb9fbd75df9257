"""Pulumi.yaml's `config:` block, README's configuration reference and the typed model all come from the one
declaration (components/config/keys.py + schema.py): committed copies equal the generated ones, and a key or
field added to the declaration reaches all three with no second edit."""
import dataclasses

import yaml

from components.config import keys, schema
from components.config.errors import Problems
from components.config.declarative import Field, Integer, ObjectSpec, build, model
from components.config.model import Hsts
from tools import config_reference as reference


def test_committed_pulumi_yaml_is_generated_from_the_declaration():
    committed = reference.PULUMI_YAML.read_text()
    assert committed == reference.pulumi_yaml(committed), "run `python -m tools.config_reference --write`"


def test_committed_readme_reference_is_generated_from_the_declaration():
    committed = reference.README.read_text()
    assert committed == reference.readme(committed), "run `python -m tools.config_reference --write`"


def test_check_mode_fails_on_drift(monkeypatch, tmp_path, capsys):
    stale = tmp_path / "Pulumi.yaml"
    stale.write_text(reference.PULUMI_YAML.read_text().replace("default: api\n", "default: api-v2\n"))
    monkeypatch.setattr(reference, "PULUMI_YAML", stale)
    assert reference.main(["--check"]) == 1
    assert "Pulumi.yaml differs from the config declaration" in capsys.readouterr().out


def test_a_new_top_level_key_is_one_declaration(monkeypatch):
    # The whole edit: one ConfigKey in keys.KEYS (and the code that reads it).
    new = keys.ConfigKey("maintenanceWindow", "string", "When the platform may restart (cron, UTC).", "0 3 * * 0")
    monkeypatch.setattr(reference, "KEYS", (*keys.KEYS, new))
    config = yaml.safe_load(reference.pulumi_yaml(reference.PULUMI_YAML.read_text()))["config"]
    assert config["maintenanceWindow"] == {"type": "string", "description": new.description, "default": "0 3 * * 0"}
    assert "| `maintenanceWindow` | string | `0 3 * * 0` | When the platform may restart (cron, UTC). |" \
        in reference.readme_reference()


def test_a_new_field_is_one_declaration(monkeypatch):
    # The whole edit: one Field in the section's spec; the typed model, parsing and the reference follow.
    spec = ObjectSpec((*schema.HSTS.fields, Field("maxAgeFloorSeconds", Integer(0, 100), "lowest max-age", default=5)))

    @model(spec)
    class HstsWithFloor:
        pass

    problems = Problems()
    parsed = spec.parse({"enabled": True, "maxAgeFloorSeconds": 7}, "procurement:edge.hsts", problems, True)
    assert not problems
    typed = build(HstsWithFloor, parsed)
    assert typed.max_age_floor_seconds == 7 and typed.enabled is True and typed.preload is False
    monkeypatch.setattr(reference, "KEYS", (*keys.KEYS, keys.ConfigKey("hsts2", "object", "HSTS again.", {}, spec=spec)))
    assert "| `hsts2.maxAgeFloorSeconds` | integer 0-100 | `5` | lowest max-age |" in reference.readme_reference()


def test_derived_models_have_exactly_the_declared_fields():
    names = [f.name for f in dataclasses.fields(Hsts)]
    assert names == ["enabled", "max_age_seconds", "include_subdomains", "preload"]
    assert Hsts.spec is schema.HSTS


def test_a_production_rule_is_part_of_the_field_declaration():
    field = next(f for f in schema.DATABASE.fields if f.name == "deletionProtection")
    problems = Problems()
    schema.DATABASE.check_production({"deletionProtection": False}, "procurement:database", problems)
    assert [(p.key, p.message) for p in problems] == [("procurement:database.deletionProtection", field.production(False))]
    assert "| `database.deletionProtection` | boolean | `true` | protect the project from delete/replace; " \
           "**production: true** |" in reference.readme_reference()
