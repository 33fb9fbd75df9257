"""Trust boundaries, derived from the workflows, esc/pulumi-cloud-access.yaml and the GitHub environments' guards.

Two questions, answered from the files alone (docs/explanation/security.md, trust boundaries):

- Which runs can present the claims each Pulumi Cloud OIDC policy admits? Not only the workflow that asks: a
  pull request can edit any workflow, so an unreviewed run can ask for any team with any claim GitHub would
  give it: `sub` `...:pull_request`, `...:ref:refs/heads/<its branch>`, or `...:environment:<E>` for any E whose
  guard lets it deploy (GitHub creates an environment a workflow names, unguarded, on first use).
- What does each workflow job get: trigger, whose code, GitHub environment, OIDC subject, team, stack grants
  (read = decrypt) and ESC environments. `python -m tests.workflows.trust` prints that table for docs/explanation/security.md.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from components.source_control import ENVIRONMENT_GUARDS, EnvironmentGuard
from tests.workflows.workflow_files import ROOT, expand, matrix_rows, workflows

REPO = "acme-procurement/procurement-infra"
MAIN = "refs/heads/main"
ACCESS_FILE = ROOT / "esc" / "pulumi-cloud-access.yaml"
SECURITY_DOC = ROOT / "docs" / "explanation" / "security.md"
TABLE_START, TABLE_END = "<!-- trust-table:start -->", "<!-- trust-table:end -->"

# Who can run the code that presents a claim.
UNREVIEWED = "unreviewed"  # a pull request or any branch: code nobody has reviewed
APPROVED = "approved"  # unreviewed code, but only after a required reviewer approved this run
MAIN_ONLY = "main"  # main's code: merged through the ruleset's required review
REVIEW_TIER = "review"  # holds: throwaway pr-<n> stacks and the review workspace/org's tokens
# pull_request_target runs the default branch's workflow file and commit (GitHub, since 2025-12-08): main's code.
MAIN_CODE_PR_EVENT = "pull_request_target"


def access(path: Path = ACCESS_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def presented_by(rules: Mapping[str, str], guards: Mapping[str, EnvironmentGuard] = ENVIRONMENT_GUARDS) -> str:
    """The least reviewed code that can obtain a token under these exact-match claim rules."""
    sub = rules.get("sub", "")
    prefix = f"repo:{REPO}:"
    if not sub.startswith(prefix):
        return UNREVIEWED  # another repository, or no `sub` rule at all
    kind, _, value = sub[len(prefix):].partition(":")
    if kind == "environment":
        guard = guards.get(value)
        if guard is None:
            return UNREVIEWED
        if guard.default_branch_only:
            return MAIN_ONLY
        return APPROVED if guard.reviewers else UNREVIEWED
    if kind == "ref" and value == MAIN:
        return MAIN_ONLY
    return UNREVIEWED  # pull_request, other branches, tags


def grant_tiers(team: Mapping[str, Any], holds: Mapping[str, Mapping[str, str]]) -> set[str]:
    """What a team's grants give away: every stack grant decrypts (Stack Read includes stack:decrypt)."""
    return {holds["stacks"][s] for s in team.get("stacks") or {}} | \
        {holds["environments"][e] for e in team.get("environments") or {}}


def violations(doc: Mapping[str, Any], guards: Mapping[str, EnvironmentGuard] = ENVIRONMENT_GUARDS) -> list[str]:
    """Every path from unreviewed code to a production secret, and every grant the `holds` table cannot class."""
    problems = []
    holds, teams = doc["holds"], doc["teams"]
    for name, team in teams.items():
        for kind in ("stacks", "environments"):
            for target in team.get(kind) or {}:
                if target not in holds[kind]:
                    problems.append(f"team {name}: {kind[:-1]} {target} is not classed in `holds`")
    if problems:
        return problems
    for policy in doc["policies"]:
        if policy.get("decision") != "allow":
            continue
        team = policy.get("teamName")
        who = presented_by(policy["rules"], guards)
        tiers = grant_tiers(teams.get(team, {}), holds)
        if "production" in tiers and who == UNREVIEWED:
            problems.append(f"{policy['rules']} can be presented by {who} code and admits team {team}, "
                            f"which holds a production secret")
        # Only main's code writes a stack; a throwaway review stack (`review` in holds) also after an approval.
        writes = [s for s, level in (teams.get(team, {}).get("stacks") or {}).items() if level != "read"
                  and not (who == APPROVED and holds["stacks"].get(s) == REVIEW_TIER)]
        if writes and who != MAIN_ONLY:
            problems.append(f"{policy['rules']} can be presented by {who} code and admits team {team}, "
                            f"which writes {', '.join(writes)}")
    return problems


