"""Plans a reviewer can trust, read from the real engine's structured output (`--json`, `--event-log`)
on the real `local` stack against the sandbox (docs/explanation/reading-a-plan.md).

- The first `up` shows its waits: the Supabase project coming up and the backend's deploys, as
  ephemeral status events on their resources (what the automation API reads; `--json` drops them).
- A refresh of the unchanged stack reports no change, and a preview none either.
- An env var added through config is visible in the plan: its key and its value when plain, its key
  and `[secret]` when secret; the secret's value is nowhere in the output.
- The Deploys it replaces say why (`replaceReasons`, `diffReasons`, `detailedDiff`: `triggers`), and no
  output-only field (`finished_at`, `status`, ...) appears as a change.
- A variable someone adds out of band is drift a refresh reports, without its value.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tools.engine.testing import ephemeral_messages
from tests.tools.engine.local_project import local_project, pulumi

PLAIN_VALUE = "debug"
SECRET_VALUE = "sk_live_51Hq8planReadabilitySecret"
OUT_OF_BAND = "value-set-in-the-dashboard-9f3e"
DEPLOY_OUTPUTS = {"status", "previous_deploy_id", "live_deploy_id", "image_ref", "commit", "finished_at", "trigger"}


@pytest.fixture
def project(tmp_path: Path, pulumi_env: dict, sandbox) -> tuple[Path, dict]:
    return local_project(tmp_path, pulumi_env, sandbox, extra_env={"PULUMI_DEBUG_COMMANDS": "true"})  # --event-log


def as_json(done: subprocess.CompletedProcess) -> dict:
    return json.loads(done.stdout)


def name_of(step: dict) -> str:
    return step["urn"].rsplit("::", 1)[1]


def changes(plan: dict) -> dict[str, int]:
    return {op: n for op, n in plan["changeSummary"].items() if op != "same"}


def refreshed(root: Path, env: dict, events: Path) -> dict[str, dict[str, list[str]]]:
    """What `preview --refresh` found changed, per resource: {name: {"inputs"|"outputs": [keys]}}.

    Read from the refresh steps' events (old and new state), what the automation API gets: the
    `--json` digest of a refresh carries the refreshed state only, not what it replaced."""
    pulumi(root, env, "preview", "--refresh", "--event-log", str(events))
    found: dict[str, dict[str, list[str]]] = {}
    for line in events.read_text().splitlines():
        meta = (json.loads(line).get("resOutputsEvent") or {}).get("metadata") or {}
        if meta.get("op") != "refresh":
            continue
        for part in ("inputs", "outputs"):
            old, new = (meta.get("old") or {}).get(part) or {}, (meta.get("new") or {}).get(part) or {}
            keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            if keys:
                found.setdefault(name_of(meta), {})[part] = keys
    return found


def assert_unchanged(root: Path, env: dict, events: Path) -> None:
    assert refreshed(root, env, events) == {}
    planned = as_json(pulumi(root, env, "preview", "--json", "--expect-no-changes"))
    assert not changes(planned)


@pytest.mark.sandbox_settings(deploy_delay=3, project_ready_delay=3)
def test_plans_show_keys_values_and_reasons_and_an_unchanged_stack_shows_nothing(project, sandbox, tmp_path):
    root, env = project
    events = tmp_path / "up.jsonl"
    pulumi(root, env, "up", "--yes", "--skip-preview", "--event-log", str(events))

    # The waits were visible while they lasted, each naming its object.
    (ref,) = sandbox.supabase.store["projects"]
    assert any(f"waiting for Supabase project {ref} to become ACTIVE_HEALTHY: status COMING_UP (" in m
               for m in ephemeral_messages(events, "database-project")), ephemeral_messages(events, "database-project")
    assert any(m.startswith("Render deploy dep-") and (": build_in_progress (" in m or ": update_in_progress (" in m)
               for m in ephemeral_messages(events, "backend-api-deploy")), ephemeral_messages(events, "backend-api-deploy")
    # Once done, a row's last status says so (no stale "update_in_progress" left beside "created").
    assert ephemeral_messages(events, "backend-api-deploy")[-1].split(": ")[-1].startswith("done ("), \
        ephemeral_messages(events, "backend-api-deploy")
    assert ephemeral_messages(events, "database-project")[-1].startswith("done waiting for "), \
        ephemeral_messages(events, "database-project")

    assert_unchanged(root, env, tmp_path / "refresh-1.jsonl")

    pulumi(root, env, "config", "set", "--path", "procurement:backend.env.LOG_LEVEL", PLAIN_VALUE)
    pulumi(root, env, "config", "set", "--secret", "--path", "procurement:appSecrets.backend.env.STRIPE_KEY",
           SECRET_VALUE)
    pulumi(root, env, "config", "set", "--path", "procurement:frontend.env.VITE_FLAG", "on")
    shown = pulumi(root, env, "preview", "--json")
    assert SECRET_VALUE not in shown.stdout
    steps = {(name_of(s), s["op"]): s for s in as_json(shown)["steps"]}

    group = steps[("backend-env-group", "update")]
    assert group["diffReasons"] == ["variables"]
    assert group["detailedDiff"] == {"variables.LOG_LEVEL": {"kind": "add", "inputDiff": True},
                                     "variables.STRIPE_KEY": {"kind": "add", "inputDiff": True}}
    variables = group["newState"]["inputs"]["variables"]
    assert variables["LOG_LEVEL"] == PLAIN_VALUE and variables["STRIPE_KEY"] == "[secret]"
    assert variables["ENVIRONMENT"] == "local"  # the other plain values stay readable too
    assert variables["SUPABASE_ANON_KEY"] == "[secret]"

    # The static site's variables: the one added, and nothing output-only (the deploy record it will write).
    site = steps[("frontend-site-env", "update")]
    assert site["diffReasons"] == ["variables"], site["diffReasons"]
    assert site["detailedDiff"] == {"variables.VITE_FLAG": {"kind": "add", "inputDiff": True}}

    # Each replaced Deploy says why, in the reviewer's terms (not only `triggers.writes.[2]: 1 => 2`).
    notes = {d.get("urn", "").rsplit("::", 1)[-1]: d["message"] for d in as_json(shown).get("diagnostics") or []
             if "redeploys the service" in d.get("message", "")}
    for svc in ("api", "worker", "exchange-rates", "approval-reminders"):
        assert "its environment variables or secret files changed" in notes.get(f"backend-{svc}-deploy", ""), notes

    replaced = {name: s for (name, op), s in steps.items() if op == "replace"}
    assert set(replaced) == {f"backend-{svc}-deploy" for svc in ("api", "worker", "exchange-rates",
                                                                  "approval-reminders")} | {"backend-api-candidate"}
    for name, step in replaced.items():
        assert step["replaceReasons"] == ["triggers"], name
        assert step["diffReasons"] == ["triggers"], name
        # The variables the deploy applies, and the env group's write revision (a write only a deploy
        # puts into effect: docs/explanation/removal-semantics.md).
        assert set(step["detailedDiff"]) == {"triggers.variables", "triggers.writes"}, name
        assert {d["kind"] for d in step["detailedDiff"].values()} == {"update-replace"}, name
        assert not DEPLOY_OUTPUTS & {p.split(".")[0] for p in step["detailedDiff"]}

    pulumi(root, env, "up", "--yes", "--skip-preview")
    (group_id,) = sandbox.render.store["env_groups"]
    assert sandbox.render.store["env_groups"][group_id]["_envVars"]["STRIPE_KEY"] == SECRET_VALUE
    assert SECRET_VALUE not in pulumi(root, env, "stack", "export").stdout
    assert_unchanged(root, env, tmp_path / "refresh-2.jsonl")

    # Drift is still reported (the "no change" above is not blindness), without the out-of-band value.
    sandbox.render.store["env_groups"][group_id]["_envVars"]["ADDED_BY_HAND"] = OUT_OF_BAND
    drift = refreshed(root, env, tmp_path / "refresh-3.jsonl")
    assert drift == {"backend-env-group": {"inputs": ["variables"], "outputs": ["keys", "variables"]}}
    assert "ADDED_BY_HAND" in (tmp_path / "refresh-3.jsonl").read_text()
    assert OUT_OF_BAND not in (tmp_path / "refresh-3.jsonl").read_text()
