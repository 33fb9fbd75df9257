"""The promotion's image scan, `bash tools/scripts/image-scan.sh "$IMAGE"`, run as the workflow runs it.

No registry or release download is reachable from a test, so Trivy is replaced by a stand-in that records
its arguments and writes a fixture report; the real gate and the committed waiver file run for real. The
pinned download is exercised through TRIVY_URL (a local archive whose checksum is not the pinned one).
"""
from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from tests.workflows.workflow_files import ROOT, WORKFLOWS, load

FIXTURES = ROOT / "tests" / "ops" / "fixtures" / "scan_gate"
DIGEST = "ghcr.io/acme-procurement/procurement-system@sha256:" + "ab" * 32
FAKE_TRIVY = """#!/usr/bin/env bash
echo "$*" >> "$CALLS"
out=""
while [ $# -gt 0 ]; do case "$1" in --output) out="$2"; shift;; esac; shift; done
[ -n "$FIXTURE" ] || { echo "FATAL: unable to pull the image" >&2; exit 1; }
cp "$FIXTURE" "$out"
"""


def scan_step() -> dict:
    steps = load(WORKFLOWS / "promote-production.yml")["jobs"]["preview"]["steps"]
    return next(s for s in steps if "image-scan" in (s.get("run") or ""))


def run_scan(tmp_path: Path, fixture: str | None, image: str = DIGEST, **env) -> subprocess.CompletedProcess:
    fake = tmp_path / "trivy"
    fake.write_text(FAKE_TRIVY)
    fake.chmod(0o755)
    output = tmp_path / "github-output"
    base = {"PATH": "/usr/bin:/bin", "TRIVY": str(fake), "PYTHON": sys.executable, "CALLS": str(tmp_path / "calls"),
            "FIXTURE": str(FIXTURES / fixture) if fixture else "", "IMAGE": image,
            "SCAN_REPORTS_DIR": str(tmp_path / "reports"), "GITHUB_OUTPUT": str(output)}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", scan_step()["run"]], cwd=ROOT,
                          env={**base, **env}, capture_output=True, text=True, timeout=120)


def test_the_scan_gates_the_report_of_exactly_that_digest(tmp_path):
    assert scan_step()["env"]["IMAGE"] == "${{ steps.digest.outputs.digest }}"
    done = run_scan(tmp_path, "trivy-clean.json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "calls").read_text().split() == [
        "image", "--scanners", "vuln", "--format", "json", "--timeout", "15m", "--output",
        str(tmp_path / "reports" / f"image-scan-sha256-{'ab' * 32}.json"), DIGEST]
    outputs = dict(line.split("=", 1) for line in (tmp_path / "github-output").read_text().splitlines())
    assert outputs["artifact"] == f"image-scan-sha256-{'ab' * 32}"
    assert Path(outputs["report"]).exists()

    failed = run_scan(tmp_path, "trivy-critical-fixable.json")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAIL " in failed.stdout and "CRITICAL" in failed.stdout

    no_report = run_scan(tmp_path, None)
    assert no_report.returncode == 2
    assert no_report.stderr.strip().splitlines()[-1].startswith(f"image-scan: Trivy wrote no report for {DIGEST}")

    by_tag = run_scan(tmp_path, "trivy-clean.json", image="ghcr.io/acme-procurement/procurement-system:latest")
    assert by_tag.returncode == 2 and "is not <registry>/<repository>@sha256:<64 hex>" in by_tag.stderr


def test_an_archive_without_the_pinned_checksum_never_runs(tmp_path):
    # A Trivy archive that is not the pinned release (a re-pointed tag, a replaced asset): refused unrun.
    binary = tmp_path / "trivy"
    binary.write_text("#!/bin/sh\ntouch \"$RAN\"\n")
    binary.chmod(0o755)
    archive = tmp_path / "trivy.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(binary, arcname="trivy")
    done = run_scan(tmp_path, "trivy-clean.json", TRIVY="", TRIVY_URL=archive.as_uri(), RAN=str(tmp_path / "ran"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "does not have the SHA-256 pinned in tools/scripts/scan-versions.env; not running it" in done.stderr
    assert not (tmp_path / "ran").exists()


def test_the_report_is_kept_under_its_digest_even_when_the_gate_fails():
    steps = load(WORKFLOWS / "promote-production.yml")["jobs"]["preview"]["steps"]
    keep = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert keep["if"] == "always() && steps.scan.outputs.report != ''"
    assert keep["with"]["name"] == "${{ steps.scan.outputs.artifact }}"
    names = [s.get("name") for s in steps]
    # Scanned before the preview a reviewer approves from.
    assert names.index(scan_step()["name"]) < names.index("pulumi preview --policy-pack policies")
