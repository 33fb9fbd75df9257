"""Issue 21's production security rules, both ways: what the components register passes, a weakened graph fails,
and in production every finding is mandatory (elsewhere advisory).

GitHub reviews and secret scanning, the managed WAF and the Supabase settings run on the graphs the real
components register under Pulumi's mocks (for the bridged Cloudflare/GitHub resources that is the only way here:
test_policy_bridged_rules.py says why); R2 public access and the Render release rule run on constructed
resources too, because no component declares what they refuse. The Supabase and Render rules also run under the
real engine (test_policy_pack_engine.py).
"""
import dataclasses

import pytest
import yaml

from policies.enforcement import StackFacts
from tests.components.platform_mocks import run_stack
from tests.mock_harness import PROJECT_ROOT
from tests.policies.policy_args import judge, judge_records, resource_args
from tests.policies.test_policy_bridged_rules import PRODUCTION, RULESET, by_policy, edge_run, source_control_run

STAGING = StackFacts("staging")
REPOSITORY = "github:index/repository:Repository"
CF_RULESET = "cloudflare:index/ruleset:Ruleset"
SSL = "pulumi-python:dynamic/supabase:SslEnforcement"
NETWORK = "pulumi-python:dynamic/supabase:NetworkRestrictions"
SERVICE = "pulumi-python:dynamic/render:Service"
DIGEST = "sha256:" + "ab" * 32


def replaced(records, record, **inputs):
    """The graph with `record`'s inputs changed (None removes a key)."""
    changed = {k: v for k, v in {**record.inputs, **inputs}.items() if v is not None}
    new = dataclasses.replace(record, inputs=changed)
    return [new if r is record else r for r in records]


@pytest.fixture(scope="module")
def production():
    return run_stack("production", preview=True)


# --- GitHub: reviews that count, secret scanning ------------------------------------------------------------------

def test_the_rulesets_source_control_declares_require_reviews_that_count():
    run = source_control_run()
    for ruleset in run.of_type(RULESET):
        review = ruleset.inputs["rules"]["pullRequest"]
        assert review["requireCodeOwnerReview"] is True and review["requireLastPushApproval"] is True
        assert review["dismissStaleReviewsOnPush"] is True and review["requiredApprovingReviewCount"] >= 1
        assert ruleset.inputs["bypassActors"] == []
    assert [v for v in judge_records(PRODUCTION, run.resources) if v.policy.startswith("github-")] == []


@pytest.mark.parametrize("change, fragment", [
    ({"requireCodeOwnerReview": False}, "code owners' review is not required"),
    ({"requireLastPushApproval": None}, "the last push need not be approved"),
    ({"dismissStaleReviewsOnPush": False}, "approvals survive new pushes"),
    ({"requiredApprovingReviewCount": 0}, "0 approving reviews are required"),
])
def test_a_ruleset_with_weaker_reviews_is_a_mandatory_violation(change, fragment):
    run = source_control_run()
    ruleset = run.one(RULESET, "sc-backend-default-branch")
    rules = ruleset.inputs["rules"]
    review = {k: v for k, v in {**rules["pullRequest"], **change}.items() if v is not None}
    records = replaced(run.resources, ruleset, rules={**rules, "pullRequest": review})
    violations = judge_records(PRODUCTION, records)
    assert [(v.policy, v.level) for v in violations] == [("github-main-branch-reviews", "mandatory")]
    assert "Repository 'procurement-system'" in violations[0].message and fragment in violations[0].message
    assert violations[0].urn == ruleset.urn
    assert [v.level for v in judge_records(StackFacts("staging"), records)] == ["advisory"]


def test_bypass_actors_are_a_violation():
    run = source_control_run()
    ruleset = run.one(RULESET, "sc-infrastructure-default-branch")
    admins = [{"actorId": 5, "actorType": "RepositoryRole", "bypassMode": "always"}]
    violations = judge_records(PRODUCTION, replaced(run.resources, ruleset, bypassActors=admins))
    assert by_policy(violations) == ["github-main-branch-reviews"]
    assert "bypass actors" in violations[0].message


def test_a_second_ruleset_that_requires_the_reviews_is_enough():
    run = source_control_run()
    ruleset = run.one(RULESET, "sc-frontend-default-branch")
    rules = ruleset.inputs["rules"]
    weak = dataclasses.replace(ruleset, inputs={**ruleset.inputs, "rules": {
        **rules, "pullRequest": {**rules["pullRequest"], "requireCodeOwnerReview": False}}})
    strong = dataclasses.replace(ruleset, name="sc-frontend-reviews", urn=ruleset.urn + "-reviews")
    records = [weak if r is ruleset else r for r in run.resources] + [strong]
    assert judge_records(PRODUCTION, records) == []


