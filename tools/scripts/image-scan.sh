#!/usr/bin/env bash
# The image scan before production's approval (promote-production.yml; docs/explanation/security.md): Trivy, at the
# version and checksum of tools/scripts/scan-versions.env, scans exactly the digest being promoted, then
# `python -m ops.scan_gate` gives the verdict (fixable CRITICAL/HIGH fail unless waived in
# security/waivers.yaml). Trivy's own exit code is not the verdict.
#
#   bash tools/scripts/image-scan.sh <registry>/<repository>@sha256:<64 hex>   # exit 0 pass, 1 the gate failed, 2 no report
#
# The report is kept as image-scan-sha256-<hex>.json in SCAN_REPORTS_DIR, and in GitHub Actions its path
# and its artifact name go to $GITHUB_OUTPUT as `report=` and `artifact=` (the workflow keeps it under that name).
# Environment: TRIVY (a trivy binary to run instead of the pinned download), TRIVY_URL (where the pinned
# archive comes from), SCAN_REPORTS_DIR (default a new temporary directory), PYTHON (default .venv/bin/python);
# private registries: TRIVY_USERNAME / TRIVY_PASSWORD, which Trivy reads itself.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=scan-versions.env
source tools/scripts/scan-versions.env

image="${1:-}"
if ! [[ "$image" =~ ^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$ ]]; then
  echo "image-scan: '$image' is not <registry>/<repository>@sha256:<64 hex>; usage: bash tools/scripts/image-scan.sh <image@sha256:...>" >&2
  exit 2
fi
python="${PYTHON:-.venv/bin/python}"
reports="${SCAN_REPORTS_DIR:-$(mktemp -d)}"
mkdir -p "$reports"

trivy="${TRIVY:-}"
if [ -z "$trivy" ]; then
  tools="$(mktemp -d)"
  url="${TRIVY_URL:-https://github.com/aquasecurity/trivy/releases/download/v${TRIVY_VERSION}/trivy_${TRIVY_VERSION}_Linux-64bit.tar.gz}"
  if ! curl -fsSL --retry 3 -o "$tools/trivy.tar.gz" "$url"; then
    echo "image-scan: could not download Trivy $TRIVY_VERSION from $url" >&2
    exit 2
  fi
  if ! echo "$TRIVY_SHA256  $tools/trivy.tar.gz" | sha256sum --check --status --strict; then
    echo "image-scan: $url does not have the SHA-256 pinned in tools/scripts/scan-versions.env; not running it" >&2
    exit 2
  fi
  tar -xzf "$tools/trivy.tar.gz" -C "$tools" trivy
  trivy="$tools/trivy"
fi

report="$reports/image-scan-sha256-${image##*@sha256:}.json"
rm -f "$report"
status=0
"$trivy" image --scanners vuln --format json --timeout 15m --output "$report" "$image" || status=$?
if [ ! -s "$report" ]; then
  echo "image-scan: Trivy wrote no report for $image (exit $status, its error above); rerun: bash tools/scripts/image-scan.sh $image" >&2
  exit 2
fi
[ -z "${GITHUB_OUTPUT:-}" ] || printf 'report=%s\nartifact=%s\n' "$report" "$(basename "$report" .json)" >> "$GITHUB_OUTPUT"
echo "image-scan: report in $report"
exec "$python" -m ops.scan_gate --report "$report" --waivers security/waivers.yaml
