"""SourceControl under mocks for the committed staging and production stacks.

Mock-only: pulumi-resource-github cannot be installed here, so GitHub's team lookup is answered by
the test and nothing reaches GitHub.
"""
import pulumi
import pytest

from components.source_control import SourceControl, SourceControlArgs
from tests.components.component_mocks import run_component, stack_config
from tests.components.platform_mocks import run_stack
from tests.components.stack_cases import committed_overrides
from tests.mock_harness import PROJECT_ROOT

COMPONENT = "procurement:source_control:SourceControl"
PROVIDER = "pulumi:providers:github"
REPOSITORY = "github:index/repository:Repository"
ALERTS = "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
BRANCH_POLICY = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
ENV_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"
ENV_VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
REPO_SECRET = "github:index/actionsSecret:ActionsSecret"
REPO_VARIABLE = "github:index/actionsVariable:ActionsVariable"
GET_TEAM = "github:index/getTeam:getTeam"
TEAM_ID = "4242"

REPOS = {"frontend": "procurement", "backend": "procurement-system", "infrastructure": "procurement-infra"}


def team_lookup(args):
    return {"id": TEAM_ID, "slug": args["slug"]} if args["slug"] == "platform-leads" else {}


def build(stack, **values):
    def program():
        cfg = stack_config(stack)
        database_url = pulumi.Output.secret(f"postgresql://procurement_api:pw@db.{stack}.example/postgres")
        defaults = {
            "environment_secrets": {"infrastructure": {"DATABASE_URL": database_url}},
            "environment_variables": {"infrastructure": {"API_URL": pulumi.Output.from_input(
                f"https://{cfg.api_hostname}")}, "frontend": {"APP_URL": f"https://{cfg.app_hostname}"}},
        }
        source = SourceControl("sc", SourceControlArgs(config=cfg.source_control, stack=cfg.stack,
                                                       environment=cfg.environment, **{**defaults, **values}))
        pulumi.export("ruleset_ids", source.ruleset_ids)
    return program


def provider_of(run):
    return run.one(PROVIDER, "sc-github")


def assert_child(run, record):
    component, provider = run.one(COMPONENT, "sc"), provider_of(run)
    assert record.parent == component.urn
    assert record.provider.startswith(provider.urn + "::"), record.name
    assert record.name.startswith("sc-")


def test_staging_writes_only_into_its_own_environment():
    run = run_component(build("staging"), invokes={GET_TEAM: team_lookup})
    component = run.one(COMPONENT, "sc")
    assert provider_of(run).inputs["owner"] == "acme-procurement" and provider_of(run).parent == component.urn
    for kind in (REPOSITORY, ALERTS, RULESET, ENVIRONMENT, BRANCH_POLICY, REPO_SECRET, REPO_VARIABLE):
        assert run.of_type(kind) == [], kind
    secret = run.one(ENV_SECRET, "sc-infrastructure-staging-secret-DATABASE_URL")
    assert_child(run, secret)
    assert {k: secret.inputs[k] for k in ("repository", "environment", "secretName", "value")} == {
        "repository": "procurement-infra", "environment": "staging", "secretName": "DATABASE_URL",
        "value": "postgresql://procurement_api:pw@db.staging.example/postgres"}
    assert secret.is_secret("value")
    variables = {r.name: r for r in run.of_type(ENV_VARIABLE)}
    assert sorted(variables) == ["sc-frontend-staging-variable-APP_URL", "sc-infrastructure-staging-variable-API_URL"]
    api = variables["sc-infrastructure-staging-variable-API_URL"]
    assert (api.inputs["repository"], api.inputs["environment"], api.inputs["variableName"], api.inputs["value"]) == (
        "procurement-infra", "staging", "API_URL", "https://api-staging.acme-procurement.com")
    assert not api.is_secret("value")
    assert run.invokes == []
    outputs = run.outputs_of(component.urn)
    assert outputs["manages_repository_settings"] is False and outputs.get("ruleset_ids") is None
    assert outputs["repositories"] == REPOS and outputs["environment"] == "staging"
    assert outputs["actions_secret_names"] == {"infrastructure": ["DATABASE_URL"]}
    assert outputs["actions_variable_names"] == {"frontend": ["APP_URL"], "infrastructure": ["API_URL"]}


