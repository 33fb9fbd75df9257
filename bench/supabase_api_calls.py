"""API calls per operation of the Supabase resources, counted from the sandbox journal.

    .venv/bin/python bench/supabase_api_calls.py [--roles 2] [--json PATH]

Real CLI, a throwaway stack shaped like the database tier, real Postgres. Targets (issue 6): a no-op preview makes
0 calls; refresh at most 1 GET per settings object (the Project 2); one Postgres parameter 1 write; exit 1 when
one is missed. The shape: docs/explanation/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from api_call_harness import RESULTS, report, run_standard_operations
from tools.sandbox.runner import Sandbox

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--roles", type=int, default=2)
    parser.add_argument("--json", type=Path, default=RESULTS / "supabase_api_calls.json")
    args = parser.parse_args()
    with Sandbox(project_ready_delay=0.5) as sandbox:
        program = PROGRAM.format(org=sandbox.supabase.organization_slug, roles=args.roles)
        rows, violations = run_standard_operations(sandbox, sandbox.supabase, "supabase-bench", program,
                                                   ("statementTimeout", "45s"), "up (change one parameter)",
                                                   query_operation=QUERY)

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
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"roles": args.roles, "rows": rows, "checks": checks}, indent=1))
    return report(f"Supabase Management API calls per operation (Project + 7 settings objects + {args.roles} "
                  f"SqlRoles + 1 Extension)", rows, checks,
                  [f"refresh by endpoint: {refresh}", f"change by endpoint: {change['by_endpoint']}"],
                  with_queries=True)


if __name__ == "__main__":
    raise SystemExit(main())
