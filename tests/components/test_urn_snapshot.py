"""Upgrade safety: the URNs each committed stack produces under mocks are pinned in urn_snapshot.json.

A URN is a resource's identity in the state. Renaming a child, moving it to another parent or
changing its type makes Pulumi delete the old object and create a new one (for the database: a
new, empty database). So:

- a URN in the snapshot that the program no longer produces fails this test, unless a resource
  now lists it as an alias (`ResourceOptions(aliases=[pulumi.Alias(name=<old name>)])`), which
  tells Pulumi it is the same object;
- a URN the program produces that the snapshot lacks fails too, so that new resources are a
  reviewed change.

To update the snapshot on purpose (new resources, or a rename once its alias is in place):

    UPDATE_URN_SNAPSHOT=1 .venv/bin/python -m pytest tests/components/test_urn_snapshot.py

and commit tests/components/urn_snapshot.json with the change that caused it.
"""
import json
import os
from pathlib import Path
from typing import Optional

import pytest
from google.protobuf import text_format
from pulumi.runtime.proto import alias_pb2

from stack_cases import STACKS
from tests.components.platform_mocks import REVIEW_PR, run_review_stack, run_stack
from tests.mock_harness import ProgramRun, RegisteredResource

SNAPSHOT = Path(__file__).with_name("urn_snapshot.json")
UPDATE = os.environ.get("UPDATE_URN_SNAPSHOT") == "1"


STACK_TYPE = "pulumi:pulumi:Stack"


def _type_chain(parent_urn: Optional[str]) -> str:
    """The parent part of a child's qualified type: the parent's qualified type, the root stack left out."""
    if not parent_urn:
        return ""
    qualified = parent_urn.split("::")[2]
    chain = [t for t in qualified.split("$") if t != STACK_TYPE]
    return "$".join(chain)


def alias_urns(run: ProgramRun, resource: RegisteredResource) -> set[str]:
    """The URNs a resource's aliases stand for (the SDK sends alias specs relative to the resource)."""
    found = set()
    for alias in resource.aliases:
        if alias.startswith("urn:pulumi:"):
            found.add(alias)
            continue
        spec = text_format.Parse(alias, alias_pb2.Alias()).spec
        stack, project = spec.stack or run.stack, spec.project or run.project
        name = spec.name or resource.name
        own_type = spec.type or resource.type
        parent: Optional[str] = spec.parentUrn or (None if spec.noParent else resource.parent)
        chain = _type_chain(parent)
        qualified = f"{chain}${own_type}" if chain else own_type
        found.add(f"urn:pulumi:{stack}::{project}::{qualified}::{name}")
    return found


def check(stack: str, run: ProgramRun, pinned: list[str]) -> list[str]:
    produced = set(run.urns)
    aliased = set().union(*(alias_urns(run, r) for r in run.resources))
    problems = [f"{urn}: no longer produced and no resource aliases it (renamed/moved/retyped? add an alias)"
                for urn in sorted(set(pinned) - produced - aliased)]
    problems += [f"{urn}: new, not in the snapshot (intended? update it, see this module's docstring)"
                 for urn in sorted(produced - set(pinned))]
    return problems


@pytest.fixture(scope="module")
def snapshot():
    pinned = json.loads(SNAPSHOT.read_text()) if SNAPSHOT.exists() else {}
    yield pinned
    if UPDATE:
        SNAPSHOT.write_text(json.dumps(pinned, indent=1, sort_keys=True) + "\n")


@pytest.mark.parametrize("stack", STACKS)
def test_urns_match_the_snapshot(stack, snapshot):
    _compare(stack, run_stack(stack), snapshot)


def test_review_stack_urns_match_the_snapshot(snapshot):
    """A review stack (derived from the local one) keeps its URNs too: `up` after a change to the program must
    not replace the pull request's branch or services."""
    stack = f"pr-{REVIEW_PR}"
    _compare(stack, run_review_stack("local"), snapshot)


def _compare(stack, run, snapshot):
    if UPDATE:
        snapshot[stack] = run.urns
        return
    assert stack in snapshot, f"no snapshot for '{stack}': run with UPDATE_URN_SNAPSHOT=1"
    problems = check(stack, run, snapshot[stack])
    assert not problems, f"stack '{stack}':\n  " + "\n  ".join(problems)


def test_a_rename_fails_until_an_alias_names_the_old_urn():
    import components.frontend as frontend
    from pulumi import Alias, ResourceOptions
    from dynamic_providers import render

    run = run_stack("local")
    pinned = run.urns
    original = render.CustomDomain

    # `render` is one module for every tier: rename only the frontend's domain.
    def renamed(resource_name, **kwargs):  # what a careless refactor would do: a new logical name
        return original(resource_name.replace("frontend-domain", "frontend-app-domain"), **kwargs)

    def renamed_with_alias(resource_name, **kwargs):
        if resource_name != "frontend-domain":
            return original(resource_name, **kwargs)
        opts = ResourceOptions.merge(kwargs.pop("opts"), ResourceOptions(aliases=[Alias(name=resource_name)]))
        return original("frontend-app-domain", opts=opts, **kwargs)

    try:
        frontend.render.CustomDomain = renamed
        problems = check("local", run_stack("local"), pinned)
        assert any("frontend-domain: no longer produced" in p for p in problems), problems
        frontend.render.CustomDomain = renamed_with_alias
        problems = check("local", run_stack("local"), pinned)
        assert len(problems) == 1 and "::frontend-app-domain: new" in problems[0], problems  # aliased: not lost
    finally:
        frontend.render.CustomDomain = original