def test_a_plain_secret_value_is_still_stored_as_a_secret():
    run = run_component(build("staging", environment_secrets={"backend": {"SENTRY_DSN": "https://k@o.example/1"}}))
    assert run.one(ENV_SECRET, "sc-backend-staging-secret-SENTRY_DSN").is_secret("value")


def test_production_owns_the_repository_settings():
    run = run_component(build("production"), stack="production", invokes={GET_TEAM: team_lookup})
    repositories = {r.name: r for r in run.of_type(REPOSITORY)}
    assert sorted(repositories) == ["sc-backend", "sc-frontend", "sc-infrastructure"]
    for role, repo_name in REPOS.items():
        repo = repositories[f"sc-{role}"]
        assert_child(run, repo)
        assert {k: repo.inputs[k] for k in ("name", "allowSquashMerge", "allowMergeCommit", "allowRebaseMerge",
                                            "deleteBranchOnMerge", "archiveOnDestroy", "securityAndAnalysis")} == {
            "name": repo_name, "allowSquashMerge": True, "allowMergeCommit": False, "allowRebaseMerge": False,
            "deleteBranchOnMerge": True, "archiveOnDestroy": True,
            "securityAndAnalysis": {"secretScanning": {"status": "enabled"},
                                    "secretScanningPushProtection": {"status": "enabled"}}}
        assert repo.retain_on_delete is True
        alerts = run.one(ALERTS, f"sc-{role}-vulnerability-alerts")
        assert_child(run, alerts)
        assert alerts.inputs == {"repository": repo_name, "enabled": True}
        assert repo.urn in alerts.property_dependencies["repository"]


def test_production_rulesets_protect_main_with_reviews_and_the_pulumi_previews():
    run = run_component(build("production"), stack="production", invokes={GET_TEAM: team_lookup})
    ruleset = run.one(RULESET, "sc-infrastructure-default-branch")
    assert_child(run, ruleset)
    assert {k: ruleset.inputs[k] for k in ("repository", "name", "target", "enforcement", "conditions")} == {
        "repository": "procurement-infra", "name": "procurement-production-main-branch", "target": "branch",
        "enforcement": "active", "conditions": {"refName": {"includes": ["refs/heads/main"], "excludes": []}}}
    rules = ruleset.inputs["rules"]
    assert rules["deletion"] is True and rules["nonFastForward"] is True
    assert rules["pullRequest"] == {"requiredApprovingReviewCount": 1, "dismissStaleReviewsOnPush": True,
                                    "requireCodeOwnerReview": True, "requireLastPushApproval": True,
                                    "requiredReviewThreadResolution": True, "allowedMergeMethods": ["squash"]}
    assert ruleset.inputs["bypassActors"] == []
    assert rules["requiredStatusChecks"] == {
        "requiredChecks": [{"context": "test"}, {"context": "preview (staging)"}, {"context": "preview (production)"}],
        "strictRequiredStatusChecksPolicy": True}
    backend = run.one(RULESET, "sc-backend-default-branch").inputs["rules"]["requiredStatusChecks"]["requiredChecks"]
    assert backend == [{"context": "lint"}, {"context": "test"}, {"context": "image-build"}]
    assert run.outputs["ruleset_ids"] == {role: f"sc-{role}-default-branch-id" for role in REPOS}


