"""The scheduled restore test (`python -m ops.restore_test`) on the sandbox, with real Postgres: a project standing
in for production's is seeded and backed up; the test restores the newest backup into a throwaway project, passes
on a good backup and fails with one line on a corrupted one, deletes only the project it created, and never
touches the other project."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg
import yaml
from pyrage import x25519

from dynamic_providers.supabase.base import wait_for_project_ready
from ops.backup.targets import open_target
from ops.readings import restore_tests
from ops.supabase_api import client
from tests.mock_harness import PROJECT_ROOT
from tests.ops.test_restore_drill import APPROVALS, ORDERS, ops, seed

ORG, REGION = "sandboxlocalorgslugss", "eu-central-1"


def projects(sandbox) -> dict[str, str]:
    """ref -> status of every project the sandbox's Management API lists."""
    return {p.get("ref") or p["id"]: p["status"] for p in sandbox.supabase.client().get("/v1/projects").json()}


def test_restore_test_passes_on_a_good_backup_fails_on_a_corrupted_one(sandbox, tmp_path):
    api_env = {"SUPABASE_API_URL": sandbox.supabase.base_url, "SUPABASE_ACCESS_TOKEN": sandbox.supabase.token}
    os.environ.update(api_env)  # ops.supabase_api.client() reads them
    try:
        api = client()
        own = api.create_project({"name": "procurement-production-database", "organization_slug": ORG,
                                  "db_pass": "production-password-1",
                                  "region_selection": {"type": "specific", "code": REGION}}).ref
        wait_for_project_ready(api, own, services=("db", "pooler"), timeout_s=300, interval_s=0.5)
    finally:
        for key in api_env:
            os.environ.pop(key, None)
    info = sandbox.supabase.connection_info(own)
    with psycopg.connect(**info, autocommit=True) as db:
        db.execute('CREATE EXTENSION IF NOT EXISTS "pg_trgm" WITH SCHEMA extensions')
    seed(info)

    holder = x25519.Identity.generate()
    backups = tmp_path / "backups"
    ca = {"BACKUP_DATABASE_CA": str(sandbox.supabase.tls.ca)}
    ops("ops.backup", "run", cwd=PROJECT_ROOT, env={
        **os.environ, "BACKUP_TARGET": f"file://{backups}", "BACKUP_SCHEMAS": "public", **ca,
        "BACKUP_AGE_RECIPIENTS": f"{holder.to_public()} restore-test",
        "BACKUP_DATABASE_URL": f"postgresql://{info['user']}:{info['password']}@{info['host']}:{info['port']}/"
                               f"{info['dbname']}?sslmode=require"})
    config = tmp_path / "Pulumi.production.yaml"
    config.write_text(yaml.safe_dump({"config": {"procurement:database": {
        "organizationSlug": ORG, "region": REGION, "instanceSize": "large", "extensions": ["pg_trgm"]}}}))
    env = {**os.environ, **api_env, **ca, "BACKUP_TARGET": f"file://{backups}", "BACKUP_AGE_IDENTITY": str(holder)}
    before = projects(sandbox)

    def restore_test() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ops.restore_test", "--config-file", str(config)],
                              cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)

    good = restore_test()
    assert good.returncode == 0, good.stderr
    line = good.stdout.strip()
    assert len(line.splitlines()) == 1 and line.startswith("restore test ok:") and "was deleted" in line, line
    assert f"{ORDERS + APPROVALS} rows" in line
    throwaway = line.rsplit("the throwaway project ", 1)[1].split()[0]
    record = restore_tests.newest(open_target(f"file://{backups}"))  # what `ops.status` reads
    assert record["result"] == "ok" and f"backup {record['backup']} " in line
    assert throwaway not in before
    after = projects(sandbox)
    assert after.get(throwaway) in (None, "REMOVED", "GOING_DOWN")  # only the one it created is gone
    assert {r: s for r, s in after.items() if r != throwaway} == before

    # A corrupted backup: bytes flipped in the middle of the dump object.
    sealed = next(backups.glob("*.dump.age"))
    intact = sealed.read_bytes()
    data = bytearray(intact)
    for i in range(len(data) // 2, len(data) // 2 + 8):
        data[i] ^= 0xFF
    sealed.write_bytes(bytes(data))
    bad = restore_test()
    assert bad.returncode != 0 and bad.stdout == "" and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert bad.stderr.startswith("restore test: FAILED: ") and "SHA-256" in bad.stderr
    assert "no project was created" in bad.stderr

    # A manifest that lies about a row count (the dump itself is intact: the SHA-256 matches it).
    sealed.write_bytes(intact)
    manifest = next(backups.glob("*.json"))
    doc = json.loads(manifest.read_text())
    doc["tables"]["public.approvals"] = APPROVALS + 1
    manifest.write_text(json.dumps(doc))
    mismatch = restore_test()
    assert mismatch.returncode != 0 and "Traceback" not in mismatch.stderr
    assert len(mismatch.stderr.strip().splitlines()) == 1, mismatch.stderr
    assert (f"public.approvals ({APPROVALS} restored, {APPROVALS + 1} in the manifest)" in mismatch.stderr
            and "was deleted" in mismatch.stderr), mismatch.stderr
    record = restore_tests.newest(open_target(f"file://{backups}"))
    assert record["result"] == "failed" and "public.approvals" in record["detail"]

    # The other project: never touched, every row still there.
    assert projects(sandbox).get(own) == "ACTIVE_HEALTHY"
    with psycopg.connect(**info) as db:
        assert db.execute("SELECT count(*) FROM public.purchase_orders").fetchone()[0] == ORDERS
        assert db.execute("SELECT count(*) FROM public.approvals").fetchone()[0] == APPROVALS
