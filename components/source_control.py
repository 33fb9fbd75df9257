"""Source-control tier: the GitHub repositories' settings, rules and CI environments (pulumi-github 6.15.0).

Repository-wide objects only in the stack with `sourceControl.manageRepositorySettings`; per-environment Actions
values in every stack. The repositories are imported, never created or deleted; the token comes from
`GITHUB_TOKEN`, never from state. Details and verification status: components/README.md, "source_control.py".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_github as github

from components import naming
from components.config import Repository, SourceControlConfig
from dynamic_providers.core import formats

# The stack kinds that have a GitHub environment of their own (issue 8).
ENVIRONMENTS = ("staging", "production")


@dataclass(frozen=True)
class EnvironmentGuard:
    """What stands between a workflow run and a GitHub environment (and so its OIDC `sub` claim)."""

    reviewers: bool
    """A production reviewer must approve each run (`productionReviewers`, no self-review, no admin bypass)."""
    default_branch_only: bool
    """Only runs on the default branch may deploy into it (a deployment branch policy)."""
    role: Optional[str] = None
    """Only this repository role has it (None: every repository)."""


# Every GitHub environment, declared once: the component creates them, tools/scripts/github-import.py imports them,
# and the trust analysis (tests/workflows/trust.py, esc/pulumi-cloud-access.yaml) reads their guards. The two
# preview environments are where the pull-request workflow previews each stack: a pull-request run deploys
# from refs/pull/<n>/merge, which a branch policy naming the default branch refuses, so they have none;
# production's preview waits for a production reviewer instead (its OIDC claim opens production's state).
ENVIRONMENT_GUARDS = {
    "staging": EnvironmentGuard(reviewers=False, default_branch_only=True),
    "production": EnvironmentGuard(reviewers=True, default_branch_only=True),
    "staging-preview": EnvironmentGuard(reviewers=False, default_branch_only=False, role="infrastructure"),
    "production-preview": EnvironmentGuard(reviewers=True, default_branch_only=False, role="infrastructure"),
    # Review stacks (review-stack.yml): `up` runs the PR's code, so a production reviewer approves each run;
    # `down` runs main's code on pull_request_target, whose ref is the default branch.
    "review": EnvironmentGuard(reviewers=True, default_branch_only=False, role="infrastructure"),
    "review-teardown": EnvironmentGuard(reviewers=False, default_branch_only=True, role="infrastructure"),
}


def environments_of(role: str) -> list[str]:
    """The GitHub environments a repository of this role has."""
    return [name for name, guard in ENVIRONMENT_GUARDS.items() if guard.role in (None, role)]


# Actions secret/variable names: a variable name's characters (the shared rule), not in GitHub's reserved GITHUB_
# prefix.

ValuesByRole = Mapping[str, Mapping[str, pulumi.Input[str]]]


@dataclass(frozen=True, kw_only=True)
class SourceControlArgs:
    config: SourceControlConfig
    """The stack's `sourceControl` config: owner, repositories and their checks, reviewers, ownership flag."""

    stack: str
    """Stack name, for physical names (`procurement-<stack>-…`)."""

    environment: str
    """The GitHub environment this stack's values go into: `staging` or `production`."""

    environment_secrets: ValuesByRole = field(default_factory=dict)
    """Repository role (`frontend`, `backend`, `infrastructure`) -> Actions secret name -> value,
    written into this stack's GitHub environment. Values are stored as secrets whatever the caller passes."""

    environment_variables: ValuesByRole = field(default_factory=dict)
    """Repository role -> Actions variable name -> value, in this stack's GitHub environment (not secret)."""

    repository_secrets: ValuesByRole = field(default_factory=dict)
    """Repository role -> repository-wide Actions secret name -> value. Only the owning stack may set these."""

    repository_variables: ValuesByRole = field(default_factory=dict)
    """Repository role -> repository-wide Actions variable name -> value. Only the owning stack may set these."""


