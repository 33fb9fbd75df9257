"""The policy pack under the real engine (`pulumi preview|up --policy-pack policies`) on programs built
from the real Render and Supabase dynamic providers, against the sandbox.

A scratch project named `procurement` (so `procurement:*` config is the stack's own) runs one of two
programs: GOOD satisfies every rule that concerns dynamic resources; BAD breaks each of them at least
once. The stack's `procurement:environment` decides enforcement: production makes every violation
mandatory (the preview fails), staging leaves the same findings advisory (it succeeds). The
Cloudflare/GitHub rules cannot run under the engine here (test_policy_bridged_rules.py says why).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tools.engine.testing import python_project_yaml, run_pulumi
from tests.policies.policy_engine import preview_with_pack, up_with_pack

DIGEST = "sha256:" + "7" * 64
COMMON = """
import pulumi
from pulumi import ResourceOptions
from dynamic_providers.render import Deploy, EnvVars, Service
from dynamic_providers.supabase import NetworkRestrictions, Project, SslEnforcement

OWNER = pulumi.Config("procurement").require("ownerId")
ORG = pulumi.Config("procurement").require("organizationSlug")
IMAGE = dict(image="ghcr.io/acme-procurement/procurement-system", image_digest="{digest}", region="frankfurt",
             auto_deploy=False)
""".format(digest=DIGEST)

GOOD = COMMON + """
db = Project("db", organization_slug=ORG, name="policy-good-db", region="eu-central-1",
             db_password="a-generated-password-held-as-secret", opts=ResourceOptions(protect=True))
SslEnforcement("db-ssl", project_ref=db.id, enforced=True)
NetworkRestrictions("db-network", project_ref=db.id, db_allowed_cidrs=["203.0.113.0/24"], db_allowed_cidrs_v6=[])
api = Service("api", name="policy-good-api", owner_id=OWNER, service_type="web_service", plan="standard",
              health_check_path="/health", autoscaling={"min": 2, "max": 4, "cpu_percent": 70},
              max_shutdown_delay_seconds=60, **IMAGE)
web = Service("web", name="policy-good-web", owner_id=OWNER, service_type="web_service", plan="standard",
              health_check_path="/healthz", num_instances=2, max_shutdown_delay_seconds=30, **IMAGE)
Service("files", name="policy-good-files", owner_id=OWNER, service_type="background_worker", plan="standard",
        start_command="python -m procurement.files", disk={"name": "files", "mount_path": "/data", "size_gb": 1},
        opts=ResourceOptions(protect=True), **IMAGE)
# Env vars are secret per value (docs/explanation/reading-a-plan.md): the secret ones are passed as secrets.
EnvVars("api-env", service_id=api.id, variables={
    "DATABASE_URL": pulumi.Output.secret("postgresql://procurement_api:N0tInTheClear@db.internal:5432/postgres"),
    "SUPABASE_SERVICE_KEY": pulumi.Output.secret("sb_secret_0123456789abcdefghij"), "LOG_LEVEL": "info"})
"""

BAD = COMMON + """
db = Project("db", organization_slug=ORG, name="policy-bad-db", region="eu-central-1",
             db_password="a-generated-password-held-as-secret")                 # not protected, no SslEnforcement
NetworkRestrictions("db-network", project_ref=db.id, db_allowed_cidrs=["0.0.0.0/0"])  # open to the world
SslEnforcement("other-ssl", project_ref="abcdefghijklmnopqrst", enforced=False)      # SSL optional
Service("backup", name="policy-bad-backup", owner_id=OWNER, service_type="cron_job", plan="starter",
        schedule="30 2 * * *", runtime="docker", repo="https://github.com/acme-procurement/procurement-infra",
        start_command="python -m ops.backup run", auto_deploy=False, region="frankfurt")  # built from the repo
Service("api", name="policy-bad-api", owner_id=OWNER, service_type="web_service", plan="standard",
        num_instances=1, **IMAGE)                                              # no health check, 1 instance
Service("web", name="policy-bad-web", owner_id=OWNER, service_type="web_service", plan="standard",
        health_check_path="/health", autoscaling={"min": 1, "max": 3, "cpu_percent": 70}, **IMAGE)  # floor 1
Service("files", name="policy-bad-files", owner_id=OWNER, service_type="background_worker", plan="standard",
        start_command="python -m procurement.files",
        disk={"name": "files", "mount_path": "/data", "size_gb": 1}, **IMAGE)  # disk, not protected
Service("rates", name="policy-bad-rates", owner_id=OWNER, service_type="cron_job", plan="starter",
        schedule="15 5 * * *", start_command="rates --db postgresql://rates:PlainPassw0rd@db.internal/postgres",
        **IMAGE)                                                               # password inside a URL
Deploy("release", service_id="srv-d0000000000000000000", image_digest=IMAGE["image_digest"],
       triggers={"api_token": "deploy-token-in-clear-text"})                   # secret by its key name
EnvVars("api-env", service_id="srv-d0000000000000000000", variables={
    "DATABASE_URL": pulumi.Output.secret("postgresql://procurement_api:N0tInTheClear@db.internal:5432/postgres")})  # fine
