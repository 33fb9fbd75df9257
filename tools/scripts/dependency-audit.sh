#!/usr/bin/env bash
# The dependency audit (.github/workflows/security.yml; docs/explanation/security.md): pip-audit looks up every
# pin of both locks in PyPI's advisory data, then `python -m ops.scan_gate` gives the verdict.
#
#   bash tools/scripts/dependency-audit.sh    # exit 0 pass, 1 the gate failed, 2 no usable report
#
# pip-audit reads each lock as it is (--disable-pip: no resolution and no install, the hashes make the
# pins exact) and --strict makes it fail rather than skip a package it cannot look up. Its exit code is
# not the verdict (1 means "vulnerabilities found" and "error" alike): the gate reads the JSON reports,
# applies security/waivers.yaml and fails on what has a fix, on expired waivers and on anything skipped.
#
# Environment: PIP_AUDIT (default .venv/bin/pip-audit), PYTHON (default .venv/bin/python),
# AUDIT_REPORTS_DIR (where the JSON reports stay, one per lock; default a new temporary directory).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

pip_audit="${PIP_AUDIT:-.venv/bin/pip-audit}"
python="${PYTHON:-.venv/bin/python}"
reports="${AUDIT_REPORTS_DIR:-$(mktemp -d)}"
mkdir -p "$reports"

gate_args=()
for lock in requirements.txt requirements-dev.txt; do
  report="$reports/pip-audit-${lock%.txt}.json"
  rm -f "$report"
  status=0
  "$pip_audit" --requirement "$lock" --disable-pip --require-hashes --strict --progress-spinner off \
    --aliases on --desc off --format json --output "$report" || status=$?
  if [ ! -s "$report" ]; then
    echo "dependency-audit: pip-audit wrote no report for $lock (exit $status, its error above); rerun: $pip_audit --requirement $lock --disable-pip --strict" >&2
    exit 2
  fi
  gate_args+=(--report "$report")
done
echo "dependency-audit: reports in $reports"
exec "$python" -m ops.scan_gate "${gate_args[@]}" --waivers security/waivers.yaml
