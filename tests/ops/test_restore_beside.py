"""Restores never destroy: `python -m ops.restore --backup` on a stack whose project is alive, with real Postgres
behind the sandbox. The restore goes into a new project beside it; the old project (protected or not) keeps every
row, rows written after the backup included; the stack's config and state name the same project; the plan had no
delete or replace. A restore that fails after creating its project leaves the config file and the state exactly
as they were, and says in one line which project it made and the command that deletes it (which refuses the
stack's own project)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import yaml
from pyrage import x25519

from tools.engine.testing import run_pulumi
from tests.mock_harness import PROJECT_ROOT
from tests.ops.test_restore_drill import APPROVALS, ORDERS, ops, seed
from tests.ops.test_restore_test import projects
from tests.workflows.test_delivery_runbooks import local_stack  # noqa: F401  (fixture)

LATER = 3  # rows written after the backup: on the old project only


def protect(root: Path, on: bool) -> None:
    """`database.deletionProtection` as staging and production set it."""
    path = root / "Pulumi.local.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["config"]["procurement:database"]["deletionProtection"] = on
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def state_project(root: Path, env: dict) -> dict:
    """The Supabase project resource of the stack's state."""
    state = json.loads(run_pulumi(["stack", "export", "--stack", "local"], cwd=root, env=env).stdout)
    found = [r for r in state["deployment"]["resources"] if r["urn"].endswith("::database-project")]
    assert len(found) == 1, [r["urn"] for r in found]
    return found[0]


def backed_up(sandbox, root: Path, env: dict, tmp_path: Path) -> tuple[str, dict, dict]:
    """The stack up, seeded, backed up, and LATER rows written after the backup: (old ref, its connection info,
    the environment of a restore)."""
    run_pulumi(["up", "--yes", "--skip-preview", "--stack", "local"], cwd=root, env=env)
    old_ref = json.loads(run_pulumi(["stack", "output", "--json", "--stack", "local"], cwd=root,
                                    env=env).stdout)["supabase_project_ref"]
    info = sandbox.supabase.connection_info(old_ref)
    seed(info)
    holder = x25519.Identity.generate()
    target = f"file://{tmp_path / 'backups'}"
    ca = {"BACKUP_DATABASE_CA": str(sandbox.supabase.tls.ca)}
    ops("ops.backup", "run", cwd=PROJECT_ROOT, env={
        **os.environ, "BACKUP_TARGET": target, "BACKUP_AGE_RECIPIENTS": f"{holder.to_public()} on-call",
        "BACKUP_SCHEMAS": "public", **ca,
        "BACKUP_DATABASE_URL": f"postgresql://{info['user']}:{info['password']}@{info['host']}:{info['port']}/"
                               f"{info['dbname']}?sslmode=require"})
    with psycopg.connect(**info, autocommit=True) as db:
        db.execute("INSERT INTO public.purchase_orders (supplier, amount) "
                   f"SELECT 'written after the backup ' || i, 1 FROM generate_series(1, {LATER}) i")
    restore_env = {**env, "SUPABASE_API_URL": sandbox.supabase.base_url,
                   "SUPABASE_ACCESS_TOKEN": sandbox.supabase.token, "BACKUP_AGE_IDENTITY": str(holder),
                   "BACKUP_TARGET": target, **ca}
    return old_ref, info, restore_env