EnvVars("worker-env", service_id="srv-d0000000000000000001", variables={
    "LOG_LEVEL": "info", "STRIPE_API_KEY": "sk_live_plainStripeKeyInClear"})  # a secret env var passed plain
"""

BAD_FINDINGS = {
    ("stateful-resources-protected", "db"),
    ("supabase-project-secured", "db"),
    ("supabase-network-restricted", "db-network"),
    ("supabase-ssl-enforced", "other-ssl"),
    ("stateful-resources-protected", "files"),
    ("render-web-health-check", "api"),
    ("render-web-min-instances", "api"),
    ("render-web-min-instances", "web"),
    ("no-plaintext-secrets", "rates"),
    ("no-plaintext-secrets", "release"),
    ("no-plaintext-secrets", "worker-env"),
}
# Judged on production stacks only (policies/rule_release.py, rule_render.py): the repository-built backup job, the
# web services left on Render's default shutdown delay.
PRODUCTION_FINDINGS = {("render-production-image-pinned", "backup"), ("render-web-shutdown-delay", "api"),
                       ("render-web-shutdown-delay", "web")}
DYNAMIC_RULES = {"stateful-resources-protected", "render-web-health-check", "render-web-min-instances",
                 "no-plaintext-secrets", "supabase-ssl-enforced", "supabase-network-restricted",
                 "supabase-project-secured", "render-production-image-pinned", "render-web-shutdown-delay"}


def scratch(tmp_path: Path, pulumi_env: dict, sandbox, program: str, environment: str) -> tuple[Path, dict]:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(python_project_yaml("procurement"))
    (project / "__main__.py").write_text(program)
    env = {**pulumi_env, **sandbox.env}  # the sandbox's URLs and tokens, as the environment (ESC) gives them
    run_pulumi(["stack", "init", environment], cwd=project, env=env)
    for key, value in (("environment", environment), ("ownerId", sandbox.render.owner_id),
                       ("organizationSlug", sandbox.supabase.organization_slug)):
        run_pulumi(["config", "set", f"procurement:{key}", value], cwd=project, env=env)
    return project, env


def test_good_program_goes_up_as_production_and_passes_every_rule(tmp_path, pulumi_env, sandbox):
    project, env = scratch(tmp_path, pulumi_env, sandbox, GOOD, "production")
    run = preview_with_pack(project, env, "production")
    assert run.returncode == 0, run.output
    assert run.violations == [], run.output
    # The pack did judge these resources, and each rule that concerns them passed.
    assert {"render-web-health-check", "render-web-min-instances", "render-production-image-pinned",
            "render-web-shutdown-delay", "stateful-resources-protected", "no-plaintext-secrets"} <= run.passed["api"]
    assert {"stateful-resources-protected", "no-plaintext-secrets"} <= run.passed["db"]
    assert "supabase-ssl-enforced" in run.passed["db-ssl"]
    assert "supabase-network-restricted" in run.passed["db-network"]
    assert "supabase-project-secured" in run.passed[""]  # the stack-level rule
    assert "stateful-resources-protected" in run.passed["files"]
    assert "no-plaintext-secrets" in run.passed["api-env"]

    # The update is judged too (mandatory here, as each resource registers) and reaches the sandbox.
    up_with_pack(project, env, "production")
    names = {s["name"] for s in sandbox.render.store.data["services"].values()}
    assert names == {"policy-good-api", "policy-good-web", "policy-good-files"}
    assert [p["name"] for p in sandbox.supabase.store.data["projects"].values()] == ["policy-good-db"]
    again = preview_with_pack(project, env, "production", ["--expect-no-changes"])
    assert again.returncode == 0 and again.violations == [], again.output


@pytest.mark.parametrize("environment, level, returncode_ok", [
    ("production", "mandatory", False),
    ("staging", "advisory", True),
])
def test_bad_program_reports_each_dynamic_rule(tmp_path, pulumi_env, sandbox, environment, level, returncode_ok):
    project, env = scratch(tmp_path, pulumi_env, sandbox, BAD, environment)
    run = preview_with_pack(project, env, environment)
    assert (run.returncode == 0) is returncode_ok, run.output
    expected = BAD_FINDINGS | (PRODUCTION_FINDINGS if environment == "production" else set())
    assert {(policy, resource) for policy, _, resource in run.found()} == expected, run.output
    assert {found_level for _, found_level, _ in run.found()} == {level}
    assert {policy for policy, _ in BAD_FINDINGS | PRODUCTION_FINDINGS} == DYNAMIC_RULES  # every rule fired
    # Engine secrets are not plaintext: the project's password and the env vars passed unreported.
    assert "no-plaintext-secrets" in run.passed["api-env"] and "no-plaintext-secrets" in run.passed["db"]
    # Violations name where, never the secret itself.
    for secret in ("PlainPassw0rd", "deploy-token-in-clear-text", "N0tInTheClear", "sk_live_plainStripeKeyInClear"):
        assert secret not in "".join(v.message for v in run.violations)
    if not returncode_ok:
        assert "preview failed" in run.output
    # Nothing reached the sandbox: a preview makes no API call.
    assert sandbox.render.journal.entries() == [] and sandbox.supabase.journal.entries() == []
