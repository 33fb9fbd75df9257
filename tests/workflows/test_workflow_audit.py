"""zizmor's security audit of .github (the workflows and dependabot.yml), offline, in its strictest persona.

zizmor (pinned in requirements-dev.in) finds what actionlint does not look for: template injection,
dangerous triggers, unpinned or impostor actions, credential persistence, excessive permissions,
secrets outside an environment. The suite fails on any finding of medium severity or above, unless it
is suppressed on its own line with `# zizmor: ignore[<rule>] <why it is acceptable>`: the justification is
required (a bare ignore is a failure too). `--no-config` so that only those reviewed inline comments can
suppress anything: no config file can switch a rule off wholesale.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflows.workflow_files import ROOT, WORKFLOWS

GATING = {"Medium", "High"}  # zizmor's severities: Unknown, Informational, Low, Medium, High
IGNORE = re.compile(r"#\s*zizmor:\s*ignore\[([^\]]*)\](.*)$")
MIN_JUSTIFICATION_WORDS = 3


def zizmor() -> str:
    beside = Path(sys.executable).with_name("zizmor")  # the venv's, from the lock
    found = str(beside) if beside.exists() else shutil.which("zizmor")
    assert found, "zizmor is not installed: run `make venv` (requirements-dev.txt pins it)"
    return found


def audit(path: Path, cwd: Path) -> list[dict]:
    """zizmor's findings on a workflow directory or file, each as rule, severity, file, line, what."""
    done = subprocess.run([zizmor(), "--offline", "--persona", "auditor", "--no-config", "--format", "json",
                           "--no-progress", "--color", "never", str(path.relative_to(cwd))],
                          cwd=cwd, capture_output=True, text=True, timeout=300)
    # Exit codes 10-14 mean "findings" (by highest severity); anything else non-zero is zizmor failing.
    assert done.returncode == 0 or 10 <= done.returncode <= 14, done.stderr[-2000:]
    findings = []
    for finding in json.loads(done.stdout):
        primary = next(loc for loc in finding["locations"] if loc["symbolic"]["kind"] == "Primary")
        findings.append({
            "rule": finding["ident"], "severity": finding["determinations"]["severity"],
            "file": primary["symbolic"]["key"]["Local"]["verbatim_path"].removeprefix("./"),
            "line": primary["concrete"]["location"]["start_point"]["row"] + 1,
            "what": f"{finding['desc']}: {primary['symbolic']['annotation']}"})
    return findings


def unjustified_ignores(text: str) -> list[tuple[int, str]]:
    """(line, rules) of each `# zizmor: ignore[...]` comment without a justification after it."""
    bare = []
    for number, line in enumerate(text.splitlines(), 1):
        match = IGNORE.search(line)
        if match and len(re.findall(r"[A-Za-z0-9]+", match.group(2))) < MIN_JUSTIFICATION_WORDS:
            bare.append((number, match.group(1)))
    return bare


def test_workflows_have_no_zizmor_finding_at_medium_or_above():
    # The repository as zizmor collects it: .github/workflows/*.yml and .github/dependabot.yml.
    findings = [f for f in audit(ROOT, ROOT) if f["severity"] in GATING]
    report = "\n".join(f"{f['file']}:{f['line']}: {f['rule']} ({f['severity']}): {f['what']}" for f in findings)
    assert not findings, f"zizmor --persona auditor (fix, or suppress on the line with " \
                         f"`# zizmor: ignore[<rule>] <why>`):\n{report}"


def test_every_zizmor_ignore_in_the_workflows_says_why():
    for path in sorted(WORKFLOWS.parent.glob("**/*.yml")):
        assert not unjustified_ignores(path.read_text()), (path.name, unjustified_ignores(path.read_text()))


BAD_WORKFLOW = """\
name: bad
on:
  pull_request_target:
permissions: write-all
jobs:
  greet:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""


@pytest.fixture()
def bad_repo(tmp_path) -> Path:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "bad.yml").write_text(BAD_WORKFLOW)
    return tmp_path


def test_the_audit_flags_a_known_bad_workflow(bad_repo):
    findings = audit(bad_repo / ".github" / "workflows", bad_repo)
    gating = {(f["rule"], f["line"]) for f in findings if f["severity"] in GATING}
    # A PR title in a script, a tag instead of a commit, write-all, a checkout of the PR head under
    # pull_request_target, and the checkout's credentials left in .git/config.
    assert {("template-injection", 12), ("unpinned-uses", 9), ("excessive-permissions", 4),
            ("dangerous-triggers", 3), ("artipacked", 9)} <= gating, findings


def test_an_inline_ignore_suppresses_only_its_line_and_needs_a_justification(bad_repo):
    workflow = bad_repo / ".github" / "workflows" / "bad.yml"
    justified = BAD_WORKFLOW.replace(
        '- run: echo "${{ github.event.pull_request.title }}"',
        '- run: echo "${{ github.event.pull_request.title }}" # zizmor: ignore[template-injection] a test fixture, never run')
    workflow.write_text(justified)
    rules = {f["rule"] for f in audit(workflow.parent, bad_repo)}
    assert "template-injection" not in rules and "unpinned-uses" in rules
    assert unjustified_ignores(justified) == []
    bare = justified.replace(" a test fixture, never run", "")
    assert unjustified_ignores(bare) == [(12, "template-injection")]