@pytest.mark.parametrize("key", ["secretScanning", "secretScanningPushProtection"])
def test_a_repository_without_secret_scanning_or_push_protection_is_a_mandatory_violation(key):
    run = source_control_run()
    repository = run.one(REPOSITORY, "sc-frontend")
    analysis = {**repository.inputs["securityAndAnalysis"], key: {"status": "disabled"}}
    violations = judge_records(PRODUCTION, replaced(run.resources, repository, securityAndAnalysis=analysis))
    assert [(v.policy, v.level, v.name) for v in violations] == [("github-secret-scanning", "mandatory", "sc-frontend")]
    assert f"securityAndAnalysis.{key}" in violations[0].message and "'procurement'" in violations[0].message


def test_a_repository_that_does_not_declare_its_security_settings_is_a_violation():
    run = source_control_run()
    repository = run.one(REPOSITORY, "sc-backend")
    violations = judge_records(PRODUCTION, replaced(run.resources, repository, securityAndAnalysis=None))
    assert by_policy(violations) == ["github-secret-scanning"]
    assert "secretScanning and securityAndAnalysis.secretScanningPushProtection" in violations[0].message


# --- GitHub: the production-preview environment --------------------------------------------------------------------

def test_production_preview_environment_has_productions_reviewers_and_no_branch_policy():
    run = source_control_run()
    environments = {r.name: r for r in run.of_type("github:index/repositoryEnvironment:RepositoryEnvironment")}
    preview = environments.pop("sc-infrastructure-production-preview")
    assert not any(name.endswith("-production-preview") for name in environments)  # infrastructure only
    production = environments["sc-infrastructure-production"]
    assert preview.inputs["environment"] == "production-preview"
    for key in ("repository", "reviewers", "preventSelfReview", "canAdminsBypass"):
        assert preview.inputs.get(key) == production.inputs[key], key
    assert preview.inputs["preventSelfReview"] is True and preview.inputs["canAdminsBypass"] is False
    assert preview.inputs["reviewers"][0]["teams"]  # the production reviewers' team, resolved to its id
    # Pull-request runs deploy from refs/pull/<n>/merge: no branch policy may restrict the environment.
    assert "deploymentBranchPolicy" not in preview.inputs
    policies = {r.inputs["environment"] for r in run.of_type(
        "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy")}
    assert "production-preview" not in policies
    # main-only environments (ENVIRONMENT_GUARDS) get the default-branch policy: staging, production, review-teardown.
    assert policies == {"staging", "production", "review-teardown"}


# --- Cloudflare: managed WAF ---------------------------------------------------------------------------------------

def test_the_zone_owner_runs_the_free_managed_ruleset_by_default():
    run = edge_run()
    waf = run.one(CF_RULESET, "edge-managed-waf")
    assert waf.inputs["phase"] == "http_request_firewall_managed" and waf.inputs["kind"] == "zone"
    assert [(r["action"], r["actionParameters"]["id"], r["enabled"], r["expression"]) for r in waf.inputs["rules"]] \
        == [("execute", "77454fe2d30c4220b5701f6fdfb893ba", True, "true")]
    assert judge_records(StackFacts("production"), run.resources) == []


def test_the_full_choice_runs_the_cloudflare_managed_and_owasp_rulesets():
    run = edge_run(lambda edge: dataclasses.replace(edge, managed_waf="full"))
    ids = [r["actionParameters"]["id"] for r in run.one(CF_RULESET, "edge-managed-waf").inputs["rules"]]
    assert ids == ["efb7b8c949ac4650a09736fc376e9aee", "4814384a9e5d4991b9815dcfc25d2f1f"]
    assert judge_records(StackFacts("production"), run.resources) == []


