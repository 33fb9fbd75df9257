"""What both API-call benches share: a throwaway stack on the real CLI against a fresh sandbox,
the standard sequence of operations, and per-operation call counts from the sandbox journal.

Counts, not timings: they are deterministic and do not depend on the machine.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"  # git-ignored
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.engine.testing import TEST_PASSPHRASE, install_engine, python_project_yaml  # noqa: E402


def pulumi(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run(["pulumi", *args, "--non-interactive"], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pulumi {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def measure(server, label: str, action: Callable[[], object], query_operation: Optional[str] = None) -> dict:
    """Run `action` and count the calls `server` (one sandbox API) journaled meanwhile.

    `query_operation` (e.g. Supabase's SQL endpoint) is counted apart from the writes: it reads or
    writes depending on the SQL it carries.
    """
    server.journal.clear()
    action()
    entries = server.journal.entries()
    by_method = Counter(e.method for e in entries)
    by_operation = Counter(f"{e.method} {e.operation}" for e in entries)
    queries = by_operation.get(query_operation, 0) if query_operation else 0
    return {"operation": label, "calls": len(entries), "gets": by_method.get("GET", 0),
            "writes": len(entries) - by_method.get("GET", 0) - queries, "queries": queries,
            "by_endpoint": dict(sorted(by_operation.items()))}


def run_standard_operations(sandbox, server, name: str, program: str, change: tuple[str, str], change_label: str,
                            query_operation: Optional[str] = None) -> tuple[list[dict], list]:
    """up, no-op preview, refresh, no-op up, one config change + up, destroy on a throwaway stack.

    Returns the measured rows and the journal entries with spec violations (all APIs).
    """
    engine = install_engine()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        project = tmp / "project"
        project.mkdir()
        (tmp / "state").mkdir()
        (project / "Pulumi.yaml").write_text(python_project_yaml(name, virtualenv=str(ROOT / ".venv")))
        (project / "__main__.py").write_text(program)
        env = engine.environ(pulumi_home=tmp / "home", backend_url=(tmp / "state").as_uri(),
                             passphrase=TEST_PASSPHRASE, extra=sandbox.env)
        pulumi(["stack", "init", "bench"], project, env)

        def step(label: str, *args: str) -> dict:
            return measure(server, label, lambda: pulumi(list(args), project, env), query_operation)

        rows = [
            step("up (create)", "up", "--yes", "--skip-preview"),
            step("preview (no changes)", "preview", "--expect-no-changes"),
            step("refresh", "refresh", "--yes", "--skip-preview"),
            step("up (no changes)", "up", "--yes", "--skip-preview"),
        ]
        pulumi(["config", "set", *change], project, env)
        rows.append(step(change_label, "up", "--yes", "--skip-preview"))
        rows.append(step("destroy", "destroy", "--yes", "--skip-preview"))
    violations = [e for e in sandbox.journal() if e.request_violations or e.response_violations]
    return rows, violations


def report(title: str, rows: list[dict], checks: dict[str, bool], extra_lines: list[str], with_queries: bool) -> int:
    print(title)
    print(f"{'operation':<28}{'calls':>7}{'GETs':>7}{'writes':>8}" + (f"{'SQL':>6}" if with_queries else ""))
    for row in rows:
        print(f"{row['operation']:<28}{row['calls']:>7}{row['gets']:>7}{row['writes']:>8}"
              + (f"{row['queries']:>6}" if with_queries else ""))
    for line in extra_lines:
        print(line)
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1