def restore(root: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ops.restore", "--stack", "local", *args, "--cwd", str(root)],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)


def failing_restore(sandbox, root: Path, env: dict, **where: str) -> str:
    """`--backup latest` while the Management API answers 500 to every request ``where`` names: it fails with
    one line and no traceback; that line."""
    sandbox.supabase.add_fault("error", status=500, count=None, **where)
    try:
        failed = restore(root, env, "--backup", "latest")
    finally:
        sandbox.supabase.faults.clear()
    assert failed.returncode != 0 and "Traceback" not in failed.stderr, failed.stderr
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1, failed.stderr
    return lines[0]


def old_rows(info: dict) -> tuple[int, int, int]:
    with psycopg.connect(**info) as db:
        return (db.execute("SELECT count(*) FROM public.purchase_orders").fetchone()[0],
                db.execute("SELECT count(*) FROM public.purchase_orders WHERE supplier LIKE 'written after%'"
                           ).fetchone()[0],
                db.execute("SELECT count(*) FROM public.approvals").fetchone()[0])


@pytest.mark.parametrize("protected", [False, True], ids=["unprotected", "protected"])
def test_restore_beside_a_live_project_keeps_it_and_every_row(local_stack, sandbox, tmp_path, protected):  # noqa: F811
    root, env = local_stack
    protect(root, protected)
    old_ref, info, restore_env = backed_up(sandbox, root, env, tmp_path)
    assert bool(state_project(root, env).get("protect")) is protected
    sandbox.supabase.journal.clear()

    done = restore(root, restore_env, "--backup", "latest")
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    new_ref = result["project_ref"]
    assert new_ref != old_ref and result["kept_project_ref"] == old_ref
    assert f"project {old_ref}, the stack's database until now, is kept" in done.stdout

    # The old project: never changed (only looked at), alive, every row (those written after the backup too).
    calls = [(e.method, e.path) for e in sandbox.supabase.journal.entries() if old_ref in e.path and e.method != "GET"]
    assert calls == [], calls
    assert sandbox.supabase.client().get(f"/v1/projects/{old_ref}").json()["status"] == "ACTIVE_HEALTHY"
    assert old_rows(info) == (ORDERS + LATER, LATER, APPROVALS)
    # The new one: the backup's rows, nothing written after it.
    assert old_rows(sandbox.supabase.connection_info(new_ref)) == (ORDERS, 0, APPROVALS)

    # Config and state name the same project, protected as configured; the stack has nothing left to do.
    config = yaml.safe_load((root / "Pulumi.local.yaml").read_text())["config"]["procurement:database"]
    project = state_project(root, env)
    assert config["projectRef"] == project["id"] == project["outputs"]["ref"] == new_ref
    assert bool(project.get("protect")) is protected
    outputs = json.loads(run_pulumi(["stack", "output", "--json", "--show-secrets", "--stack", "local"], cwd=root,
                                    env=env).stdout)
    assert outputs["supabase_project_ref"] == new_ref and f".{new_ref}:" in outputs["database_url"]
    run_pulumi(["preview", "--expect-no-changes", "--stack", "local"], cwd=root, env=env)

    # The kept project is not the restore's to delete: a person does that.
    refused = restore(root, restore_env, "--discard", old_ref)
    assert refused.returncode != 0 and "was not created by a restore" in refused.stderr, refused.stderr
    assert old_rows(info) == (ORDERS + LATER, LATER, APPROVALS)


def test_a_restore_failing_after_its_project_was_created_leaves_the_stack_as_it_was(local_stack, sandbox,  # noqa: F811
                                                                                     tmp_path):
    root, env = local_stack
    old_ref, info, restore_env = backed_up(sandbox, root, env, tmp_path)
    config_before = (root / "Pulumi.local.yaml").read_bytes()
    state_before = run_pulumi(["stack", "export", "--stack", "local"], cwd=root, env=env).stdout
    listed = set(projects(sandbox))

    # The Management API answers 500 to every SQL query once the new project exists (its extensions go first).
    line = failing_restore(sandbox, root, restore_env, method="POST", path="/v1/projects/{ref}/database/query")
    created = [ref for ref in projects(sandbox) if ref not in listed]
    assert len(created) == 1, created
    assert line.startswith("restore failed: "), line
    assert f"project {created[0]} was created by this restore and left in place, the stack was not changed; next: " \
        in line, line
    assert line.endswith(f"delete that project with: python -m ops.restore --stack local --discard {created[0]}"), \
        line

    assert (root / "Pulumi.local.yaml").read_bytes() == config_before
    assert run_pulumi(["stack", "export", "--stack", "local"], cwd=root, env=env).stdout == state_before
    assert old_rows(info) == (ORDERS + LATER, LATER, APPROVALS)

    # The command the line names: deletes that project, and refuses the stack's own.
    own = restore(root, restore_env, "--discard", old_ref)
    assert own.returncode != 0 and own.stderr.strip() == f"restore: project {old_ref} is the stack's database; " \
                                                           "it was not deleted", own.stderr
    discarded = restore(root, restore_env, "--discard", created[0])
    assert discarded.returncode == 0, discarded.stderr
    assert sandbox.supabase.client().get(f"/v1/projects/{created[0]}").status_code == 404 or \
        sandbox.supabase.client().get(f"/v1/projects/{created[0]}").json()["status"] in ("REMOVED", "GOING_DOWN")
    assert old_rows(info) == (ORDERS + LATER, LATER, APPROVALS)
    run_pulumi(["preview", "--expect-no-changes", "--stack", "local"], cwd=root, env=env)


def test_a_restore_whose_up_fails_after_the_repoint_names_the_command_that_finishes_it(  # noqa: F811
        local_stack, sandbox, tmp_path):
    root, env = local_stack
    old_ref, info, restore_env = backed_up(sandbox, root, env, tmp_path)
    # The up's first write, renaming the new project to the stack's name, fails (every retry too).
    line = failing_restore(sandbox, root, restore_env, method="PATCH", path="/v1/projects/{ref}")
    config = yaml.safe_load((root / "Pulumi.local.yaml").read_text())["config"]["procurement:database"]
    new_ref = config["projectRef"]
    assert new_ref != old_ref and state_project(root, env)["id"] == new_ref  # config and state agree
    assert line.startswith(f"restore: `pulumi up` failed after the stack was repointed to project {new_ref} "
                               f"(its config and state both name it; project {old_ref} was kept): "), line
    assert line.endswith(f"failed (HTTP 500): injected 500 (sandbox fault); finish with: pulumi up --refresh "
                             "--stack local"), line  # why, from the up's own error line
    assert old_rows(info) == (ORDERS + LATER, LATER, APPROVALS)

    # The command it names finishes the restore.
    run_pulumi(["up", "--refresh", "--yes", "--stack", "local"], cwd=root, env=env)
    outputs = json.loads(run_pulumi(["stack", "output", "--json", "--show-secrets", "--stack", "local"], cwd=root,
                                    env=env).stdout)
    assert outputs["supabase_project_ref"] == new_ref and f".{new_ref}:" in outputs["database_url"]
    assert old_rows(sandbox.supabase.connection_info(new_ref)) == (ORDERS, 0, APPROVALS)
    assert old_rows(info) == (ORDERS + LATER, LATER, APPROVALS)
    run_pulumi(["preview", "--expect-no-changes", "--stack", "local"], cwd=root, env=env)


# Stands in for `pulumi` ($PULUMI) and kills the restore (its parent) when it runs the command KILL_AT names:
# the restore dies right after the step before it, as a kill -9 or a lost runner would leave it.
KILLER = """#!/usr/bin/env bash
case " $* " in *" $KILL_AT "*) kill -9 "$PPID"; exit 137;; esac
exec "$REAL_PULUMI" "$@"
"""


@pytest.mark.parametrize("dies_at", ["set --path procurement:database.projectRef", "up --yes"],
                         ids=["after-the-state-was-written", "before-the-up"])
def test_a_restore_killed_while_repointing_is_finished_by_the_command_it_printed(  # noqa: F811
        local_stack, sandbox, tmp_path, dies_at):
    root, env = local_stack
    old_ref, info, restore_env = backed_up(sandbox, root, env, tmp_path)
    killer = tmp_path / "pulumi"
    killer.write_text(KILLER)
    killer.chmod(0o755)
    real = shutil.which("pulumi", path=env.get("PATH"))
    killed = restore(root, {**restore_env, "PULUMI": str(killer), "KILL_AT": dies_at, "REAL_PULUMI": real},
                     "--backup", "latest")
    assert killed.returncode == -signal.SIGKILL, f"{killed.stdout}\n{killed.stderr}"
    assert "(if this is interrupted, finish with: python -m ops.restore --stack local --finish)" in killed.stdout
    new_ref = state_project(root, env)["id"]
    assert new_ref != old_ref  # the state was written
    named = yaml.safe_load((root / "Pulumi.local.yaml").read_text())["config"]["procurement:database"].get("projectRef")
    assert (named == new_ref) is (dies_at == "up --yes")  # the config too, only before the up

    done = restore(root, restore_env, "--finish")
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert json.loads(done.stdout.strip().splitlines()[-1])["project_ref"] == new_ref
    config = yaml.safe_load((root / "Pulumi.local.yaml").read_text())["config"]["procurement:database"]
    assert config["projectRef"] == state_project(root, env)["id"] == new_ref
    outputs = json.loads(run_pulumi(["stack", "output", "--json", "--show-secrets", "--stack", "local"], cwd=root,
                                    env=env).stdout)
    assert outputs["supabase_project_ref"] == new_ref and f".{new_ref}:" in outputs["database_url"]
    assert old_rows(sandbox.supabase.connection_info(new_ref)) == (ORDERS, 0, APPROVALS)
    assert old_rows(info) == (ORDERS + LATER, LATER, APPROVALS)  # the old project: kept, every row
    run_pulumi(["preview", "--expect-no-changes", "--stack", "local"], cwd=root, env=env)
    again = restore(root, restore_env, "--finish")  # finishing a finished restore changes nothing
    assert again.returncode == 0, again.stderr