@pytest.mark.parametrize("weaken", [
    lambda rules: [],                                                        # no ruleset at all
    lambda rules: [{**r, "enabled": False} for r in rules],                  # switched off
    lambda rules: [{**r, "action": "skip"} for r in rules],                  # not executed
    lambda rules: [{**r, "actionParameters": {"id": "4814384a9e5d4991b9815dcfc25d2f1f"}} for r in rules],  # OWASP only
])
def test_a_zone_owner_without_a_running_managed_ruleset_fails(weaken):
    run = edge_run()
    waf = run.one(CF_RULESET, "edge-managed-waf")
    rules = weaken(waf.inputs["rules"])
    records = [r for r in run.resources if r is not waf] if not rules else replaced(run.resources, waf, rules=rules)
    violations = judge_records(StackFacts("production"), records)
    assert [(v.policy, v.level) for v in violations] == [("cloudflare-managed-waf", "mandatory")]
    assert "runs no managed WAF ruleset" in violations[0].message
    assert [v.level for v in judge_records(STAGING, records)] == ["advisory"]


def test_a_stack_that_does_not_own_the_zone_needs_no_waf():
    run = edge_run(lambda edge: dataclasses.replace(edge, manage_zone_settings=False))
    assert run.of_type(CF_RULESET) == []
    assert judge_records(StackFacts("production"), run.resources) == []


# --- Cloudflare: R2 buckets private --------------------------------------------------------------------------------

R2_MANAGED = "cloudflare:index/r2ManagedDomain:R2ManagedDomain"
R2_CUSTOM = "cloudflare:index/r2CustomDomain:R2CustomDomain"
BUCKET = {"accountId": "0" * 32, "bucketName": "procurement-production-db-backups"}


@pytest.mark.parametrize("type_, props, public", [
    (R2_MANAGED, {**BUCKET, "enabled": True}, True),
    (R2_MANAGED, {**BUCKET, "enabled": False}, False),
    (R2_CUSTOM, {**BUCKET, "domain": "backups.acme-procurement.com", "zoneId": "1" * 32, "enabled": True}, True),
    (R2_CUSTOM, {**BUCKET, "domain": "backups.acme-procurement.com", "zoneId": "1" * 32}, True),
    (R2_CUSTOM, {**BUCKET, "domain": "backups.acme-procurement.com", "zoneId": "1" * 32, "enabled": False}, False),
])
def test_public_access_to_a_backup_bucket_fails(type_, props, public):
    violations = judge(StackFacts("production"), resources=[resource_args(type_, "backup-public", props)])
    if not public:
        assert violations == []
        return
    assert [(v.policy, v.level) for v in violations] == [("r2-buckets-private", "mandatory")]
    assert "procurement-production-db-backups" in violations[0].message
    assert [v.level for v in judge(STAGING, resources=[resource_args(type_, "backup-public", props)])] == ["advisory"]


def test_the_committed_backup_bucket_is_private(production):
    assert production.of_type("cloudflare:index/r2Bucket:R2Bucket")  # the bucket the rule is about exists
    assert production.of_type(R2_MANAGED) == [] and production.of_type(R2_CUSTOM) == []
    assert [v for v in judge_records(StackFacts("production"), production.resources)
            if v.policy == "r2-buckets-private"] == []


# --- Supabase: SSL enforced, network restricted, both declared -----------------------------------------------------

def test_production_database_enforces_ssl_and_lists_its_networks(production):
    ssl, network = production.one(SSL), production.one(NETWORK)
    assert ssl.inputs["enforced"] is True
    assert network.inputs["db_allowed_cidrs"] == ["198.51.100.0/24", "203.0.113.0/24"]
    assert [v for v in judge_records(StackFacts("production"), production.resources)
            if v.policy.startswith("supabase-")] == []


@pytest.mark.parametrize("change, fragment", [
    ({"db_allowed_cidrs": [], "db_allowed_cidrs_v6": []}, "no network is listed"),
    ({"db_allowed_cidrs": ["0.0.0.0/0"], "db_allowed_cidrs_v6": []}, "0.0.0.0/0 is the whole internet"),
    ({"db_allowed_cidrs": ["203.0.113.0/24"], "db_allowed_cidrs_v6": ["::/0"]}, "::/0 is the whole internet"),
])
def test_network_restrictions_open_to_the_world_fail(production, change, fragment):
    network = production.one(NETWORK)
    records = replaced(production.resources, network, **change)
    violations = [v for v in judge_records(StackFacts("production"), records) if v.policy.startswith("supabase-")]
    assert [(v.policy, v.level, v.name) for v in violations] == [
        ("supabase-network-restricted", "mandatory", network.name)]
    assert fragment in violations[0].message and "procurement:database.networkRestrictions" in violations[0].message


def test_ssl_not_enforced_fails(production):
    ssl = production.one(SSL)
    violations = judge_records(StackFacts("production"), replaced(production.resources, ssl, enforced=False))
    assert [(v.policy, v.level) for v in violations if v.policy.startswith("supabase-")] == [
        ("supabase-ssl-enforced", "mandatory")]


