"""No job that runs unreviewed code can open a production secret (issue 21).

Derived from esc/pulumi-cloud-access.yaml (the OIDC policies and team grants), the GitHub environments' guards
(components/source_control.ENVIRONMENT_GUARDS) and the workflows (tests/workflows/trust.py). Pulumi Cloud's
Stack Read includes stack:export and stack:decrypt, so any stack grant counts as its secrets.
"""
from __future__ import annotations

import copy
import re

import pytest
import yaml

from components.source_control import ENVIRONMENT_GUARDS, EnvironmentGuard
from tests.workflows import trust
from tests.workflows.workflow_files import ROOT, WORKFLOWS as WORKFLOWS_DIR, workflows

ACCESS = trust.access()


def test_no_claim_unreviewed_code_can_present_admits_a_production_secret():
    assert trust.violations(ACCESS) == []


def test_the_analysis_finds_each_kind_of_path():
    # Each mutation opens one path; the analysis must name it (so the test above can fail).
    wide = copy.deepcopy(ACCESS)
    wide["teams"]["procurement-preview-staging"]["stacks"]["procurement/production"] = "read"
    assert any("procurement-preview-staging" in v and "production secret" in v for v in trust.violations(wide))

    by_pr = copy.deepcopy(ACCESS)
    by_pr["policies"].append({"decision": "allow", "tokenType": "team", "teamName": "procurement-drift",
                              "rules": {"sub": f"repo:{trust.REPO}:pull_request"}})
    assert any("procurement-drift" in v for v in trust.violations(by_pr))

    on_branch = copy.deepcopy(ACCESS)
    on_branch["policies"].append({"decision": "allow", "tokenType": "team", "teamName": "procurement-production",
                                  "rules": {"sub": f"repo:{trust.REPO}:ref:refs/heads/release"}})
    assert len(trust.violations(on_branch)) == 2  # a production secret and a write, from any branch

    # An environment name nobody guards: GitHub creates it unguarded when a workflow first names it.
    unknown = copy.deepcopy(ACCESS)
    unknown["policies"].append({"decision": "allow", "tokenType": "team", "teamName": "procurement-preview-production",
                                "rules": {"sub": f"repo:{trust.REPO}:environment:preview"}})
    assert trust.violations(unknown)

    # production-preview without its reviewers would hand production's state to any pull request.
    unguarded = dict(ENVIRONMENT_GUARDS, **{"production-preview": EnvironmentGuard(False, False)})
    assert any("procurement-preview-production" in v for v in trust.violations(ACCESS, unguarded))

    unclassed = copy.deepcopy(ACCESS)
    unclassed["teams"]["procurement-drift"]["environments"]["procurement/secrets"] = "open"
    assert trust.violations(unclassed) == ["team procurement-drift: environment procurement/secrets is not "
                                           "classed in `holds`"]


@pytest.mark.parametrize("sub, expected", [
    (f"repo:{trust.REPO}:pull_request", trust.UNREVIEWED),
    (f"repo:{trust.REPO}:ref:refs/heads/feature", trust.UNREVIEWED),
    (f"repo:{trust.REPO}:ref:refs/tags/v1", trust.UNREVIEWED),
    (f"repo:{trust.REPO}:ref:refs/heads/main", trust.MAIN_ONLY),
    (f"repo:{trust.REPO}:environment:staging-preview", trust.UNREVIEWED),
    (f"repo:{trust.REPO}:environment:production-preview", trust.APPROVED),
    (f"repo:{trust.REPO}:environment:production", trust.MAIN_ONLY),
    (f"repo:{trust.REPO}:environment:nowhere", trust.UNREVIEWED),
    ("repo:someone/fork:ref:refs/heads/main", trust.UNREVIEWED),
])
def test_who_can_present_a_claim(sub, expected):
    assert trust.presented_by({"sub": sub}) == expected


def test_every_grant_and_esc_file_is_classed_once():
    holds = ACCESS["holds"]
    files = {f"procurement/{p.stem.removeprefix('procurement-')}" for p in (ROOT / "esc").glob("procurement-*.yaml")}
    assert files == set(holds["environments"])
    stacks = {f"procurement/{p.stem.removeprefix('Pulumi.')}" for p in ROOT.glob("Pulumi.*.yaml")} - {"procurement/local"}
    stacks = {s for s in stacks if not s.startswith("procurement/pr-")} | {"procurement/pr-*"}  # generated, gitignored
    assert stacks == set(holds["stacks"])
    assert set(holds["stacks"].values()) | set(holds["environments"].values()) <= \
        {"production", "staging", "read-only", trust.REVIEW_TIER}


def test_the_backup_identity_is_in_an_environment_no_team_can_open():
    # The on-call's identity: no team. The restore test's own (a third recipient, revocable on its own): only the
    # restore test's team, whose token only main's restore-test.yml can get.
    holders = [p for p in (ROOT / "esc").glob("*.yaml") if "BACKUP_AGE_IDENTITY:" in p.read_text()]
    assert sorted(p.name for p in holders) == ["procurement-break-glass.yaml", "procurement-restore-test.yaml"]
    opened = {e: team for team, grants in ACCESS["teams"].items() for e in grants.get("environments") or {}}
    assert "procurement/break-glass" not in opened
    assert opened["procurement/restore-test"] == "procurement-restore-test"
    assert [team for team, grants in ACCESS["teams"].items() if "procurement/restore-test" in
            (grants.get("environments") or {})] == ["procurement-restore-test"]
    (policy,) = [p for p in ACCESS["policies"] if p["teamName"] == "procurement-restore-test"]
    assert trust.presented_by(policy["rules"]) == trust.MAIN_ONLY
    assert policy["rules"]["job_workflow_ref"].endswith("/.github/workflows/restore-test.yml@refs/heads/main")
    production = yaml.safe_load((ROOT / "Pulumi.production.yaml").read_text())["config"]["procurement:backup"]
    (entry,) = [r for r in production["recipients"] if r["holder"].startswith("restore-test,")]
    assert not entry.get("escrow")


