"""The state edit behind a restore's repoint (ops/repoint.py), on an exported state: the project resource names
the new project and keeps its URN and protection, what lived on the old project leaves the state with every
reference to it, nothing else changes; and the preview gate spots a delete or replace of the project."""
from __future__ import annotations

import json

import pytest

from ops.repoint import RepointRefused, replacing_steps, retarget

STACK = "urn:pulumi:local::procurement::"
DB = STACK + "procurement:database:Database::database"
DYN = "procurement:database:Database$pulumi-python:dynamic:Resource::"
PROJECT, ROLE = STACK + DYN + "database-project", STACK + DYN + "database-role-api"
POOLER = STACK + DYN + "database-pooler"
PASSWORD = STACK + "procurement:database:Database$pulumi-python:dynamic:Resource::database-password"
SERVICE = STACK + "procurement:backend:Backend$pulumi-python:dynamic:Resource::backend-api"


def exported() -> dict:
    return {"version": 3, "deployment": {"manifest": {}, "resources": [
        {"urn": DB, "custom": False, "type": "procurement:database:Database"},
        {"urn": PASSWORD, "custom": True, "id": "pw", "parent": DB, "protect": True, "inputs": {"length": 32}},
        {"urn": PROJECT, "custom": True, "id": "oldrefoldrefoldrefol", "parent": DB, "protect": True,
         "dependencies": [PASSWORD],
         "inputs": {"name": "procurement-local-database", "db_password": {"secret": "x"}, "region": "eu-central-1"},
         "outputs": {"name": "procurement-local-database", "ref": "oldrefoldrefoldrefol", "db_password": "x",
                     "database_url": "postgresql://old"}},
        {"urn": POOLER, "custom": True, "id": "oldrefoldrefoldrefol", "parent": DB, "deletedWith": PROJECT,
         "dependencies": [PROJECT], "inputs": {"project_ref": "oldrefoldrefoldrefol"}},
        {"urn": ROLE, "custom": True, "id": "oldrefoldrefoldrefol/api", "parent": DB, "dependencies": [PROJECT, POOLER],
         "inputs": {"project_ref": "oldrefoldrefoldrefol", "name": "procurement_api"}},
        {"urn": SERVICE, "custom": True, "id": "srv-1", "dependencies": [POOLER, ROLE, PASSWORD],
         "propertyDependencies": {"env": [POOLER, PASSWORD]}, "deletedWith": ROLE, "inputs": {"name": "api"}},
    ]}}


def test_retarget_names_the_new_project_and_drops_what_lived_on_the_old_one():
    before = exported()
    state, old_ref, dropped = retarget(before, "newrefnewrefnewrefne", "procurement-local-database")
    assert before == exported()  # the saved copy is not edited
    assert old_ref == "oldrefoldrefoldrefol" and dropped == sorted([POOLER, ROLE])
    resources = {r["urn"]: r for r in state["deployment"]["resources"]}
    assert set(resources) == {DB, PASSWORD, PROJECT, SERVICE}
    project = resources[PROJECT]
    assert project["id"] == project["outputs"]["ref"] == project["inputs"]["project_ref"] == "newrefnewrefnewrefne"
    assert project["protect"] is True and project["dependencies"] == [PASSWORD]
    # The new project does not have the stack's password (the up sets it), nor the old host's URL.
    assert "db_password" not in project["inputs"] and "db_password" not in project["outputs"]
    assert "database_url" not in project["outputs"]
    service = resources[SERVICE]
    assert service["dependencies"] == [PASSWORD] and service["propertyDependencies"] == {"env": [PASSWORD]}
    assert "deletedWith" not in service
    assert resources[PASSWORD] == exported()["deployment"]["resources"][1]


def test_retarget_refuses_an_interrupted_update_and_leaves_a_stack_without_project_alone():
    interrupted = exported()
    interrupted["deployment"]["pending_operations"] = [{"type": "creating"}]
    with pytest.raises(RepointRefused, match="interrupted update"):
        retarget(interrupted, "newrefnewrefnewrefne", "n")
    empty = {"version": 3, "deployment": {"resources": []}}
    assert retarget(empty, "newrefnewrefnewrefne", "n") == (empty, None, [])


def test_the_preview_gate_spots_a_delete_or_replace_of_the_project_only():
    def step(op: str, urn: str) -> dict:
        return {"op": op, "urn": urn, "oldState": {"urn": urn, "parent": DB if "database" in urn else None}}

    honest = json.dumps({"steps": [step("update", PROJECT), step("create", ROLE), step("update", SERVICE),
                                   step("delete", SERVICE)]})
    assert replacing_steps(honest) == []
    for op in ("delete", "replace", "delete-replaced", "create-replacement"):
        assert replacing_steps(json.dumps({"steps": [step(op, PROJECT)]})) == [f"{op} {PROJECT}"]
