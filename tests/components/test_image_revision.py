"""The backend image is labelled with the commit of the checkout it is built from (and its GitHub repository),
by a Dockerfile copy ending with the LABEL lines; without a checkout nothing is made up."""
from __future__ import annotations

import subprocess
from pathlib import Path

from components.image_revision import REVISION, SOURCE, labelled_dockerfile, source_labels


def _checkout(root: Path, remote: str) -> str:
    (root / "Dockerfile").write_text("FROM python:3.11-slim AS build\nFROM build\nCMD [\"app\"]\n")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "Dockerfile"], ["commit", "-qm", "one"], ["remote", "add", "origin", remote]):
        subprocess.run(git + args, check=True)
    return subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()


def test_a_checkout_labels_its_head_and_its_github_repository(tmp_path):
    head = _checkout(tmp_path, "https://x-access-token:secret@github.com/acme/procurement-system.git")
    labels = source_labels(str(tmp_path))
    assert labels == {REVISION: head, SOURCE: "https://github.com/acme/procurement-system"}  # no credential kept
    copy = Path(labelled_dockerfile(str(tmp_path / "Dockerfile"), labels, "procurement-test-backend"))
    assert copy != tmp_path / "Dockerfile"
    labels = f'LABEL {REVISION}="{head}"\nLABEL {SOURCE}="https://github.com/acme/procurement-system"\n'
    assert copy.read_text() == (tmp_path / "Dockerfile").read_text() + labels


def test_no_checkout_no_label(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    assert source_labels(str(tmp_path)) == {}
    assert labelled_dockerfile(str(tmp_path / "Dockerfile"), {}, "x") == str(tmp_path / "Dockerfile")
    assert labelled_dockerfile(str(tmp_path / "missing"), {REVISION: "abc"}, "x") == str(tmp_path / "missing")
