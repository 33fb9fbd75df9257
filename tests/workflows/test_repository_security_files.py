""".github/CODEOWNERS and .github/dependabot.yml: who reviews what, and what keeps the pins moving."""
from __future__ import annotations

import fnmatch

import yaml

from tests.workflows.workflow_files import ROOT

# Paths whose change must reach the platform leads (docs/explanation/security.md).
GUARDED = [".github/workflows/security.yml", ".github/CODEOWNERS", "esc/pulumi-cloud-access.yaml",
           "policies/__main__.py", "Pulumi.production.yaml", "components/source_control.py",
           "security/waivers.yaml", "ops/scan_gate/gate.py", "requirements-dev.txt", "requirements.in"]


def codeowners() -> list[tuple[str, list[str]]]:
    rules = []
    for line in (ROOT / ".github" / "CODEOWNERS").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            pattern, *owners = line.split()
            rules.append((pattern, owners))
    return rules


def owners_of(path: str) -> list[str]:
    """GitHub's rule for the patterns used here: anchored at the root, a trailing / is a directory; last match wins."""
    found: list[str] = []
    for pattern, owners in codeowners():
        anchored = pattern.lstrip("/")
        if (anchored.endswith("/") and path.startswith(anchored)) or fnmatch.fnmatch(path, anchored):
            found = owners
    return found


def test_codeowners_gives_the_guarded_paths_to_the_production_reviewers():
    config = yaml.safe_load((ROOT / "Pulumi.production.yaml").read_text())["config"]
    team = "@" + config["procurement:sourceControl"]["productionReviewers"][0]
    for path in GUARDED:
        assert (ROOT / path).exists(), path
        assert owners_of(path) == [team], (path, owners_of(path))
    for pattern, owners in codeowners():  # no pattern for a path that does not exist (a typo guards nothing)
        assert list(ROOT.glob(pattern.strip("/"))) and owners == [team], pattern
    assert owners_of("README.md") == []


def test_dependabot_updates_pip_and_actions_weekly_in_groups():
    doc = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    assert doc["version"] == 2
    updates = {(u["package-ecosystem"], u["directory"]): u for u in doc["updates"]}
    # The program's locks and actions, and the backup job's own lock and base image.
    assert set(updates) == {("pip", "/"), ("github-actions", "/"), ("pip", "/ops/backup"), ("docker", "/ops/backup")}
    for (ecosystem, directory), update in updates.items():
        assert update["schedule"]["interval"] == "weekly"
        assert update["cooldown"]["default-days"] >= 7
        if ecosystem != "docker":  # one base image: nothing to group
            assert [g["patterns"] for g in update["groups"].values()] == [["*"]]
    assert (ROOT / "ops" / "backup" / "requirements.txt").exists() and (ROOT / "ops" / "backup" / "Dockerfile").exists()
    # What each ecosystem reads in that directory: the pip-compile sources and locks, the workflows.
    assert (ROOT / "requirements.in").exists() and "pip-compile" in (ROOT / "requirements.txt").read_text()[:400]
    assert list((ROOT / ".github" / "workflows").glob("*.yml"))