def test_every_job_asks_for_a_team_its_own_claims_are_admitted_for():
    asked = 0
    for name, doc in workflows().items():
        for job in doc["jobs"].values():
            for row in trust.matrix_rows(job):
                team = trust.requested_team(job, row)
                if team is None:
                    continue
                claims = trust.claims(name, doc, job, row)
                admitted = [p for p in ACCESS["policies"] if p["decision"] == "allow" and p["teamName"] == team
                            and all(claims.get(k) == v for k, v in p["rules"].items())]
                assert admitted, (name, job.get("name"), row, team, claims)
                asked += 1
    assert asked == 13


def test_pull_request_jobs_hold_no_production_grant_without_an_approval():
    for row in trust.job_rows():
        if row.code == "PR head (unreviewed)":
            assert "procurement/production" not in row.stacks, row
            assert "procurement/production" not in row.environments, row


def test_no_workflow_runs_untrusted_input_with_main_s_claims():
    # pull_request_target and workflow_run run main's workflow (main's claims) on a pull request's event. The one
    # use: review-stack.yml tears a closed PR's stack down with main's code; its job checks out no other ref and
    # reads nothing of the PR but its number.
    for name, doc in workflows().items():
        assert "workflow_run" not in doc["on"], name
        if "pull_request_target" not in doc["on"]:
            continue
        assert name == "review-stack.yml" and doc["on"]["pull_request_target"] == {"types": ["closed"],
                                                                                "branches": ["main"]}
        for job_id, job in doc["jobs"].items():
            text = yaml.safe_dump(job)
            if trust.runs_main_code(doc, job):
                assert "github.event.pull_request.head" not in text, job_id
                assert all("ref" not in (step.get("with") or {}) for step in job["steps"]), job_id
            else:
                assert "github.event_name == 'pull_request'" in str(job.get("if")), job_id


REVIEW_WORKFLOWS = ("review-stack.yml", "review-sweep.yml")


def review_reach(name: str, doc) -> dict[str, set[str]]:
    """What a review workflow names: GitHub environments, Pulumi Cloud teams, ESC environments, secrets, stacks."""
    text = yaml.safe_dump(doc)  # comments dropped: only what runs
    reach = {"environments": set(), "teams": set(),
             "esc": set(re.findall(r"env run acme-procurement/(procurement/[\w-]+)", text)),
             "secrets": set(re.findall(r"secrets\.(\w+)", text)),
             "stacks": set(re.findall(r"(?<!env run )acme-procurement/procurement/([\w$-]+)", text))
             | set(re.findall(r"--stack[ =](\w[\w-]*)", text))}
    for job in doc["jobs"].values():
        for row in trust.matrix_rows(job):
            if job.get("environment"):
                reach["environments"].add(trust.expand(job["environment"], row))
            team = trust.requested_team(job, row)
            if team:
                reach["teams"].add(team)
    return reach


def test_review_jobs_cannot_reach_staging_or_production():
    # No production or staging GitHub environment, team, ESC environment, stack or secret in the review workflows.
    docs = workflows()
    for name in REVIEW_WORKFLOWS:
        reach = review_reach(name, docs[name])
        assert reach["environments"] <= {"review", "review-teardown"}, (name, reach)
        assert reach["teams"] and reach["teams"] <= {"procurement-review", "procurement-review-teardown"}, name
        assert reach["esc"] == {"procurement/review"}, (name, reach)
        assert not reach["secrets"], (name, reach)  # github.token only
        assert all(stack.startswith("pr-") for stack in reach["stacks"]), (name, reach)
    # Every team these jobs ask for holds review-tier grants only, and only approved or main code gets it.
    for row in trust.job_rows():
        if row.workflow in REVIEW_WORKFLOWS:
            assert trust.grant_tiers(ACCESS["teams"][row.team], ACCESS["holds"]) == {trust.REVIEW_TIER}, row
            assert row.code in ("main", "PR head, after a reviewer's approval"), row


def test_the_review_reach_check_sees_a_production_name():
    doc = copy.deepcopy(workflows()["review-stack.yml"])
    step = doc["jobs"]["up"]["steps"][-2]
    step["run"] = step["run"].replace("procurement/review", "procurement/production")
    doc["jobs"]["down"]["environment"] = "production"
    doc["jobs"]["down"]["steps"][0]["with"]["token"] = "${{ secrets.CROSS_REPO_READ_TOKEN }}"
    reach = review_reach("review-stack.yml", doc)
    assert "procurement/production" in reach["esc"] and "production" in reach["environments"]
    assert reach["secrets"] == {"CROSS_REPO_READ_TOKEN"}


def test_a_pull_request_run_cannot_present_the_teardown_claims():
    assert trust.presented_by({"sub": f"repo:{trust.REPO}:environment:review-teardown"}) == trust.MAIN_ONLY
    assert trust.presented_by({"sub": f"repo:{trust.REPO}:environment:review"}) == trust.APPROVED
    # Without its reviewers, `review` would let any PR write pr-* stacks with the review tokens.
    unguarded = dict(ENVIRONMENT_GUARDS, review=EnvironmentGuard(False, False))
    assert any("procurement-review" in v and "writes procurement/pr-*" in v for v in trust.violations(ACCESS, unguarded))


def test_security_doc_shows_the_derived_table():
    # Regenerate with: .venv/bin/python -m tests.workflows.trust --write
    assert trust.doc_table(trust.SECURITY_DOC.read_text()) == trust.table()