def test_the_unconfigured_database_allows_everyone_and_the_rule_says_so():
    # components/database.py declares allow-all when database.networkRestrictions is empty (staging could).
    staging = yaml.safe_load((PROJECT_ROOT / "Pulumi.staging.yaml").read_text())["config"]["procurement:database"]
    unrestricted = {k: v for k, v in staging.items() if k != "networkRestrictions"}
    run = run_stack("staging", preview=True, overrides={"procurement:database": unrestricted})
    network = run.one(NETWORK)
    assert network.inputs["db_allowed_cidrs"] == ["0.0.0.0/0"] and network.inputs["db_allowed_cidrs_v6"] == ["::/0"]
    violations = [v for v in judge_records(STAGING, run.resources) if v.policy == "supabase-network-restricted"]
    assert [v.level for v in violations] == ["advisory"]


@pytest.mark.parametrize("dropped", [SSL, NETWORK])
def test_a_project_without_either_setting_declared_fails(production, dropped):
    records = [r for r in production.resources if r.type != dropped]
    violations = [v for v in judge_records(StackFacts("production"), records) if v.policy.startswith("supabase-")]
    assert [(v.policy, v.level) for v in violations] == [("supabase-project-secured", "mandatory")]
    assert f"no {dropped.rsplit(':', 1)[-1]} declared" in violations[0].message


# --- Render: production runs images by digest, never auto-deployed -------------------------------------------------

IMAGE = {"owner_id": "tea-x", "region": "frankfurt", "plan": "standard", "image": "ghcr.io/acme/app"}


def service(name, **props):
    return resource_args(SERVICE, name, {"name": name, "service_type": "background_worker", **props})


@pytest.mark.parametrize("props, fragments", [
    ({**IMAGE, "image_digest": DIGEST, "auto_deploy": False}, []),
    ({**IMAGE, "image": f"ghcr.io/acme/app@{DIGEST}", "auto_deploy": False}, []),
    ({**IMAGE, "image_digest": DIGEST}, ["auto_deploy is not explicitly false"]),
    ({**IMAGE, "image_digest": DIGEST, "auto_deploy": True}, ["auto_deploy is not explicitly false"]),
    ({**IMAGE, "image": "ghcr.io/acme/app:latest", "auto_deploy": False}, ["not pinned by digest"]),
    ({**IMAGE, "image_digest": "sha256:abc", "auto_deploy": False}, ["not pinned by digest"]),
    ({"owner_id": "tea-x", "repo": "https://github.com/acme/infra", "runtime": "docker", "auto_deploy": False},
     ["built by Render from the repository https://github.com/acme/infra"]),
    ({"owner_id": "tea-x", "repo": "https://github.com/acme/infra", "runtime": "docker"},
     ["built by Render from the repository", "auto_deploy is not explicitly false"]),
])
def test_production_services_run_pinned_images_without_auto_deploy(props, fragments):
    violations = judge(StackFacts("production"), resources=[service("job", **props)])
    found = [v for v in violations if v.policy == "render-production-image-pinned"]
    assert [v.level for v in found] == (["mandatory"] if fragments else [])
    for fragment in fragments:
        assert fragment in found[0].message


def test_a_static_site_is_judged_on_auto_deploy_only():
    site = {"owner_id": "tea-x", "repo": "https://github.com/acme/web", "service_type": "static_site"}
    assert judge(StackFacts("production"), resources=[service("site", **site, auto_deploy=False)]) == []
    (found,) = judge(StackFacts("production"), resources=[service("site", **site, auto_deploy=True)])
    assert found.policy == "render-production-image-pinned" and "built by Render" not in found.message


def test_outside_production_the_release_rule_does_not_judge():
    repo_built = service("job", owner_id="tea-x", repo="https://github.com/acme/infra", runtime="docker")
    assert judge(STAGING, resources=[repo_built]) == []


def test_production_backend_services_are_pinned_with_auto_deploy_off(production):
    backend = [r for r in production.of_type(SERVICE) if r.inputs.get("image")]
    assert {r.name for r in backend} >= {"backend-api", "backend-worker"}
    for record in backend:
        assert record.inputs["auto_deploy"] is False and record.inputs["image_digest"].startswith("sha256:")
    site = next(r for r in production.of_type(SERVICE) if r.inputs["service_type"] == "static_site")
    assert site.inputs["auto_deploy"] is False
