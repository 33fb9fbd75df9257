"""API calls per operation of the Supabase resources, counted from the sandbox journal.

Runs the real `pulumi` CLI (scripts/install-engine.sh) on a throwaway stack shaped like the database
tier (a Project with PostgresConfig, PoolerConfig, NetworkRestrictions, SslEnforcement, AuthConfig,
EdgeFunctionSecrets, ApiKeys, N SqlRoles and an Extension) against a fresh sandbox with real Postgres,
and reports how many Management API calls each operation made:

    .venv/bin/python bench/supabase_api_calls.py [--roles 2] [--json PATH]

Targets (issue 6): a no-op preview makes 0 calls; refresh makes at most 1 GET per settings object
(the Project itself reads its status and its backups: 2 GETs); changing one Postgres parameter makes
1 write. The script exits 1 when a target is missed. Counts, not timings: deterministic.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.testing import TEST_PASSPHRASE, install_engine, python_project_yaml  # noqa: E402
from sandbox.runner import Sandbox  # noqa: E402

PROGRAM = """
import pulumi
from pulumi import ResourceOptions
from dynamic_providers.supabase import (ApiKeys, AuthConfig, EdgeFunctionSecrets, Extension, NetworkRestrictions,
                                        PoolerConfig, PostgresConfig, Project, SqlRole, SslEnforcement)

cfg = pulumi.Config()
wait = dict(poll_interval_seconds=0.2)
project = Project("db", organization_slug={org!r}, name="procurement-bench", region="eu-central-1",
                  db_password=pulumi.Output.secret("bench-db-password"), **wait)
child = ResourceOptions(deleted_with=project)
PostgresConfig("pg", project_ref=project.id, settings={{"statement_timeout": cfg.get("statementTimeout") or "30s",
                                                        "work_mem": "8MB"}}, **wait, opts=child)
PoolerConfig("pooler", project_ref=project.id, pool_mode="transaction", default_pool_size=15, **wait, opts=child)
NetworkRestrictions("network", project_ref=project.id, db_allowed_cidrs=["0.0.0.0/0"], db_allowed_cidrs_v6=["::/0"],
                    **wait, opts=child)
SslEnforcement("ssl", project_ref=project.id, enforced=True, **wait, opts=child)
AuthConfig("auth", project_ref=project.id, site_url="https://procurement.example.com", jwt_expiry=3600,
           redirect_urls=["https://procurement.example.com/callback"], smtp={{"host": "smtp.example.com", "port": 587}},
           smtp_password=pulumi.Output.secret("bench-smtp-password"), **wait, opts=child)
EdgeFunctionSecrets("fn-secrets", project_ref=project.id, secrets={{"STRIPE_KEY": "sk_bench"}}, **wait, opts=child)
ApiKeys("keys", project_ref=project.id, **wait, opts=child)
for i in range({roles}):
    SqlRole(f"role-{{i}}", project_ref=project.id, name=f"service_{{i}}", password=f"bench-role-password-{{i}}",
            grants=[{{"on": "schema", "schema": "public", "privileges": ["USAGE"]}}], **wait, opts=child)
