"""Plans that are true on upgrade (docs/explanation/reading-a-plan.md): a `local` stack created by an earlier
release's program, then upgraded to this checkout's program, previews exactly what its `up` does.

Each release is checked out into a temporary git worktree; its program creates the stack against the
sandbox (file backend, real engine), then this checkout's program and config take over the same
state: the first `pulumi preview --json` and the `pulumi up --json` after it must name the same
(resource, operation) pairs. What changed between the releases (new resources, new fields, new
outputs) may make changes; a change the preview announces and the up does not make (or the reverse)
fails.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.tools.engine.local_project import local_project, pulumi, use_program, without_database
from tests.mock_harness import PROJECT_ROOT

# 55cc67c: before `revision` existed (issue 22 saw its stacks announce four Deploy replacements);
# dc749fa: main before issue 21; 92058ad: main before the last of issue 23's restructuring (the top level regrouped,
# the config package trimmed), whose stacks must upgrade with no replacement at all.
RELEASES = ("55cc67c0aab539b6b95e5542fa64f4ef6d9d4ab4", "dc749fa1a3c74df4ba2abaedbec71819b3c78a7d",
            "92058ad60604bb3c511ce7a33fb06d9e936ff8dd")
NO_REPLACEMENT_SINCE = RELEASES[2]
# Steps that change nothing, and the halves of a replacement (an update's events list them beside the
# `replace` step, a preview's digest only the `replace`): left out of both sides.
UNCHANGED = {"same", "read", "refresh"}
REPLACEMENT_HALVES = {"create-replacement", "delete-replaced"}


@pytest.fixture
def release(request, tmp_path: Path):
    """A detached worktree of the release ``request.param``, removed afterwards."""
    checkout = tmp_path / f"release-{request.param[:7]}"
    added = subprocess.run(["git", "-C", str(PROJECT_ROOT), "worktree", "add", "--detach", str(checkout),
                            request.param], capture_output=True, text=True)
    if added.returncode != 0:
        pytest.fail(f"cannot check out release {request.param[:7]} ({added.stderr.strip()}): the test needs the "
                    f"repository's history (a shallow clone lacks it: git fetch --unshallow)", pytrace=False)
    try:
        yield checkout
    finally:
        subprocess.run(["git", "-C", str(PROJECT_ROOT), "worktree", "remove", "--force", str(checkout)],
                       capture_output=True, text=True)


def planned(digest: str) -> set[tuple[str, str]]:
    """(urn, op) of every step of a preview's `--json` digest that changes something."""
    return {(step["urn"], step["op"]) for step in json.loads(digest).get("steps", [])
            if step["op"] not in UNCHANGED | REPLACEMENT_HALVES}


def done(events: str) -> set[tuple[str, str]]:
    """(urn, op) of every step an update's `--json` event stream finished that changed something."""
    steps = (json.loads(line).get("resOutputsEvent", {}).get("metadata") for line in events.splitlines())
    return {(step["urn"], step["op"]) for step in steps
            if step and step["op"] not in UNCHANGED | REPLACEMENT_HALVES}


@pytest.mark.parametrize("release", RELEASES, indirect=True, ids=[commit[:7] for commit in RELEASES])
def test_an_upgraded_stack_previews_exactly_what_its_up_does(release: Path, tmp_path, pulumi_env, sandbox):
    root, env = local_project(tmp_path, pulumi_env, sandbox, source=release)
    pulumi(root, env, "up", "--yes", "--skip-preview")

    use_program(root, sandbox)
    env["PYTHONPATH"] = pulumi_env["PYTHONPATH"]
    announced = planned(pulumi(root, env, "preview", "--json").stdout)
    made = done(pulumi(root, env, "up", "--yes", "--skip-preview", "--json").stdout)

    assert announced == made, (f"announced, not done: {sorted(announced - made)}\n"
                               f"done, not announced: {sorted(made - announced)}")
    # What the issue saw: no service redeploys for the upgrade itself (the releases deploy the same
    # digest, command and variables), and the upgraded stack then plans nothing.
    assert not {urn for urn, op in made if urn.endswith("-deploy") and op != "update"}, sorted(made)
    if release.name.endswith(NO_REPLACEMENT_SINCE[:7]):
        assert not {urn for urn, op in made if op in ("replace", "delete")}, sorted(made)
    pulumi(root, env, "preview", "--expect-no-changes")


def test_the_comparison_sees_replacements_updates_and_deletes(tmp_path, pulumi_env, sandbox):
    """The same comparison on this checkout's own program, where a change replaces every Deploy, updates
    the env group and deletes the alerting tier: both sides name exactly those."""
    root, env = local_project(tmp_path, pulumi_env, sandbox, edit_config=without_database)
    pulumi(root, env, "up", "--yes", "--skip-preview")
    pulumi(root, env, "config", "set", "--path", "procurement:backend.env.LOG_LEVEL", "debug")
    pulumi(root, env, "config", "set", "--path", "procurement:tiers.observability", "false")

    announced = planned(pulumi(root, env, "preview", "--json").stdout)
    made = done(pulumi(root, env, "up", "--yes", "--skip-preview", "--json").stdout)

    assert announced == made
    by_op = {op: {urn.rsplit("::", 1)[1] for urn, o in made if o == op} for op in ("replace", "update", "delete")}
    assert by_op["replace"] == {f"backend-{svc}-deploy" for svc in ("api", "worker", "exchange-rates",
                                                                     "approval-reminders")} | {"backend-api-candidate"}, made
    assert by_op["update"] == {"backend-env-group"}, made
    assert "alerting" in by_op["delete"], made
