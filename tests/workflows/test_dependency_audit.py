"""The security workflow's dependency audit, `bash tools/scripts/dependency-audit.sh`, run as the workflow runs it.

pip-audit needs PyPI's JSON API, which a test cannot count on (on a machine without it, pip-audit
skips every package and, without --strict, reports "No known vulnerabilities found"). So pip-audit is
replaced by a stand-in that records its arguments and writes a fixture report (or nothing, as
pip-audit --strict does when it fails); everything after it, the real gate and the committed
waiver file, runs for real.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.workflows.workflow_files import ROOT, WORKFLOWS, load

FIXTURES = ROOT / "tests" / "ops" / "fixtures" / "scan_gate"
FAKE_PIP_AUDIT = """#!/usr/bin/env bash
# Records its arguments, then writes the report named for the lock it was given (or none).
echo "$*" >> "$CALLS"
lock=""; out=""
while [ $# -gt 0 ]; do
  case "$1" in --requirement) lock="$2"; shift;; --output) out="$2"; shift;; esac; shift
done
report="$(printf '%s' "$REPORTS" | tr ',' '\\n' | grep "^$lock=" | cut -d= -f2-)"
[ -n "$report" ] || { echo "ERROR: cannot reach the vulnerability service" >&2; exit 1; }
cp "$report" "$out"
grep -q '"fix_versions"' "$out" && exit 1 || exit 0
"""


def run_audit(tmp_path: Path, reports: dict[str, str]) -> tuple[subprocess.CompletedProcess, list[str]]:
    fake = tmp_path / "pip-audit"
    fake.write_text(FAKE_PIP_AUDIT)
    fake.chmod(0o755)
    calls = tmp_path / "calls"
    env = {"PATH": "/usr/bin:/bin", "PIP_AUDIT": str(fake), "PYTHON": sys.executable, "CALLS": str(calls),
           "AUDIT_REPORTS_DIR": str(tmp_path / "reports"),
           "REPORTS": ",".join(f"{lock}={FIXTURES / name}" for lock, name in reports.items())}
    script = next(s for s in load(WORKFLOWS / "security.yml")["jobs"]["dependency-audit"]["steps"]
                  if "dependency-audit" in (s.get("run") or ""))
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script["run"]], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    return done, calls.read_text().splitlines() if calls.exists() else []


def test_the_audit_gates_both_locks_reports(tmp_path):
    done, calls = run_audit(tmp_path, {"requirements.txt": "pip-audit-clean.json",
                                       "requirements-dev.txt": "pip-audit-clean.json"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert [c.split()[1] for c in calls] == ["requirements.txt", "requirements-dev.txt"]
    for call in calls:  # the locks as pinned, no resolution, and no silent skips
        assert {"--disable-pip", "--require-hashes", "--strict", "json"} <= set(call.split()), call
    assert (tmp_path / "reports" / "pip-audit-requirements-dev.json").exists()
    assert done.stdout.splitlines()[-1].startswith("scan gate passed")

    done, _ = run_audit(tmp_path, {"requirements.txt": "pip-audit-clean.json",
                                   "requirements-dev.txt": "pip-audit-fixable.json"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL GHSA-9hjg-9r4m-mvj7 requests 2.32.3 -> 2.32.4 UNRATED (pip-audit-requirements-dev.json)" \
        in done.stdout


def test_no_report_from_pip_audit_is_exit_2_not_a_pass(tmp_path):
    done, calls = run_audit(tmp_path, {"requirements.txt": "pip-audit-clean.json"})
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(calls) == 2
    assert "dependency-audit: pip-audit wrote no report for requirements-dev.txt (exit 1" in done.stderr
