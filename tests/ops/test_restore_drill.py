"""The disaster-recovery drill, for real: the local stack up on the sandbox (real Render/Supabase emulators, a real
Postgres behind the project), a schema and rows seeded, the nightly backup program run, the project destroyed out
of band, then the ONE documented restore command: it loads the backup into a new project, repoints the stack,
runs `pulumi up`, and verifies the data and the roles' logins. Afterwards a preview has nothing to change.

It reports, in the test run's summary, the measured recovery time (RTO: from the disaster to the verified restore) and data-loss window
(RPO: from the backup's snapshot to the disaster; a row written after the backup is lost), which
docs/how-to/operations.md reports next to the one-hour target.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone

import psycopg
from pyrage import x25519

from tools.engine.testing import run_pulumi
from tests.mock_harness import PROJECT_ROOT
from tests.workflows.test_delivery_runbooks import local_stack  # noqa: F401  (fixture)

ORDERS, APPROVALS = 500, 200


def ops(module: str, *args: str, env: dict, cwd) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, f"{module} {' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def seed(info: dict) -> None:
    with psycopg.connect(**info, autocommit=True) as db:
        db.execute("CREATE TABLE public.purchase_orders (id bigserial PRIMARY KEY, supplier text NOT NULL, "
                   "amount numeric(12, 2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())")
        db.execute("CREATE TABLE public.approvals (id bigserial PRIMARY KEY, order_id bigint NOT NULL "
                   "REFERENCES public.purchase_orders(id), approver text NOT NULL)")
        db.execute("CREATE INDEX purchase_orders_supplier_trgm ON public.purchase_orders "
                   "USING gin (supplier extensions.gin_trgm_ops)")  # needs pg_trgm, an extension of the stack
        db.execute("INSERT INTO public.purchase_orders (supplier, amount) "
                   f"SELECT 'supplier ' || i, i * 10.5 FROM generate_series(1, {ORDERS}) i")
        db.execute("INSERT INTO public.approvals (order_id, approver) "
                   f"SELECT i, 'approver ' || (i % 7) FROM generate_series(1, {APPROVALS}) i")


def test_restore_drill_backup_destroy_restore_verify_converge(local_stack, sandbox, tmp_path, record_property):  # noqa: F811
    root, env = local_stack
    run_pulumi(["up", "--yes", "--skip-preview", "--stack", "local"], cwd=root, env=env)
    outputs = json.loads(run_pulumi(["stack", "output", "--json", "--stack", "local"], cwd=root, env=env).stdout)
    old_ref = outputs["supabase_project_ref"]
    seed(sandbox.supabase.connection_info(old_ref))

    on_call, escrow = x25519.Identity.generate(), x25519.Identity.generate()
    target = f"file://{tmp_path / 'backups'}"
    info = sandbox.supabase.connection_info(old_ref)
    recipients = f"{on_call.to_public()} on-call\n{escrow.to_public()} escrow (escrow)"
    # TLS verified against the sandbox CA (ops/libpq.py), as against Supabase's with its CA certificate.
    ca = {"BACKUP_DATABASE_CA": str(sandbox.supabase.tls.ca)}
    backup_env = {**os.environ, "BACKUP_TARGET": target, "BACKUP_AGE_RECIPIENTS": recipients,
                  "BACKUP_SCHEMAS": "public", **ca,
                  "BACKUP_DATABASE_URL": f"postgresql://{info['user']}:{info['password']}@{info['host']}:"
                                         f"{info['port']}/{info['dbname']}?sslmode=require"}
    backed_up = ops("ops.backup", "run", env=backup_env, cwd=PROJECT_ROOT)
    assert "backup ok:" in backed_up.stdout
    manifest = json.loads(next((tmp_path / "backups").glob("*.json")).read_text())
    assert manifest["tables"] == {"public.approvals": APPROVALS, "public.purchase_orders": ORDERS}
    assert [r["holder"] for r in manifest["recipients"]] == ["on-call", "escrow (escrow)"]
    assert b"supplier 1" not in next((tmp_path / "backups").glob("*.dump.age")).read_bytes()  # encrypted
    ops("ops.backup", "check", "--max-age-hours", "1", env=backup_env, cwd=PROJECT_ROOT)

    with psycopg.connect(**info, autocommit=True) as db:  # written after the backup: inside the RPO, lost
        db.execute("INSERT INTO public.purchase_orders (supplier, amount) VALUES ('written after the backup', 1)")

    # The disaster: the project is deleted out of band (the Management API, as a person or an incident would).
    assert sandbox.supabase.client().delete(f"/v1/projects/{old_ref}").status_code == 200
    disaster = time.monotonic()
    disaster_at = datetime.now(timezone.utc)

    restore_env = {**env, "SUPABASE_API_URL": sandbox.supabase.base_url, "SUPABASE_ACCESS_TOKEN": sandbox.supabase.token,
                   # The escrow's identity: the on-call's ESC copy is not needed (either one decrypts).
                   "BACKUP_AGE_IDENTITY": str(escrow), "BACKUP_TARGET": target, **ca}
    restored = ops("ops.restore", "--stack", "local", "--backup", "latest", "--cwd", str(root), env=restore_env,
                   cwd=PROJECT_ROOT)
    rto = time.monotonic() - disaster
    result = json.loads(restored.stdout.strip().splitlines()[-1])
    new_ref = result["project_ref"]
    assert new_ref != old_ref and result["counts"] == manifest["tables"]
    assert result["login"] == "procurement_api"  # the API's own role logged in through the pooler
    assert set(result["roles"]) == {"procurement_api", "procurement_worker", "procurement_reminders",
                                    "procurement_rates"}

    # The data: every row of the backup, nothing written after it, constraints and the trigram index intact.
    with psycopg.connect(**sandbox.supabase.connection_info(new_ref)) as db:
        assert db.execute("SELECT count(*) FROM public.purchase_orders").fetchone()[0] == ORDERS
        assert db.execute("SELECT count(*) FROM public.purchase_orders WHERE supplier LIKE 'written after%'"
                          ).fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM public.approvals a JOIN public.purchase_orders o ON o.id = a.order_id"
                          ).fetchone()[0] == APPROVALS
        assert db.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'purchase_orders_supplier_trgm'"
                          ).fetchone()[0] == 1

    # The stack now points at the new project (config, outputs, the services' DATABASE_URL) and has nothing to do.
    stack_file = (root / "Pulumi.local.yaml").read_text()
    assert f"projectRef: {new_ref}" in stack_file
    outputs = json.loads(run_pulumi(["stack", "output", "--json", "--show-secrets", "--stack", "local"], cwd=root,
                                    env=env).stdout)
    assert outputs["supabase_project_ref"] == new_ref and f".{new_ref}:" in outputs["database_url"]
    api_env = next(v for sid, v in sandbox.render.store.data["env_vars"].items()
                   if sandbox.render.store.data["services"][sid]["name"].endswith("-api"))
    assert f".{new_ref}:" in json.dumps(api_env)  # the API service's DATABASE_URL as Render holds it
    run_pulumi(["preview", "--expect-no-changes", "--stack", "local"], cwd=root, env=env)

    rpo = (disaster_at - datetime.fromisoformat(manifest["taken_at"])).total_seconds()
    # In the run's summary ("measured": tests/conftest.py), where a passing test's own output is not shown.
    record_property("measured", f"drill: RTO {rto:.1f}s (disaster to verified restore; target 3600s), "
                                f"RPO {rpo:.1f}s (backup snapshot to disaster; nightly backups bound it at 24h)")
    assert rto < 3600
