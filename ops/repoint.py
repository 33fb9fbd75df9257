"""Repoint a stack's database to a restore's project without deleting or replacing the project it had.

A new ``database.projectRef`` alone makes `pulumi up` replace the project resource, so the state is edited first,
together with the config: the project resource names the new project, and the resources on the old one leave
the state without a call. The old project is never called. Killed at any moment, the stack is safe and
``python -m ops.restore --stack <stack> --finish`` converges it. The details:
docs/how-to/restore-the-database.md, "How the repoint works".
"""
from __future__ import annotations

import copy
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .stack import Stack, why

DATABASE = "procurement:database:Database"  # the project resource is the `-project` child of this component
REPLACING = {"delete", "replace", "create-replacement", "delete-replaced", "discard", "discard-replaced",
             "import-replacement"}


class RepointRefused(Exception):
    """The stack cannot be repointed safely; the message says why and what to run."""


@dataclass(frozen=True)
class Saved:
    """The stack as it was before the repoint: its config file's bytes and its exported state (secrets stay
    encrypted), also kept in ``copies`` until the restore is done, for a person, should putting them back fail."""
    config_file: Path
    config: bytes
    state: str
    copies: Path


def config_file(stack: Stack) -> Path:
    return stack.config_file or stack.cwd / f"Pulumi.{stack.name.rsplit('/', 1)[-1]}.yaml"


def save(stack: Stack) -> Saved:
    path = config_file(stack)
    saved = Saved(path, path.read_bytes(), stack.run("stack", "export"),
                  Path(tempfile.mkdtemp(prefix="procurement-repoint-")))
    (saved.copies / "state.json").write_text(saved.state)
    (saved.copies / path.name).write_bytes(saved.config)
    return saved


def undo(stack: Stack, saved: Saved) -> None:
    """Put the state and the config file back as they were (the state is imported whole)."""
    try:
        stack.run("stack", "import", "--force", input=saved.state)
    except SystemExit as error:
        state = str(saved.copies / "state.json")
        raise RepointRefused(
            f"putting the stack back failed ({why(error)}); run: "
            f"{stack.command('stack', 'import', '--force', '--file', state)} "
            f"&& cp {saved.copies / saved.config_file.name} {saved.config_file}") from None
    saved.config_file.write_bytes(saved.config)
    shutil.rmtree(saved.copies, ignore_errors=True)


def project_resource(resources: list[dict]) -> Optional[dict]:
    found = [r for r in resources if r.get("custom") and "::" in r.get("urn", "")
             and r["urn"].rsplit("::", 1)[-1].endswith("-project")
             and _type_of(r.get("parent") or "").rsplit("$", 1)[-1] == DATABASE]
    if len(found) > 1:
        raise RepointRefused(f"the state has {len(found)} database projects ({', '.join(r['urn'] for r in found)})")
    return found[0] if found else None


def _type_of(urn: str) -> str:
    parts = urn.split("::")
    return parts[2] if len(parts) > 3 else ""


def retarget(deployment: dict, new_ref: str, new_name: str) -> tuple[dict, Optional[str], list[str]]:
    """The exported state with the project resource naming ``new_ref``: (state, old ref or None, URNs dropped)."""
    state = copy.deepcopy(deployment)
    body = state["deployment"]
    if body.get("pending_operations"):
        raise RepointRefused("the stack has an interrupted update (pending operations); run `pulumi refresh "
                             "--stack <stack>` first")
    resources = body.get("resources") or []
    project = project_resource(resources)
    if project is None:
        return state, None, []  # never created: the up adopts the new project
    old_ref = project.get("id")
    bound = {r["urn"] for r in resources if r is not project and old_ref
             and ((r.get("inputs") or {}).get("project_ref") == old_ref)}
    for key in ("inputs", "outputs"):
        values = project.get(key) or {}
        values.update({"project_ref": new_ref, "name": new_name})
        values.pop("db_password", None)  # the new project has the restore's password: the up sets the stack's
        values.pop("database_url", None)  # the old host's URL; the refresh reads the new one
        if key == "outputs":
            values["ref"] = new_ref
        project[key] = values
    project["id"] = new_ref
    kept = []
    for resource in resources:
        if resource["urn"] in bound:
            continue
        if resource.get("dependencies"):
            resource["dependencies"] = [u for u in resource["dependencies"] if u not in bound]
        for prop, urns in list((resource.get("propertyDependencies") or {}).items()):
            resource["propertyDependencies"][prop] = [u for u in urns if u not in bound]
        if resource.get("deletedWith") in bound:
            del resource["deletedWith"]
        kept.append(resource)
    body["resources"] = kept
    return state, old_ref, sorted(bound)


def replacing_steps(preview_json: str) -> list[str]:
    """`pulumi preview --json` steps that would delete or replace a Supabase project: '<op> <urn>'."""
    steps = json.loads(preview_json).get("steps") or []
    return [f"{s['op']} {s['urn']}" for s in steps
            if s.get("op") in REPLACING and project_resource([{**(s.get("oldState") or s.get("newState") or {}),
                                                               "urn": s["urn"], "custom": True}])]


def state_project_ref(stack: Stack) -> Optional[str]:
    """The project the stack's state holds (None before it was created)."""
    body = json.loads(stack.run("stack", "export"))["deployment"]
    if body.get("pending_operations"):
        raise RepointRefused("the stack has an interrupted update (pending operations); run: bash tools/scripts/recover.sh "
                             f"--stack {stack.name}, then this command again")
    project = project_resource(body.get("resources") or [])
    return project.get("id") if project else None


def finish(stack: Stack) -> str:
    """After an interrupted repoint (or its undo): the config names the state's project, and a preview shows no
    delete or replace of a project; the ref. Never changes the state: naming its own project deletes nothing."""
    ref = state_project_ref(stack)
    if ref is None:
        raise RepointRefused("the stack's state holds no database project, so there is no repoint to finish; "
                             f"run: {stack.command('up')}")
    if (stack.config().get("procurement:database") or {}).get("projectRef") != ref:
        stack.set_config("procurement:database.projectRef", ref)
    wrong = replacing_steps(stack.preview("--json", "--refresh"))
    if wrong:
        raise RepointRefused(f"the plan would {'; '.join(wrong)}; nothing was updated")
    return ref


def repoint(stack: Stack, new_ref: str, new_name: str) -> tuple[Saved, Optional[str]]:
    """Config and state both name ``new_ref``; (what was saved, the old project's ref). On any failure the stack
    is put back as it was and RepointRefused says why."""
    saved = save(stack)
    state, old_ref, dropped = retarget(json.loads(saved.state), new_ref, new_name)
    try:
        stack.run("stack", "import", input=json.dumps(state))
        stack.set_config("procurement:database.projectRef", new_ref)
        plan = stack.preview("--json", "--refresh")
        wrong = replacing_steps(plan)
    except SystemExit as error:
        undo(stack, saved)
        raise RepointRefused(f"repointing the stack failed ({why(error)}), so it was put back as it was") from None
    if wrong:
        undo(stack, saved)
        raise RepointRefused(f"the plan would still {'; '.join(wrong)}, so the stack was put back as it was")
    shutil.rmtree(saved.copies, ignore_errors=True)  # from here on the up finishes the restore, never an undo
    return saved, old_ref