Extension("pgcrypto", project_ref=project.id, name="pgcrypto", **wait, opts=child)
"""

SETTINGS_GETS = (
    "GET /v1/projects/{ref}/config/database/postgres", "GET /v1/projects/{ref}/config/database/pooler",
    "GET /v1/projects/{ref}/network-restrictions", "GET /v1/projects/{ref}/ssl-enforcement",
    "GET /v1/projects/{ref}/config/auth", "GET /v1/projects/{ref}/secrets", "GET /v1/projects/{ref}/api-keys",
)
QUERY = "POST /v1/projects/{ref}/database/query"


def pulumi(args, cwd, env):
    done = subprocess.run(["pulumi", *args, "--non-interactive"], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pulumi {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def measure(sandbox: Sandbox, label: str, action) -> dict:
    sandbox.supabase.journal.clear()
    action()
    entries = sandbox.supabase.journal.entries()
    by_method = Counter(e.method for e in entries)
    by_operation = Counter(f"{e.method} {e.operation}" for e in entries)
    return {"operation": label, "calls": len(entries), "gets": by_method.get("GET", 0),
            "writes": len(entries) - by_method.get("GET", 0) - by_operation.get(QUERY, 0),
            "queries": by_operation.get(QUERY, 0), "by_endpoint": dict(sorted(by_operation.items()))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--roles", type=int, default=2)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "supabase_api_calls.results.json")
    args = parser.parse_args()
    engine = install_engine()
    with tempfile.TemporaryDirectory() as tmp, Sandbox(project_ready_delay=0.5) as sandbox:
        tmp = Path(tmp)
        project = tmp / "project"
        project.mkdir()
        (tmp / "state").mkdir()
        (project / "Pulumi.yaml").write_text(python_project_yaml("supabase-bench", virtualenv=str(ROOT / ".venv")))
        (project / "__main__.py").write_text(PROGRAM.format(org=sandbox.supabase.organization_slug, roles=args.roles))
        env = engine.environ(pulumi_home=tmp / "home", backend_url=(tmp / "state").as_uri(),
                             passphrase=TEST_PASSPHRASE, extra=sandbox.env)
        pulumi(["stack", "init", "bench"], project, env)
        rows = [
            measure(sandbox, "up (create)", lambda: pulumi(["up", "--yes", "--skip-preview"], project, env)),
            measure(sandbox, "preview (no changes)", lambda: pulumi(["preview", "--expect-no-changes"], project, env)),
            measure(sandbox, "refresh", lambda: pulumi(["refresh", "--yes", "--skip-preview"], project, env)),
            measure(sandbox, "up (no changes)", lambda: pulumi(["up", "--yes", "--skip-preview"], project, env)),
        ]
        pulumi(["config", "set", "statementTimeout", "45s"], project, env)
        rows.append(measure(sandbox, "up (change one parameter)",
                            lambda: pulumi(["up", "--yes", "--skip-preview"], project, env)))
        rows.append(measure(sandbox, "destroy", lambda: pulumi(["destroy", "--yes", "--skip-preview"], project, env)))
        violations = [e for e in sandbox.journal() if e.request_violations or e.response_violations]

    by_label = {row["operation"]: row for row in rows}
    refresh = by_label["refresh"]["by_endpoint"]
    change = by_label["up (change one parameter)"]
    checks = {
        "no-op preview makes 0 calls": by_label["preview (no changes)"]["calls"] == 0,
        "no-op up makes 0 calls": by_label["up (no changes)"]["calls"] == 0,
        "refresh: at most 1 GET per settings object": all(refresh.get(op, 0) <= 1 for op in SETTINGS_GETS),
        "refresh: project = 1 status GET + 1 backups GET": refresh.get("GET /v1/projects/{ref}", 0) == 1
            and refresh.get("GET /v1/projects/{ref}/database/backups", 0) == 1,
        f"refresh: 1 read-only query per SqlRole/Extension ({args.roles + 1})": refresh.get(QUERY, 0) == args.roles + 1,
        "refresh makes no writes": by_label["refresh"]["writes"] == 0,
        "changing one parameter = 1 write": change["writes"] == 1
            and change["by_endpoint"].get("PUT /v1/projects/{ref}/config/database/postgres") == 1,
        "destroy = 1 write (project; children deleted with it)": by_label["destroy"]["writes"] == 1,
        "no spec violations": not violations,
    }
    print(f"Supabase Management API calls per operation (Project + 7 settings objects + {args.roles} SqlRoles "
          f"+ 1 Extension)")
    print(f"{'operation':<28}{'calls':>7}{'GETs':>7}{'writes':>8}{'SQL':>6}")
    for row in rows:
        print(f"{row['operation']:<28}{row['calls']:>7}{row['gets']:>7}{row['writes']:>8}{row['queries']:>6}")
    print(f"refresh by endpoint: {refresh}")
    print(f"change by endpoint: {change['by_endpoint']}")
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"roles": args.roles, "rows": rows, "checks": checks}, indent=1))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
