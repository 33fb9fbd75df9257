"""Run `pulumi preview|up --policy-pack policies` with the real CLI and read what the pack reported.

The human output of a preview lists violations only as text; `PULUMI_ENABLE_STREAMING_JSON_PREVIEW`
makes `pulumi preview --json` stream the engine's events instead, including one `policyEvent` per
violation (policy, enforcement level, resource URN, message) and per-resource summaries of the
policies that passed. Those events are what the tests assert on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from tools.engine.testing import run_pulumi
from tests.mock_harness import PROJECT_ROOT

PACK = PROJECT_ROOT / "policies"


@dataclass(frozen=True)
class PolicyViolation:
    policy: str
    level: str
    resource: str  # the resource's name (last URN segment); "" for stack-level violations
    message: str


@dataclass(frozen=True)
class PackRun:
    returncode: int
    violations: list[PolicyViolation]
    passed: dict[str, set[str]]  # resource name -> policies it passed
    output: str

    def found(self) -> set[tuple[str, str, str]]:
        """(policy, level, resource) of every violation."""
        return {(v.policy, v.level, v.resource) for v in self.violations}


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if urn else ""


def preview_with_pack(project: Path, env: Mapping[str, str], stack: str,
                      extra: Sequence[str] = ()) -> PackRun:
    streaming = {**env, "PULUMI_ENABLE_STREAMING_JSON_PREVIEW": "true"}
    done = run_pulumi(["preview", "--json", "--stack", stack, "--policy-pack", str(PACK), *extra], cwd=project,
                      env=streaming, check=False)
    violations, passed = [], {}
    for line in done.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if "policyEvent" in event:
            e = event["policyEvent"]
            violations.append(PolicyViolation(e["policyName"], e["enforcementLevel"], _name(e.get("resourceUrn", "")),
                                              e["message"]))
        for kind in ("policyAnalyzeSummaryEvent", "policyAnalyzeStackSummaryEvent"):
            if kind in event:
                e = event[kind]
                passed.setdefault(_name(e.get("resourceUrn", "")), set()).update(e.get("passed") or [])
    return PackRun(done.returncode, violations, passed, done.stdout + done.stderr)


def up_with_pack(project: Path, env: Mapping[str, str], stack: str, check: bool = True):
    """`pulumi up` with the pack (no separate preview: resources are judged as they are registered)."""
    return run_pulumi(["up", "--yes", "--skip-preview", "--stack", stack, "--policy-pack", str(PACK)], cwd=project,
                      env=env, check=check)