def test_production_environment_requires_the_configured_reviewers():
    run = run_component(build("production"), stack="production", invokes={GET_TEAM: team_lookup})
    assert sorted(r.name for r in run.of_type(ENVIRONMENT)) == sorted(
        [f"sc-{role}-{env}" for role in REPOS for env in ("staging", "production")]
        + ["sc-infrastructure-staging-preview", "sc-infrastructure-production-preview",  # PR previews: infra only
           "sc-infrastructure-review", "sc-infrastructure-review-teardown"])  # review stacks: infra only
    production = run.one(ENVIRONMENT, "sc-infrastructure-production")
    assert_child(run, production)
    assert {k: production.inputs[k] for k in ("repository", "environment", "reviewers", "preventSelfReview",
                                              "canAdminsBypass", "deploymentBranchPolicy")} == {
        "repository": "procurement-infra", "environment": "production",
        "reviewers": [{"teams": [int(TEAM_ID)], "users": []}], "preventSelfReview": True, "canAdminsBypass": False,
        "deploymentBranchPolicy": {"protectedBranches": False, "customBranchPolicies": True}}
    staging = run.one(ENVIRONMENT, "sc-infrastructure-staging")
    assert "reviewers" not in staging.inputs or staging.inputs["reviewers"] is None
    assert staging.inputs["preventSelfReview"] is False and staging.inputs["canAdminsBypass"] is True
    [invoke] = {i.token: i for i in run.invokes}.values()
    assert invoke.token == GET_TEAM and invoke.args["slug"] == "platform-leads"
    preview = run.one(ENVIRONMENT, "sc-infrastructure-production-preview")
    assert_child(run, preview)
    assert {k: preview.inputs.get(k) for k in ("repository", "environment", "reviewers", "preventSelfReview",
                                               "canAdminsBypass", "deploymentBranchPolicy")} == {
        "repository": "procurement-infra", "environment": "production-preview",
        "reviewers": [{"teams": [int(TEAM_ID)], "users": []}], "preventSelfReview": True, "canAdminsBypass": False,
        "deploymentBranchPolicy": None}  # pull-request runs deploy from refs/pull/<n>/merge: any ref
    staging_preview = run.one(ENVIRONMENT, "sc-infrastructure-staging-preview")
    assert {k: staging_preview.inputs.get(k) for k in ("reviewers", "canAdminsBypass", "deploymentBranchPolicy")} == {
        "reviewers": None, "canAdminsBypass": True, "deploymentBranchPolicy": None}  # reads staging only: no gate
    assert sorted(p.inputs["environment"] for p in run.of_type(BRANCH_POLICY)) == sorted(
        ["staging", "production"] * len(REPOS) + ["review-teardown"])
    review = run.one(ENVIRONMENT, "sc-infrastructure-review")  # runs the PR's code: a production reviewer approves
    assert {k: review.inputs.get(k) for k in ("reviewers", "preventSelfReview", "deploymentBranchPolicy")} == {
        "reviewers": [{"teams": [int(TEAM_ID)], "users": []}], "preventSelfReview": True, "deploymentBranchPolicy": None}
    for env in ("staging", "production", "review-teardown"):
        policy = run.one(BRANCH_POLICY, f"sc-infrastructure-{env}-branch")
        assert_child(run, policy)
        assert (policy.inputs["repository"], policy.inputs["environment"], policy.inputs["branchPattern"]) == (
            "procurement-infra", env, "main")


def test_production_values_wait_for_the_environment_they_go_into():
    run = run_component(build("production"), stack="production", invokes={GET_TEAM: team_lookup})
    secret = run.one(ENV_SECRET, "sc-infrastructure-production-secret-DATABASE_URL")
    environment = run.one(ENVIRONMENT, "sc-infrastructure-production")
    assert secret.inputs["environment"] == "production" and secret.is_secret("value")
    assert environment.urn in secret.property_dependencies["environment"]