class SourceControl(pulumi.ComponentResource):
    """GitHub repository settings, rulesets, environments and Actions values (``procurement:source_control:SourceControl``).

    Children, per repository role R and environment E: ``<name>-github`` (the GitHub provider);
    owner only: ``<name>-R`` (Repository), ``<name>-R-vulnerability-alerts``, ``<name>-R-default-branch``
    (RepositoryRuleset), ``<name>-R-E`` (RepositoryEnvironment), ``<name>-R-E-branch``
    (RepositoryEnvironmentDeploymentPolicy; none for `production-preview`), ``<name>-R-secret-K`` / ``<name>-R-variable-K``;
    every stack: ``<name>-R-<environment>-secret-K`` / ``<name>-R-<environment>-variable-K``.
    """

    owner: str
    """GitHub organization of the repositories."""
    repositories: dict
    """Repository role -> repository name."""
    environment: str
    """The GitHub environment this stack writes its values into."""
    manages_repository_settings: bool
    """Whether this stack owns repository settings, rulesets and environments."""
    ruleset_ids: Optional[pulumi.Output[dict]]
    """Repository role -> id of the default-branch ruleset; None where this stack does not own them."""
    actions_secret_names: dict
    """Repository role -> names of the Actions secrets this stack writes (values never exported)."""
    actions_variable_names: dict
    """Repository role -> names of the Actions variables this stack writes."""

    def __init__(self, name: str, args: SourceControlArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("procurement:source_control:SourceControl", name, None, opts)
        config = args.config
        _validate(args)
        self._provider = github.Provider(f"{name}-github", owner=config.owner,
                                         opts=pulumi.ResourceOptions(parent=self))

        # Names as inputs: in the owning stack they come from the adopted repositories and
        # environments (so values wait for them); elsewhere they are plain config.
        repo_names: dict[str, pulumi.Input[str]] = {r.role: r.name for r in config.repositories}
        environment_names: dict[str, pulumi.Input[str]] = {r.role: args.environment for r in config.repositories}
        rulesets: dict[str, pulumi.Output[str]] = {}
        if config.manage_repository_settings:
            reviewers = self._reviewer_ids(config)
            for repo in config.repositories:
                settings = self._repository(name, repo)
                repo_names[repo.role] = settings.name
                self._child(github.RepositoryVulnerabilityAlerts, f"{name}-{repo.role}-vulnerability-alerts",
                            repository=settings.name, enabled=True)
                rulesets[repo.role] = self._ruleset(name, args, repo, settings.name).id
                for environment in environments_of(repo.role):
                    created = self._environment(name, config, repo, settings.name, environment, reviewers)
                    if environment == args.environment:
                        environment_names[repo.role] = created.environment

        secret_names: dict[str, list[str]] = {}
        variable_names: dict[str, list[str]] = {}
        for role, values in args.repository_secrets.items():
            for key, value in sorted(values.items()):
                self._child(github.ActionsSecret, f"{name}-{role}-secret-{key}", repository=repo_names[role],
                            secret_name=key, value=pulumi.Output.secret(value))
                secret_names.setdefault(role, []).append(key)
        for role, values in args.repository_variables.items():
            for key, value in sorted(values.items()):
                self._child(github.ActionsVariable, f"{name}-{role}-variable-{key}", repository=repo_names[role],
                            variable_name=key, value=value)
                variable_names.setdefault(role, []).append(key)
        for role, values in args.environment_secrets.items():
            for key, value in sorted(values.items()):
                self._child(github.ActionsEnvironmentSecret, f"{name}-{role}-{args.environment}-secret-{key}",
                            repository=repo_names[role], environment=environment_names[role], secret_name=key,
                            value=pulumi.Output.secret(value))
                secret_names.setdefault(role, []).append(key)
        for role, values in args.environment_variables.items():
            for key, value in sorted(values.items()):
                self._child(github.ActionsEnvironmentVariable, f"{name}-{role}-{args.environment}-variable-{key}",
                            repository=repo_names[role], environment=environment_names[role], variable_name=key,
                            value=value)
                variable_names.setdefault(role, []).append(key)

        self.owner = config.owner
        self.repositories = {r.role: r.name for r in config.repositories}
        self.environment = args.environment
        self.manages_repository_settings = bool(config.manage_repository_settings)
        self.ruleset_ids = pulumi.Output.all(**rulesets) if rulesets else None
        self.actions_secret_names = {role: sorted(keys) for role, keys in secret_names.items()}
        self.actions_variable_names = {role: sorted(keys) for role, keys in variable_names.items()}
        self.register_outputs({
            "owner": self.owner,
            "repositories": self.repositories,
            "environment": self.environment,
            "manages_repository_settings": self.manages_repository_settings,
            "ruleset_ids": self.ruleset_ids,
            "actions_secret_names": self.actions_secret_names,
            "actions_variable_names": self.actions_variable_names,
        })

    def _child(self, resource_type, child_name: str, *, retain: bool = False, **inputs):
        return resource_type(child_name, **inputs, opts=pulumi.ResourceOptions(
            parent=self, provider=self._provider, retain_on_delete=True if retain else None))

    def _repository(self, name: str, repo: Repository) -> github.Repository:
        return self._child(
            github.Repository, f"{name}-{repo.role}", retain=True,  # Pulumi manages settings, never existence
            name=repo.name,
            allow_squash_merge=True,
            allow_merge_commit=False,
            allow_rebase_merge=False,
            delete_branch_on_merge=True,
            # Explicit, so adopting an existing repository never changes it through a provider default.
            has_issues=True,
            archive_on_destroy=True,  # second guard behind retain_on_delete: archive, never delete
            security_and_analysis=github.RepositorySecurityAndAnalysisArgs(
                secret_scanning=github.RepositorySecurityAndAnalysisSecretScanningArgs(status="enabled"),
                secret_scanning_push_protection=github.RepositorySecurityAndAnalysisSecretScanningPushProtectionArgs(
                    status="enabled"),
            ),
        )

    def _ruleset(self, name: str, args: SourceControlArgs, repo: Repository,
                 repository: pulumi.Input[str]) -> github.RepositoryRuleset:
        branch = args.config.default_branch
        return self._child(
            github.RepositoryRuleset, f"{name}-{repo.role}-default-branch",
            repository=repository,
            name=naming.physical_name(args.stack, f"{branch}-branch"),
            target="branch",
            enforcement="active",
            bypass_actors=[],  # nobody, admins included, merges around the rules
            conditions=github.RepositoryRulesetConditionsArgs(
                ref_name=github.RepositoryRulesetConditionsRefNameArgs(includes=[f"refs/heads/{branch}"], excludes=[])),
            rules=github.RepositoryRulesetRulesArgs(
                deletion=True,  # only bypass actors (none) may delete the branch
                non_fast_forward=True,  # no force push
                pull_request=github.RepositoryRulesetRulesPullRequestArgs(
                    required_approving_review_count=args.config.required_approvals,
                    # Approvals count for what is merged: a push dismisses them, code owners must
                    # approve changes to what they own (CODEOWNERS), and whoever pushed last cannot
                    # approve their own push.
                    dismiss_stale_reviews_on_push=True,
                    require_code_owner_review=True,
                    require_last_push_approval=True,
                    required_review_thread_resolution=True,
                    allowed_merge_methods=["squash"],
                ),
                required_status_checks=github.RepositoryRulesetRulesRequiredStatusChecksArgs(
                    required_checks=[github.RepositoryRulesetRulesRequiredStatusChecksRequiredCheckArgs(context=check)
                                     for check in repo.required_checks],
                    # Checks (the Pulumi previews above all) must have run against the branch as merged.
                    strict_required_status_checks_policy=True,
                ),
            ),
        )

    def _environment(self, name: str, config: SourceControlConfig, repo: Repository, repository: pulumi.Input[str],
                     environment: str, reviewers: github.RepositoryEnvironmentReviewerArgs
                     ) -> github.RepositoryEnvironment:
        guard = ENVIRONMENT_GUARDS[environment]
        protected, any_ref = guard.reviewers, not guard.default_branch_only
        created = self._child(
            github.RepositoryEnvironment, f"{name}-{repo.role}-{environment}",
            repository=repository,
            environment=environment,
            reviewers=[reviewers] if protected else None,
            prevent_self_review=protected,
            can_admins_bypass=not protected,
            deployment_branch_policy=None if any_ref else github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
                protected_branches=False, custom_branch_policies=True),
        )
        if not any_ref:
            self._child(github.RepositoryEnvironmentDeploymentPolicy, f"{name}-{repo.role}-{environment}-branch",
                        repository=repository, environment=created.environment,
                        branch_pattern=config.default_branch)
        return created

    def _reviewer_ids(self, config: SourceControlConfig) -> github.RepositoryEnvironmentReviewerArgs:
        """GitHub environments take numeric ids; config names `login` or `org/team-slug`."""
        invoke = pulumi.InvokeOutputOptions(parent=self, provider=self._provider)
        teams, users = [], []
        for reviewer in config.production_reviewers:
            if "/" in reviewer:
                slug = reviewer.partition("/")[2]
                teams.append(github.get_team_output(slug=slug, summary_only=True, opts=invoke)
                             .apply(lambda r, who=reviewer: _numeric_id(r.id, who)))
            else:
                users.append(github.get_user_output(username=reviewer, opts=invoke)
                             .apply(lambda r, who=reviewer: _numeric_id(r.id, who)))
        return github.RepositoryEnvironmentReviewerArgs(teams=teams, users=users)


