"""API calls per operation of the Render resources, counted from the sandbox journal.

Runs the real `pulumi` CLI (scripts/install-engine.sh) on a throwaway stack of N Render web
services shaped like the backend tier (each: Service + EnvVars + CustomDomain; ``--secret-files``
adds a SecretFiles per service) against a fresh sandbox, and reports how many Render API calls
each operation made:

    .venv/bin/python bench/render_api_calls.py [--services 3] [--secret-files] [--json PATH]

Every resource refreshes with exactly one GET, so a service's refresh cost is the number of
resources attached to it (3 in the default shape, 4 with secret files).

Targets (issue 5): a no-op preview makes 0 calls; refresh makes at most 3 GETs per service;
changing one env var makes at most 2 write calls. The script exits 1 when a target is missed.
Counts, not timings: they are deterministic and do not depend on the machine.
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


def pulumi(args, cwd, env):
    done = subprocess.run(["pulumi", *args, "--non-interactive"], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pulumi {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def measure(sandbox: Sandbox, label: str, action) -> dict:
    sandbox.render.journal.clear()
    action()
    entries = sandbox.render.journal.entries()
    by_method = Counter(e.method for e in entries)
    by_operation = Counter(f"{e.method} {e.operation}" for e in entries)
    return {"operation": label, "calls": len(entries), "gets": by_method.get("GET", 0),
            "writes": len(entries) - by_method.get("GET", 0), "by_endpoint": dict(sorted(by_operation.items()))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=3)
    parser.add_argument("--secret-files", action="store_true", help="also give each service a SecretFiles")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "render_api_calls.json")
    args = parser.parse_args()
    engine = install_engine()
    n = args.services
    with tempfile.TemporaryDirectory() as tmp, Sandbox(deploy_delay=0.2, postgres=False) as sandbox:
        tmp = Path(tmp)
        project = tmp / "project"
        project.mkdir()
        (tmp / "state").mkdir()
        (project / "Pulumi.yaml").write_text(python_project_yaml("render-bench", virtualenv=str(ROOT / ".venv")))
        (project / "__main__.py").write_text(PROGRAM.format(services=n, owner=sandbox.render.owner_id,
                                                                secret_files=args.secret_files))
        env = engine.environ(pulumi_home=tmp / "home", backend_url=(tmp / "state").as_uri(),
                             passphrase=TEST_PASSPHRASE, extra=sandbox.env)
        pulumi(["stack", "init", "bench"], project, env)
        rows = [
            measure(sandbox, "up (create)", lambda: pulumi(["up", "--yes", "--skip-preview"], project, env)),
            measure(sandbox, "preview (no changes)", lambda: pulumi(["preview", "--expect-no-changes"], project, env)),
            measure(sandbox, "refresh", lambda: pulumi(["refresh", "--yes", "--skip-preview"], project, env)),
            measure(sandbox, "up (no changes)", lambda: pulumi(["up", "--yes", "--skip-preview"], project, env)),
        ]
        pulumi(["config", "set", "logLevel0", "debug"], project, env)
        rows.append(measure(sandbox, "up (change one env var)",
                            lambda: pulumi(["up", "--yes", "--skip-preview"], project, env)))
        rows.append(measure(sandbox, "destroy", lambda: pulumi(["destroy", "--yes", "--skip-preview"], project, env)))
        violations = [e for e in sandbox.journal() if e.request_violations or e.response_violations]

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
    print(f"Render API calls per operation ({n} web services, each with {shape})")
    print(f"{'operation':<26}{'calls':>7}{'GETs':>7}{'writes':>8}")
    for row in rows:
        print(f"{row['operation']:<26}{row['calls']:>7}{row['gets']:>7}{row['writes']:>8}")
    print(f"refresh: GET /services/{{id}} x{refresh_service_gets}; per service "
          f"{by_label['refresh']['gets'] / n:.1f} GETs ({by_label['refresh']['by_endpoint']})")
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"services": n, "secret_files": args.secret_files, "rows": rows,
                                     "checks": checks}, indent=1))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
