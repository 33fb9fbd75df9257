"""Restore points on the sandbox: a real snapshot of the project's `public` schema, undone in place; restore-pitr
answers as recorded without PITR. Also `python -m ops.restore_point` against it (what promotion runs)."""
import os
import subprocess
import sys

import psycopg

from tests.mock_harness import PROJECT_ROOT
from tests.tools.sandbox.supabase_projects import new_project


def project(sandbox):
    return new_project(sandbox, "rp", "rp-password-1")


def test_restore_point_snapshot_and_undo_in_place(sandbox):
    api, ref = project(sandbox)
    info = sandbox.supabase.connection_info(ref)
    with psycopg.connect(**info, autocommit=True) as db:
        db.execute("CREATE TABLE public.orders (id int PRIMARY KEY)")
        db.execute("INSERT INTO public.orders SELECT generate_series(1, 10)")
    base = f"/v1/projects/{ref}/database/backups"
    assert api.get(f"{base}/restore-point", params={"name": "pre-1"}).status_code == 404
    created = api.post(f"{base}/restore-point", json={"name": "pre-1"})
    assert created.status_code == 201 and created.json() == {"name": "pre-1", "status": "PENDING",
                                                             "completed_on": None}
    point = api.get(f"{base}/restore-point", params={"name": "pre-1"}).json()
    assert point["status"] == "AVAILABLE" and point["completed_on"]
    assert api.post(f"{base}/restore-point", json={"name": "pre-1"}).status_code == 400  # names are unique
    assert api.post(f"{base}/restore-point", json={"name": "x" * 21}).status_code == 400  # spec: maxLength 20

    with psycopg.connect(**info, autocommit=True) as db:  # the bad change a promotion made
        db.execute("DELETE FROM public.orders WHERE id > 3")
        db.execute("CREATE TABLE public.junk (x int)")
    assert api.post(f"{base}/undo", json={"name": "nope"}).status_code == 400
    assert api.post(f"{base}/undo", json={"name": "pre-1"}).status_code == 201
    assert api.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY"
    with psycopg.connect(**info) as db:
        assert db.execute("SELECT count(*) FROM public.orders").fetchone()[0] == 10
        assert db.execute("SELECT to_regclass('public.junk')").fetchone()[0] is None


def test_restore_pitr_without_pitr_is_refused_as_recorded(sandbox):
    api, ref = project(sandbox)
    answer = api.post(f"/v1/projects/{ref}/database/backups/restore-pitr", json={"recovery_time_target_unix": 1})
    assert answer.status_code == 400 and answer.json() == {"message": "PITR is not enabled for this project."}


def test_the_restore_point_command_waits_for_available_and_names_the_undo(sandbox):
    _, ref = project(sandbox)
    env = {**os.environ, "SUPABASE_API_URL": sandbox.supabase.base_url, "SUPABASE_ACCESS_TOKEN": sandbox.supabase.token}
    done = subprocess.run([sys.executable, "-m", "ops.restore_point", "--project-ref", ref, "--name", "pre-promote-1"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "restore point pre-promote-1" in done.stdout and "is AVAILABLE" in done.stdout
    assert "--restore-point pre-promote-1" in done.stdout
    refused = subprocess.run([sys.executable, "-m", "ops.restore_point", "--project-ref", ref, "--name", "pre-promote-1"],
                             cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "already exists" in refused.stderr  # no promotion without its way back