def _numeric_id(value: Optional[str], reviewer: str) -> int:
    if not value or not str(value).isdigit():
        raise ValueError(f"source control: GitHub has no user or team '{reviewer}' "
                         "(sourceControl.productionReviewers)")
    return int(value)


def _validate(args: SourceControlArgs) -> None:
    config = args.config
    if args.environment not in ENVIRONMENTS:
        raise ValueError(f"source control: environment '{args.environment}' is not one of {', '.join(ENVIRONMENTS)}")
    if config.manage_repository_settings:
        for reviewer in config.production_reviewers:
            org = reviewer.partition("/")[0] if "/" in reviewer else None
            if org is not None and org != config.owner:
                raise ValueError(f"source control: reviewer team '{reviewer}' is not in the organization "
                                 f"'{config.owner}' (sourceControl.productionReviewers)")
    roles = {r.role for r in config.repositories}
    scopes = {"environment_secrets": args.environment_secrets, "environment_variables": args.environment_variables,
              "repository_secrets": args.repository_secrets, "repository_variables": args.repository_variables}
    for scope, by_role in scopes.items():
        if scope.startswith("repository_") and by_role and not config.manage_repository_settings:
            raise ValueError(f"source control: {scope} are repository-wide and only the stack with "
                             "sourceControl.manageRepositorySettings may write them")
        for role, values in by_role.items():
            if role not in roles:
                raise ValueError(f"source control: {scope} name repository role '{role}', but sourceControl."
                                 f"repositories has only {', '.join(sorted(roles))}")
            for key in values:
                if formats.env_var_name(key) or key.upper().startswith("GITHUB_"):
                    raise ValueError(f"source control: {scope}['{role}'] has the name '{key}'; GitHub allows "
                                     "letters, digits and '_', not starting with a digit or GITHUB_")
    for kind in ("secrets", "variables"):
        for role in roles:
            shared = set(scopes[f"environment_{kind}"].get(role, {})) & set(scopes[f"repository_{kind}"].get(role, {}))
            if shared:
                raise ValueError(f"source control: {kind} {', '.join(sorted(shared))} for '{role}' are given both "
                                 "repository-wide and per environment; choose one")