def test_repository_wide_values_only_in_the_owning_stack():
    values = {"repository_variables": {"infrastructure": {"PULUMI_ORG": "acme-procurement"}},
              "repository_secrets": {"backend": {"REGISTRY_TOKEN": "ghp_fake"}}}
    owner = run_component(build("production", **values), stack="production", invokes={GET_TEAM: team_lookup})
    variable = owner.one(REPO_VARIABLE, "sc-infrastructure-variable-PULUMI_ORG")
    assert_child(owner, variable)
    assert (variable.inputs["repository"], variable.inputs["variableName"], variable.inputs["value"]) == (
        "procurement-infra", "PULUMI_ORG", "acme-procurement")
    secret = owner.one(REPO_SECRET, "sc-backend-secret-REGISTRY_TOKEN")
    assert secret.inputs["repository"] == "procurement-system" and secret.is_secret("value")

    other = run_component(build("staging", **values), allow_error=True)
    assert isinstance(other.error, ValueError) and "manageRepositorySettings" in str(other.error)
    assert other.of_type(REPO_VARIABLE) == [] and other.of_type(PROVIDER) == []


@pytest.mark.parametrize("values, fragment", [
    ({"environment_variables": {"mobile": {"X": "1"}}}, "'mobile'"),
    ({"environment_secrets": {"backend": {"GITHUB_TOKEN": "x"}}}, "'GITHUB_TOKEN'"),
    ({"environment_secrets": {"backend": {"1ST": "x"}}}, "'1ST'"),
    ({"environment_secrets": {"backend": {"api-key": "x"}}}, "'api-key'"),
])
def test_bad_value_names_and_roles_are_refused_with_the_culprit_named(values, fragment):
    run = run_component(build("staging", **values), allow_error=True)
    assert isinstance(run.error, ValueError) and fragment in str(run.error)


def test_an_unknown_reviewer_team_fails_naming_it():
    run = run_component(build("production"), stack="production", invokes={GET_TEAM: {}}, allow_error=True)
    assert run.error is not None and "acme-procurement/platform-leads" in str(run.error)


def test_the_github_import_file_matches_what_production_declares():
    # tools/scripts/github-import.py (docs/how-to/adopt-existing-objects.md): every resource
    # it imports is one production declares, with the same type, name, parent and provider, so the
    # first `up` after `pulumi import --file` finds them all and changes only what config says.
    import importlib.util
    import json as _json

    spec = importlib.util.spec_from_file_location("github_import", PROJECT_ROOT / "tools" / "scripts" / "github-import.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # After go-live's backup keys (docs/how-to/operations.md "Backup keys"): the committed file's recipients are refused placeholders.
    read = module.read_stack_config
    module.read_stack_config = lambda stack: read(stack, overrides=committed_overrides(stack))
    document = module.import_file("production", {"backend": "42"}, {"backend:production": "7"},
                                  {"frontend:staging"})
    _json.dumps(document)  # what `pulumi import --file` reads
    run = run_stack("production")
    component = run.one("procurement:source_control:SourceControl", "source-control")
    provider = run.one("pulumi:providers:github", "source-control-github")
    assert provider.parent == component.urn and provider.inputs["owner"] == "acme-procurement"
    imported = [r for r in document["resources"] if "id" in r]
    # repos + alerts, one ruleset, 6 - 1 environments, the two preview and two review environments, one policy
    assert len(imported) == 3 * 2 + 1 + 5 + 2 + 2 + 1
    for entry in imported:
        declared = run.one(entry["type"], entry["name"])
        assert declared.parent == component.urn and declared.provider.startswith(provider.urn + "::"), entry
        assert entry["parent"] == "source-control" and entry["provider"] == "source-control-github"
    ids = {r["name"]: r["id"] for r in imported}
    assert ids["source-control-backend"] == "procurement-system"
    assert ids["source-control-backend-default-branch"] == "procurement-system:42"
    assert ids["source-control-infrastructure-production"] == "procurement-infra:production"
    assert ids["source-control-infrastructure-production-preview"] == "procurement-infra:production-preview"
    assert ids["source-control-backend-production-branch"] == "procurement-system:production:7"
    assert "source-control-frontend-staging" not in ids
