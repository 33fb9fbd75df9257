"""No job that runs unreviewed code can open a production secret (issue 21).

Derived from esc/pulumi-cloud-access.yaml (the OIDC policies and team grants), the GitHub environments' guards
(components/source_control.ENVIRONMENT_GUARDS) and the workflows (tests/workflows/trust.py). Pulumi Cloud's
Stack Read includes stack:export and stack:decrypt, so any stack grant counts as its secrets.
"""
from __future__ import annotations

import copy

import pytest
import yaml

from components.source_control import ENVIRONMENT_GUARDS, EnvironmentGuard
from tests.workflows import trust
from tests.workflows.workflow_files import ROOT, workflows

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
    assert stacks == set(holds["stacks"])
    assert set(holds["stacks"].values()) | set(holds["environments"].values()) <= {"production", "staging", "read-only"}


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
    assert asked == 10


def test_pull_request_jobs_hold_no_production_grant_without_an_approval():
    for row in trust.job_rows():
        if row.code == "PR head (unreviewed)":
            assert "procurement/production" not in row.stacks, row
            assert "procurement/production" not in row.environments, row


def test_no_workflow_runs_untrusted_input_with_main_s_claims():
    # pull_request_target and workflow_run run main's workflow (main's claims) on a pull request's event.
    for name, doc in workflows().items():
        assert not {"pull_request_target", "workflow_run"} & set(doc["on"]), name


def test_security_doc_shows_the_derived_table():
    # Regenerate with: .venv/bin/python -m tests.workflows.trust --write
    assert trust.doc_table(trust.SECURITY_DOC.read_text()) == trust.table()
