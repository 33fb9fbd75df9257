"""The workflows' own shell steps, run as GitHub runs them (`bash -eo pipefail`, the step's `env:`).

- The PR previews' ESC swap: `tools/scripts/stack-environment.sh` rewrites only the stack file's import.
- Staging's dispatch: `tools/scripts/image-digest.sh --pin "$DISPATCHED_DIGEST"` passes a valid digest to
  the next step and stops the run on anything else, whatever the payload holds.
(The promotion's resolve-and-pin steps run with the real CLI in test_delivery_runbooks.py.)
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.workflows.workflow_files import ROOT, WORKFLOWS, load

DIGEST = "ghcr.io/acme-procurement/procurement-system@sha256:" + "7" * 64


def step(workflow: str, job: str, **match) -> dict:
    doc = load(WORKFLOWS / workflow)
    (found,) = [s for s in doc["jobs"][job]["steps"] if all(s.get(k) == v for k, v in match.items())]
    return found


def run_step(data: dict, cwd: Path, env: dict, tmp_path: Path) -> tuple[subprocess.CompletedProcess, str]:
    """The step's script as GitHub runs it; returns the result and what it wrote to $GITHUB_OUTPUT."""
    output = tmp_path / "github-output"
    output.write_text("")
    script = tmp_path / "step.sh"
    script.write_text(data["run"])
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd,
                          env={"PATH": "/usr/bin:/bin", "GITHUB_OUTPUT": str(output), **env},
                          capture_output=True, text=True, timeout=60)
    return done, output.read_text()


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_pr_preview_imports_the_preview_environment_and_changes_nothing_else(stack, tmp_path):
    data = step("pull-request.yml", "preview", name="Import the preview ESC environment instead of the stack's")
    checkout = tmp_path / "procurement-infra"
    (checkout / "tools" / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "tools" / "scripts" / "stack-environment.sh", checkout / "tools" / "scripts")
    shutil.copy(ROOT / f"Pulumi.{stack}.yaml", checkout)
    done, _ = run_step(data, checkout, {"STACK_NAME": stack}, tmp_path)
    assert done.returncode == 0, done.stderr
    before = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    after = yaml.safe_load((checkout / f"Pulumi.{stack}.yaml").read_text())
    assert before["environment"] == [f"procurement/{stack}"]
    assert after["environment"] == ["procurement/preview"]
    assert after["config"] == before["config"]  # the stack itself is previewed unchanged


def test_a_dispatched_digest_is_validated_before_staging_pins_it(tmp_path):
    data = step("deploy-staging.yml", "up", id="digest")
    env = {"DISPATCHED_DIGEST": DIGEST}
    done, output = run_step(data, ROOT, env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert output == f"digest={DIGEST}\n"  # what the pin step reads (steps.digest.outputs.digest)
    for bad in ("ghcr.io/acme-procurement/procurement-system:latest",  # a tag moves; only a digest is a release
                DIGEST[:-1],
                f"{DIGEST}\nBACKEND_IMAGE_DIGEST=evil",  # an attempt to write a second output line
                "$(touch pwned)", ""):
        done, output = run_step(data, ROOT, {"DISPATCHED_DIGEST": bad}, tmp_path)
        assert done.returncode == 2, (bad, done.stdout, done.stderr)
        assert output == "" and not (ROOT / "pwned").exists()


FAKE_GH = """#!/usr/bin/env bash
# `gh api`: lists the comment ids in $FAKE_GH_IDS; a PATCH/POST appends its method, path and body to $FAKE_GH_LOG.
if [ "$2" = --method ]; then
  body="${6#body=@}"
  { echo "$3 $4"; cat "$body"; echo "--"; } >> "$FAKE_GH_LOG"
else
  cat "$FAKE_GH_IDS"
fi
"""


def review_comment(tmp_path, *args, ids="", outcome="failure"):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    (tmp_path / "ids").write_text(ids)
    log = tmp_path / "gh.log"
    log.write_text("")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "GITHUB_REPOSITORY": "acme-procurement/procurement-infra",
           "FAKE_GH_IDS": str(tmp_path / "ids"), "FAKE_GH_LOG": str(log), "UP_OUTCOME": outcome}
    done = subprocess.run(["bash", "tools/scripts/review-comment.sh", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return log.read_text()


def test_the_review_comment_is_edited_in_place_and_says_the_outcome(tmp_path):
    first = review_comment(tmp_path, "7", "creating")
    assert first.startswith("POST repos/acme-procurement/procurement-infra/issues/7/comments\n<!-- procurement-review")
    assert "**pr-7**: creating" in first
    again = review_comment(tmp_path, "7", "destroyed", ids="4242\n")
    assert again.startswith("PATCH repos/acme-procurement/procurement-infra/issues/comments/4242\n")
    errors = tmp_path / "up.err"
    errors.write_text("pr-7 queued: needs 3 service creates, the workspace has 0 of 20 left until 14:00 UTC; it runs then\n")
    assert "**pr-7**: queued until 14:00 UTC" in review_comment(tmp_path, "7", "result", str(errors), ids="4242\n")
    errors.write_text("review up: POST /services: 400 Bad Request: invalid plan; fix Pulumi.staging.yaml\n")
    assert "failed: review up: POST /services: 400" in review_comment(tmp_path, "7", "result", str(errors), ids="1\n")
