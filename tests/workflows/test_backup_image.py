"""Staging's build of the backup job's image, `bash tools/scripts/backup-image.sh`, run as the workflow runs it.

No container engine runs here, so `docker` is a stand-in that records its arguments and writes the build
metadata buildx would; the digest handling and the outputs are the real script's.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from tests.workflows.workflow_files import ROOT, WORKFLOWS, load

FAKE_DOCKER = """#!/usr/bin/env bash
[ "$*" = "buildx version" ] && { [ -n "$NO_BUILDX" ] && exit 1 || exit 0; }
echo "$*" >> "$CALLS"
meta=""
while [ $# -gt 0 ]; do case "$1" in --metadata-file) meta="$2"; shift;; esac; shift; done
printf '{"containerimage.digest": "%s"}' "$DIGEST" > "$meta"
"""


def build_step() -> dict:
    steps = load(WORKFLOWS / "deploy-staging.yml")["jobs"]["up"]["steps"]
    return next(s for s in steps if "backup-image" in (s.get("run") or ""))


def run_build(tmp_path: Path, digest: str, **extra: str) -> subprocess.CompletedProcess:
    fake = tmp_path / "docker"
    fake.write_text(FAKE_DOCKER)
    fake.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "DOCKER": str(fake), "CALLS": str(tmp_path / "calls"), "DIGEST": digest,
           "GITHUB_SHA": "c0ffee", "GITHUB_OUTPUT": str(tmp_path / "output"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"), **extra}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", build_step()["run"]], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def test_the_backup_image_is_built_from_its_dockerfile_and_reported_by_digest(tmp_path):
    digest = "sha256:" + "cd" * 32
    done = run_build(tmp_path, digest)
    assert done.returncode == 0, done.stdout + done.stderr
    reference = f"ghcr.io/acme-procurement/procurement-backup@{digest}"
    assert done.stdout.strip() == reference
    call = (tmp_path / "calls").read_text().split()
    assert call[:2] == ["buildx", "build"] and call[-1] == "." and "--push" in call
    assert call[call.index("--file") + 1] == "ops/backup/Dockerfile"
    assert call[call.index("--tag") + 1] == "ghcr.io/acme-procurement/procurement-backup:c0ffee"
    assert (tmp_path / "output").read_text() == f"image={reference}\n"
    assert f"procurement:backup.image: {reference}" in (tmp_path / "summary").read_text()

    lost = run_build(tmp_path, "")
    assert lost.returncode == 2
    assert lost.stderr.strip().startswith("backup-image: the build of ghcr.io/acme-procurement/procurement-backup:c0ffee "
                                          "reported no image digest")

    no_buildx = run_build(tmp_path, digest, NO_BUILDX="1")
    assert no_buildx.returncode == 2
    [line] = no_buildx.stderr.strip().splitlines()  # one line, naming where it runs
    assert line.startswith("backup-image: '") and "buildx' is not available here" in line, line


def test_the_dockerfile_pins_its_base_and_its_packages():
    dockerfile = (ROOT / "ops" / "backup" / "Dockerfile").read_text()
    base = next(line for line in dockerfile.splitlines() if line.startswith("FROM "))
    assert "@sha256:" in base and "@sha256:" + "0" * 64 not in base
    assert "--require-hashes" in dockerfile
    assert "apt-key" not in dockerfile and "curl" not in dockerfile  # Debian's own archive, its own keys
    assert build_step()["if"] == "env.DISPATCHED_DIGEST == ''"  # a dispatched deploy builds nothing
