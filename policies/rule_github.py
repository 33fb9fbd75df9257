"""A main-branch ruleset exists for every repository whose settings this stack manages.

Where the source-control tier manages repository settings (production,
`sourceControl.manageRepositorySettings`), each `github:index/repository:Repository` must be
covered by a `github:index/repositoryRuleset:RepositoryRuleset` that is active on the default
branch (`refs/heads/<branch>` or `~DEFAULT_BRANCH`), requires pull requests and status checks, and
blocks force pushes. A stack that only writes its own environment's values (staging) declares no
repositories and is not judged.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from pulumi_policy import PolicyResource, ReportViolation, StackValidationArgs

from .enforcement import StackContext
from .inputs import UNKNOWN, lookup, plain
from .tokens import GITHUB_REPOSITORY, GITHUB_RULESET

NAME = "github-main-branch-ruleset"
DESCRIPTION = ("Every GitHub repository whose settings this stack manages has an active ruleset on its default "
               "branch requiring pull requests and status checks and blocking force pushes.")


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


def make_validate(context: StackContext) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        facts = context.facts
        repositories = [r for r in args.resources if r.resource_type == GITHUB_REPOSITORY]
        rulesets = [r for r in args.resources if r.resource_type == GITHUB_RULESET]
        if not repositories:
            if facts.source_control_on and facts.manages_repository_settings:
                report_violation("procurement:sourceControl.manageRepositorySettings is on but the stack declares no "
                                 "GitHub repository, so no main-branch ruleset protects anything.")
            return
        for repository in repositories:
            name = lookup(plain(repository.props), "name")
            label = name if isinstance(name, str) else repository.name
            covering = [r for r in rulesets if _covers(r, repository, name)]
            judged = [(r, protection_gaps(r, facts.default_branch)) for r in covering]
            judged = [(r, gaps) for r, gaps in judged if gaps is not None]
            if not judged:
                report_violation(f"Repository '{label}' has no ruleset on its default branch "
                                 f"'{facts.default_branch}'.", repository.urn)
            elif all(gaps for _, gaps in judged):
                ruleset, gaps = judged[0]
                report_violation(f"Repository '{label}': ruleset '{ruleset.name}' on '{facts.default_branch}' does not "
                                 f"protect it: {'; '.join(gaps)}.", ruleset.urn)
    return validate