@dataclass(frozen=True)
class JobRow:
    workflow: str
    job: str
    triggers: str
    code: str
    environment: str
    sub: str
    team: str
    stacks: str
    environments: str

    def markdown(self) -> str:
        return "| " + " | ".join((f"`{self.workflow}` {self.job}", self.triggers, self.code, self.environment,
                                  self.sub, self.team, self.stacks, self.environments)) + " |"


HEADER = ("| job | trigger | whose code | GitHub environment | OIDC `sub` | Pulumi Cloud team | stacks (read = decrypt) "
          "| ESC environments |\n|---|---|---|---|---|---|---|---|")


def claims(workflow: str, doc: Mapping[str, Any], job: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, str]:
    """The `sub` (and, outside pull requests, `job_workflow_ref`) GitHub puts in this job's id_token on main."""
    environment = expand(job["environment"], row) if job.get("environment") else None
    if environment:
        sub = f"repo:{REPO}:environment:{environment}"
    elif "pull_request" in doc["on"] and not runs_main_code(doc, job):
        return {"sub": f"repo:{REPO}:pull_request"}
    else:
        sub = f"repo:{REPO}:ref:{MAIN}"  # push, dispatch and schedule all run on main
    if "pull_request" in doc["on"] and not runs_main_code(doc, job):
        return {"sub": sub}  # job_workflow_ref names the PR's merge ref
    return {"sub": sub, "job_workflow_ref": f"{REPO}/.github/workflows/{workflow}@{MAIN}"}


def runs_main_code(doc: Mapping[str, Any], job: Mapping[str, Any]) -> bool:
    """A job that runs only on pull_request_target (its `if` says so): main's workflow and checkout."""
    return MAIN_CODE_PR_EVENT in doc["on"] and f"github.event_name == '{MAIN_CODE_PR_EVENT}'" in str(job.get("if", ""))


def requested_team(job: Mapping[str, Any], row: Mapping[str, Any]) -> str | None:
    for step in job.get("steps") or []:
        if str(step.get("uses", "")).startswith("pulumi/auth-actions@"):
            return expand(step["with"]["scope"], row).removeprefix("team:")
    return None


def job_rows(docs: Mapping[str, Mapping[str, Any]] | None = None, doc: Mapping[str, Any] | None = None,
             guards: Mapping[str, EnvironmentGuard] = ENVIRONMENT_GUARDS) -> list[JobRow]:
    docs = docs or workflows()
    doc = doc or access()
    rows = []
    for workflow, wf in docs.items():
        for job_id, job in wf["jobs"].items():
            for row in matrix_rows(job):
                environment = expand(job["environment"], row) if job.get("environment") else None
                team = requested_team(job, row)
                grants = doc["teams"].get(team, {}) if team else {}
                if "pull_request" in wf["on"] and not runs_main_code(wf, job):
                    guard = guards.get(environment) if environment else None
                    code = "PR head, after a reviewer's approval" if guard and guard.reviewers else "PR head (unreviewed)"
                else:
                    code = "main"
                triggers = [MAIN_CODE_PR_EVENT] if runs_main_code(wf, job) else \
                    [t for t in wf["on"] if t != MAIN_CODE_PR_EVENT]
                rows.append(JobRow(
                    workflow=workflow, job=expand(job.get("name", job_id), row), triggers=", ".join(triggers),
                    code=code, environment=environment or "-",
                    sub=f"`{claims(workflow, wf, job, row)['sub'].removeprefix(f'repo:{REPO}:')}`" if team else "-",
                    team=team or "-",
                    stacks=", ".join(f"{s}: {g}" for s, g in (grants.get("stacks") or {}).items()) or "-",
                    environments=", ".join(grants.get("environments") or {}) or "-"))
    return rows


def table() -> str:
    return "\n".join([HEADER, *(r.markdown() for r in job_rows())])


def doc_table(text: str) -> str:
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    return text[start:end].strip()


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        text = SECURITY_DOC.read_text()
        start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
        SECURITY_DOC.write_text(text[:start] + "\n" + table() + "\n" + text[end:])
    else:
        print(table())
