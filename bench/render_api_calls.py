"""API calls per operation of the Render resources, counted from the sandbox journal.

    .venv/bin/python bench/render_api_calls.py [--services 3] [--secret-files] [--json PATH]

Real CLI, a throwaway stack of N web services shaped like the backend tier. Targets (issue 5): a no-op preview
makes 0 calls; refresh at most 3 GETs per service; changing one env var at most 2 writes; exit 1 when one is
missed. The shape and why refresh costs what it does: docs/explanation/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from api_call_harness import RESULTS, report, run_standard_operations
from tools.sandbox.runner import Sandbox

PROGRAM = """
import pulumi
from dynamic_providers.render import CustomDomain, EnvVars, SecretFiles, Service

cfg = pulumi.Config()
for i in range({services}):
    svc = Service(f"api-{{i}}", name=f"api-{{i}}", owner_id={owner!r}, service_type="web_service",
                  image="ghcr.io/acme/api", image_digest="sha256:" + "e" * 64, health_check_path="/healthz")
    EnvVars(f"api-{{i}}-env", service_id=svc.id,
            variables={{"LOG_LEVEL": cfg.get(f"logLevel{{i}}") or "info", "DATABASE_URL": "postgres://x"}})
    if {secret_files}:
        SecretFiles(f"api-{{i}}-files", service_id=svc.id, files={{"key.pem": "pem"}})
    CustomDomain(f"api-{{i}}-domain", service_id=svc.id, name=f"api-{{i}}.example.com")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=3)
    parser.add_argument("--secret-files", action="store_true", help="also give each service a SecretFiles")
    parser.add_argument("--json", type=Path, default=RESULTS / "render_api_calls.json")
    args = parser.parse_args()
    n = args.services
    with Sandbox(deploy_delay=0.2, postgres=False) as sandbox:
        program = PROGRAM.format(services=n, owner=sandbox.render.owner_id, secret_files=args.secret_files)
        rows, violations = run_standard_operations(sandbox, sandbox.render, "render-bench", program,
                                                   ("logLevel0", "debug"), "up (change one env var)")

    by_label = {row["operation"]: row for row in rows}
    refresh_service_gets = by_label["refresh"]["by_endpoint"].get("GET /services/{serviceId}", 0)
    checks = {
        "no-op preview makes 0 calls": by_label["preview (no changes)"]["calls"] == 0,
        f"refresh <= 3 GETs per service ({by_label['refresh']['gets']} GETs for {n} services)":
            by_label["refresh"]["gets"] <= 3 * n,
        "changing one env var <= 2 writes": by_label["up (change one env var)"]["writes"] <= 2,
        "no spec violations": not violations,
    }
    shape = "EnvVars, SecretFiles, CustomDomain" if args.secret_files else "EnvVars, CustomDomain"
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"services": n, "secret_files": args.secret_files, "rows": rows,
                                     "checks": checks}, indent=1))
    per_service = f"refresh: GET /services/{{id}} x{refresh_service_gets}; per service " \
                  f"{by_label['refresh']['gets'] / n:.1f} GETs ({by_label['refresh']['by_endpoint']})"
    return report(f"Render API calls per operation ({n} web services, each with {shape})", rows, checks,
                  [per_service], with_queries=False)


if __name__ == "__main__":
    raise SystemExit(main())
