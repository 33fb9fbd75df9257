"""GitHub repositories whose settings this stack manages: main-branch ruleset, reviews, secret scanning.

Where the source-control tier manages repository settings (production,
`sourceControl.manageRepositorySettings`), each `github:index/repository:Repository` must be
covered by a `github:index/repositoryRuleset:RepositoryRuleset` that is active on the default
branch (`refs/heads/<branch>` or `~DEFAULT_BRANCH`), requires pull requests and status checks, and
blocks force pushes (`github-main-branch-ruleset`); that ruleset must also make reviews count
(`github-main-branch-reviews`: at least one approval, code-owner review, approval of the last push,
stale approvals dismissed, no bypass actors); and the repository has secret scanning with push
protection on (`github-secret-scanning`). A stack that only writes its own environment's values
(staging) declares no repositories and is not judged.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from pulumi_policy import PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs

from .enforcement import StackContext
from .inputs import UNKNOWN, lookup, plain
from .tokens import GITHUB_REPOSITORY, GITHUB_RULESET

NAME = "github-main-branch-ruleset"
DESCRIPTION = ("Every GitHub repository whose settings this stack manages has an active ruleset on its default "
               "branch requiring pull requests and status checks and blocking force pushes.")
REVIEWS = "github-main-branch-reviews"
REVIEWS_DESCRIPTION = ("The default-branch ruleset requires at least one approving review, code-owner review and "
                       "approval of the last push, dismisses stale approvals, and has no bypass actors.")
SECRET_SCANNING = "github-secret-scanning"
SECRET_SCANNING_DESCRIPTION = ("Every GitHub repository this stack manages has secret scanning and secret scanning "
                               "push protection enabled.")


def _covers(ruleset: PolicyResource, repository: PolicyResource, repository_name: Any) -> bool:
    target = lookup(plain(ruleset.props), "repository")
    if target is not UNKNOWN and target is not None:
        return target == repository_name
    # Name not known yet (preview before the repository is read): follow the input's dependency.
    deps = (ruleset.property_dependencies or {}).get("repository") or []
    return any(dep.urn == repository.urn for dep in deps)


def protection_gaps(ruleset: PolicyResource, branch: str) -> Optional[list[str]]:
    """What this ruleset lacks to protect `branch`; None when it does not target the branch at all."""
    props = plain(ruleset.props)
    includes = lookup(props, "conditions", "refName", "includes")
    if includes is UNKNOWN:
        return []  # cannot tell during preview; the update will be judged with known values
    wanted = {f"refs/heads/{branch}", "~DEFAULT_BRANCH", "~ALL"}
    if lookup(props, "target") not in ("branch", None) or not isinstance(includes, list) \
            or not wanted.intersection(includes):
        return None
    gaps = []
    if lookup(props, "enforcement") != "active":
        gaps.append(f"enforcement is '{lookup(props, 'enforcement')}', not 'active'")
    rules = lookup(props, "rules") or {}
    if lookup(rules, "nonFastForward") is not True:
        gaps.append("force pushes are not blocked (rules.nonFastForward)")
    if not isinstance(lookup(rules, "pullRequest"), dict):
        gaps.append("pull requests are not required (rules.pullRequest)")
    checks = lookup(rules, "requiredStatusChecks", "requiredChecks")
    if not isinstance(checks, list) or not checks:
        gaps.append("no status checks are required (rules.requiredStatusChecks)")
    return gaps


def review_gaps(ruleset: PolicyResource) -> list[str]:
    """What keeps this ruleset's reviews from counting (empty: approvals gate every merge)."""
    props = plain(ruleset.props)
    review = lookup(props, "rules", "pullRequest")
    if review is UNKNOWN or lookup(props, "bypassActors") is UNKNOWN:
        return []  # cannot tell during preview; the update will be judged with known values
    if not isinstance(review, dict):
        return ["pull requests are not required (rules.pullRequest)"]
    gaps = []
    count = lookup(review, "requiredApprovingReviewCount")
    number = count if isinstance(count, (int, float)) else 0  # the wire sends numbers as floats
    if count is not UNKNOWN and number < 1:
        gaps.append(f"{number:g} approving reviews are required, not at least 1 "
                    f"(procurement:sourceControl.requiredApprovals)")
    for key, what in (("requireCodeOwnerReview", "code owners' review is not required"),
                      ("requireLastPushApproval", "the last push need not be approved by someone else"),
                      ("dismissStaleReviewsOnPush", "approvals survive new pushes")):
        if lookup(review, key) not in (True, UNKNOWN):
            gaps.append(f"{what} (rules.pullRequest.{key})")
    if lookup(props, "bypassActors"):
        gaps.append("it has bypass actors, who merge around it (bypassActors)")
    return gaps


def _default_branch_rulesets(resources: list[PolicyResource], branch: str):
    """(repository, label, [(ruleset, protection gaps)]) for each repository: the rulesets on its default branch."""
    rulesets = [r for r in resources if r.resource_type == GITHUB_RULESET]
    for repository in (r for r in resources if r.resource_type == GITHUB_REPOSITORY):
        name = lookup(plain(repository.props), "name")
        label = name if isinstance(name, str) else repository.name
        judged = [(r, protection_gaps(r, branch)) for r in rulesets if _covers(r, repository, name)]
        yield repository, label, [(r, gaps) for r, gaps in judged if gaps is not None]


def make_validate(context: StackContext) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        facts = context.facts
        repositories = [r for r in args.resources if r.resource_type == GITHUB_REPOSITORY]
        if not repositories:
            if facts.source_control_on and facts.manages_repository_settings:
                report_violation("procurement:sourceControl.manageRepositorySettings is on but the stack declares no "
                                 "GitHub repository, so no main-branch ruleset protects anything.")
            return
        for repository, label, judged in _default_branch_rulesets(list(args.resources), facts.default_branch):
            if not judged:
                report_violation(f"Repository '{label}' has no ruleset on its default branch "
                                 f"'{facts.default_branch}'.", repository.urn)
            elif all(gaps for _, gaps in judged):
                ruleset, gaps = judged[0]
                report_violation(f"Repository '{label}': ruleset '{ruleset.name}' on '{facts.default_branch}' does not "
                                 f"protect it: {'; '.join(gaps)}.", ruleset.urn)
    return validate


def make_validate_reviews(context: StackContext) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        branch = context.facts.default_branch
        for _, label, judged in _default_branch_rulesets(list(args.resources), branch):
            if not judged:
                continue  # no ruleset on the branch at all: github-main-branch-ruleset reports it
            found = [(ruleset, review_gaps(ruleset)) for ruleset, _ in judged]
            if all(gaps for _, gaps in found):
                ruleset, gaps = found[0]
                report_violation(f"Repository '{label}': ruleset '{ruleset.name}' on '{branch}' lets changes merge "
                                 f"without the reviews production requires: {'; '.join(gaps)}.", ruleset.urn)
    return validate


def validate_secret_scanning(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != GITHUB_REPOSITORY:
        return
    analysis = lookup(plain(args.props), "securityAndAnalysis")
    if analysis is UNKNOWN:
        return
    off = [key for key in ("secretScanning", "secretScanningPushProtection")
           if lookup(analysis, key, "status") not in ("enabled", UNKNOWN)]
    name = lookup(plain(args.props), "name")
    if off:
        report_violation(f"Repository '{name if isinstance(name, str) else args.name}' does not enable {' and '.join(f'securityAndAnalysis.{k}' for k in off)}"
                         f": a pushed secret would go unnoticed (set status 'enabled').")
