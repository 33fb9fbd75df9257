"""The delivery workflows: actionlint, and the properties the delivery design depends on.

actionlint (tools/scripts/lint-workflows.sh, built from the Go module proxy) checks syntax, expressions,
contexts, needs, matrices and script injection. The tests below check what no linter knows: the
check names the main ruleset requires, least permissions, SHA-pinned actions, OIDC team tokens
instead of a stored Pulumi token (each admitted by esc/pulumi-cloud-access.yaml for exactly that
job), the engine's CLI version, the policy pack in every preview and update, one update per stack
at a time with no read-only job waiting behind an approval, promotion only through the reviewed
`production` environment and of exactly the digest its preview resolved, a validated staging
dispatch, and the pip and engine caches.
"""
from __future__ import annotations

import re
import shutil
import subprocess

import yaml

from tools.engine.testing import read_versions
from tests.workflows import trust
from tests.workflows.workflow_files import (
    PULUMI_ACTION, ROOT, WORKFLOWS, job_names, load, matrix_rows, steps, workflows,
)

ORG_STACK = re.compile(r"^acme-procurement/procurement/(staging|production)$")
# Inputs of pulumi/actions v7.0.0 (its action.yml at commit 8e5e406f): a misspelt input is
# silently ignored by GitHub, so an unknown one here is a bug.
PULUMI_ACTION_INPUTS = {
    "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr",
    "comment-on-pr-number", "comment-on-summary", "github-token", "cloud-url", "secrets-provider", "parallel",
    "message", "config-map", "expect-no-changes", "diff", "replace", "exclude", "exclude-dependents", "target",
    "target-dependents", "policyPacks", "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment",
    "color", "exclude-protected", "plan", "suppress-outputs", "suppress-progress", "always-include-summary",
    "continue-on-error", "log-verbosity", "log-flow", "debug",
}
# What a job may be granted beyond `contents: read`, and why.
WIDER_PERMISSIONS = {
    ("id-token", "write"),  # OIDC exchange for a short-lived Pulumi Cloud token
    ("pull-requests", "write"),  # the preview comment
    ("issues", "write"),  # the drift report
    ("packages", "write"),  # staging pushes the backend image to ghcr.io with the run's GITHUB_TOKEN
    ("packages", "read"),  # the promotion's image scan pulls the image it judges
    ("pull-requests", "read"),  # the review sweep lists the open pull requests
}
REVIEW_COMMENT = "tools/scripts/review-comment.sh"  # the review stack's own PR comment
ACCESS = yaml.safe_load((ROOT / "esc" / "pulumi-cloud-access.yaml").read_text())


def actionlint():
    done = subprocess.run(["bash", str(ROOT / "tools" / "scripts" / "install-actionlint.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_workflows_pass_actionlint():
    done = subprocess.run(["bash", str(ROOT / "tools" / "scripts" / "lint-workflows.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_rejects_a_broken_workflow(tmp_path):
    # The lint can fail: an unknown context and a job that needs a missing job are errors.
    broken = (WORKFLOWS / "deploy-staging.yml").read_text()
    broken = broken.replace("needs:", "needs_:").replace("environment: staging",
                                                        "environment: ${{ matrix.nothing }}\n    needs: nowhere")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "broken.yml").write_text(broken)
    done = subprocess.run([actionlint(), "-shellcheck=", "-pyflakes=", "-no-color", "-oneline",
                           ".github/workflows/broken.yml"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[job-needs]" in done.stdout and "property \"nothing\" is not defined" in done.stdout


def test_pull_request_jobs_are_the_required_status_checks():
    production = yaml.safe_load((ROOT / "Pulumi.production.yaml").read_text())["config"]
    infra = next(r for r in production["procurement:sourceControl"]["repositories"] if r["role"] == "infrastructure")
    required = set(infra["requiredChecks"])
    assert required == {"test", "preview (staging)", "preview (production)"}
    pr_names = set()
    for doc in workflows().values():
        if "pull_request" in doc["on"]:
            pr_names |= job_names(doc)
    assert required <= pr_names, f"required checks without a job: {required - pr_names}"


def test_permissions_are_least_privilege():
    for name, doc in workflows().items():
        assert doc.get("permissions") == {"contents": "read"}, name
        for job_id, job in doc["jobs"].items():
            granted = job.get("permissions", doc["permissions"])
            assert granted.get("contents") == "read", (name, job_id)
            extra = {k: v for k, v in granted.items() if k != "contents"}
            for scope, level in extra.items():
                assert (scope, level) in WIDER_PERMISSIONS, (name, job_id, scope, level)
            actions = {s.action for s in steps({name: doc}) if s.job == job_id}
            runs_pulumi = PULUMI_ACTION in actions
            assert ("id-token" in extra) == runs_pulumi, (name, job_id)
            job_steps = [s for s in steps({name: doc}) if s.job == job_id]
            if extra.get("pull-requests") == "write":
                assert any(s.inputs.get("comment-on-pr") or REVIEW_COMMENT in (s.data.get("run") or "")
                           for s in job_steps), (name, job_id)
            if extra.get("pull-requests") == "read":
                assert any("gh pr list" in (s.data.get("run") or "") for s in job_steps), (name, job_id)
            if "issues" in extra:
                assert "actions/github-script" in actions
            if extra.get("packages") == "write":
                assert "docker/login-action" in actions
            if extra.get("packages") == "read":
                assert any("tools/scripts/image-scan.sh" in (s.data.get("run") or "") for s in steps({name: doc})
                           if s.job == job_id)


def test_every_action_is_pinned_to_a_commit_with_its_release_named():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for line in path.read_text().splitlines():
            if "uses:" in line:
                assert re.search(r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), (path.name, line)


# The Pulumi Cloud team each job's OIDC token is for, per matrix stack (esc/pulumi-cloud-access.yaml grants each).
JOB_TEAMS = {
    ("pull-request.yml", "preview", "staging"): "procurement-preview-staging",
    ("pull-request.yml", "preview", "production"): "procurement-preview-production",
    ("promote-production.yml", "preview", None): "procurement-promotion-preview",
    ("promote-production.yml", "up", None): "procurement-production",
    ("deploy-staging.yml", "up", None): "procurement-staging",
    ("drift.yml", "drift", "staging"): "procurement-drift",
    ("drift.yml", "drift", "production"): "procurement-drift",
    ("backup-check.yml", "check", None): "procurement-backup-check",
    ("restore-test.yml", "restore-test", None): "procurement-restore-test",
    ("weekly-report.yml", "report", None): "procurement-report",
    ("review-stack.yml", "up", None): "procurement-review",
    ("review-stack.yml", "down", None): "procurement-review-teardown",
    ("review-sweep.yml", "sweep", None): "procurement-review-teardown",
}


def test_no_stored_pulumi_token_and_a_team_token_by_oidc_before_every_pulumi_step():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        text = path.read_text()
        assert "PULUMI_ACCESS_TOKEN" not in text and "PULUMI_CONFIG_PASSPHRASE" not in text, path.name
        assert set(re.findall(r"secrets\.(\w+)", text)) <= {"CROSS_REPO_READ_TOKEN"}, path.name
    seen = set()
    for name, doc in workflows().items():
        for job_id, job in doc["jobs"].items():
            actions = [s.get("uses", "").split("@")[0] for s in job.get("steps", [])]
            if PULUMI_ACTION not in actions:
                continue
            assert "pulumi/auth-actions" in actions, (name, job_id)
            assert actions.index("pulumi/auth-actions") < actions.index(PULUMI_ACTION), (name, job_id)
            auth = next(s for s in job["steps"] if s.get("uses", "").startswith("pulumi/auth-actions@"))
            assert {k: v for k, v in auth["with"].items() if k != "scope"} == {
                "organization": "acme-procurement", "requested-token-type": "urn:pulumi:token-type:access_token:team"}
            for row in matrix_rows(job):
                key = (name, job_id, row.get("stack"))
                assert trust.requested_team(job, row) == JOB_TEAMS[key], key
                # The issuer's policy admits exactly this job's claims for this team.
                claims = trust.claims(name, doc, job, row)
                admitted = [p for p in ACCESS["policies"] if p["decision"] == "allow" and p["tokenType"] == "team"
                            and p["teamName"] == JOB_TEAMS[key]
                            and all(claims.get(k) == v for k, v in p["rules"].items())]
                assert admitted, (key, claims)
                seen.add(key)
    assert seen == set(JOB_TEAMS)


def test_only_the_approved_production_job_can_get_production_write_credentials():
    teams = ACCESS["teams"]
    writers = {team for team, grants in teams.items() if "write" in grants["stacks"].values()}
    for policy in ACCESS["policies"]:
        if policy["teamName"] in writers:
            # Write tokens only inside a GitHub environment deployable from main only.
            assert ":environment:" in policy["rules"]["sub"] and "job_workflow_ref" in policy["rules"], policy
            assert trust.presented_by(policy["rules"]) == trust.MAIN_ONLY, policy
    assert teams["procurement-production"]["stacks"] == {"procurement/production": "write"}
    # Pull-request previews open no environment holding a vendor credential, and read one stack each.
    for stack in ("staging", "production"):
        team = teams[f"procurement-preview-{stack}"]
        assert team == {"stacks": {f"procurement/{stack}": "read"}, "environments": {"procurement/preview": "open"}}
    preview_env = yaml.safe_load((ROOT / "esc" / "procurement-preview.yaml").read_text())["values"]
    assert set(preview_env["environmentVariables"]) == {"CLOUDFLARE_API_TOKEN", "GITHUB_TOKEN"}
    assert preview_env["github"]["fn::open::gh-login"]["permissions"] == {"metadata": "read", "members": "read"}


def test_pulumi_steps_use_the_engine_version_the_policy_pack_and_known_inputs():
    cli = read_versions()["PULUMI_CLI_VERSION"]
    docs = workflows()
    pulumi_steps = [s for s in steps(docs) if s.action == PULUMI_ACTION]
    assert pulumi_steps
    for step in pulumi_steps:
        where = (step.workflow, step.job, step.index)
        assert set(step.inputs) <= PULUMI_ACTION_INPUTS, (where, set(step.inputs) - PULUMI_ACTION_INPUTS)
        assert str(step.inputs["pulumi-version"]) == cli, where
        if "command" in step.inputs:
            assert step.inputs["command"] in ("preview", "up"), where
            assert step.inputs["policyPacks"] == "policies", where
            assert step.inputs["work-dir"] == "procurement-infra", where
            for row in matrix_rows(docs[step.workflow]["jobs"][step.job]):
                stack = step.inputs["stack-name"].replace("${{ matrix.stack }}", str(row.get("stack")))
                assert ORG_STACK.match(stack), (where, stack)
                assert (ROOT / f"Pulumi.{stack.rsplit('/', 1)[1]}.yaml").exists()


def concurrency_groups(doc: dict, job: dict) -> set[str]:
    concurrency = job.get("concurrency") or doc.get("concurrency")
    if not concurrency:
        return set()
    stacks = {row.get("stack") for row in matrix_rows(job)} - {None}
    return {concurrency["group"].replace("${{ matrix.stack }}", str(s)) for s in stacks} or {concurrency["group"]}


def test_updates_are_serialized_per_stack_and_never_cancelled():
    docs = workflows()
    for name, doc in docs.items():
        for job_id, job in doc["jobs"].items():
            commands = {s.inputs.get("command") for s in steps({name: doc}) if s.job == job_id
                        and s.action == PULUMI_ACTION}
            refreshes = any(str(s.inputs.get("refresh")).lower() == "true" for s in steps({name: doc})
                            if s.job == job_id and s.action == PULUMI_ACTION)
            if "up" not in commands and not refreshes:
                continue
            concurrency = job.get("concurrency") or doc.get("concurrency")
            assert concurrency and concurrency["cancel-in-progress"] is False, (name, job_id)
            groups = concurrency_groups(doc, job)
            if "up" in commands:
                assert groups <= {"pulumi-staging", "pulumi-production"}, (name, job_id, groups)
            else:  # the read-only drift check: one at a time per stack, in a group of its own
                assert groups <= {"drift-staging", "drift-production"}, (name, job_id, groups)


def test_no_read_only_job_waits_behind_an_approval():
    # GitHub holds a concurrency group for a job from when it is queued until it ends, including the
    # hours it may wait for an environment's reviewers; a group keeps one running and one pending
    # job, and a newer pending one cancels the older. So a job that waits for approval (an
    # `environment:` with reviewers: production) must not share its group with anything that only
    # reads (previews, the drift check), and the group it holds must be its own job's, not its workflow's.
    docs = workflows()
    approvals, readers = {}, {}
    for name, doc in docs.items():
        for job_id, job in doc["jobs"].items():
            commands = {s.inputs.get("command") for s in steps({name: doc}) if s.job == job_id
                        and s.action == PULUMI_ACTION}
            groups = concurrency_groups(doc, job)
            if job.get("environment") == "production":
                assert job.get("concurrency") and not doc.get("concurrency"), (name, job_id)
                approvals[(name, job_id)] = groups
            elif commands == {"preview"}:
                readers[(name, job_id)] = groups
    assert approvals and readers
    for waiting, held in approvals.items():
        for reader, groups in readers.items():
            assert not held & groups, (waiting, reader, held & groups)


def test_promotion_deploys_exactly_the_digest_its_preview_resolved():
    doc = load(WORKFLOWS / "promote-production.yml")
    preview, up = doc["jobs"]["preview"], doc["jobs"]["up"]
    named = {s.get("id"): s for s in preview["steps"] if s.get("id")}
    resolve = named["digest"]
    assert resolve["run"] == 'bash tools/scripts/image-digest.sh --pin "$ROLLBACK_DIGEST" --from-stack "$SOURCE_STACK"'
    assert resolve["env"] == {"ROLLBACK_DIGEST": "${{ inputs.backend_image_digest }}",
                              "SOURCE_STACK": "acme-procurement/procurement/staging"}
    assert preview["outputs"] == {"digest": "${{ steps.digest.outputs.digest }}"}
    assert up["needs"] == "preview"
    pin = 'pulumi config set procurement:backendImageDigest "$BACKEND_IMAGE_DIGEST" --stack "$STACK"'
    for job, source in ((preview, "${{ steps.digest.outputs.digest }}"), (up, "${{ needs.preview.outputs.digest }}")):
        order = [s.get("run") or s.get("with", {}).get("command") for s in job["steps"]]
        pins = [s for s in job["steps"] if s.get("run") == pin]
        assert len(pins) == 1 and "if" not in pins[0] and pins[0]["env"] == {"BACKEND_IMAGE_DIGEST": source}
        pulumi_step = next(c for c in order if c in ("preview", "up"))
        assert order.index(pin) < order.index(pulumi_step)  # pinned before the preview / the update
    # The up job reads staging nowhere: no second resolution, no stack output.
    assert not [s for s in up["steps"] if "image-digest" in (s.get("run") or "") or "stack output" in
                (s.get("run") or "")]
    assert doc["env"] == {"STACK": "acme-procurement/procurement/production"}


def test_staging_takes_a_dispatched_digest_only_after_validating_it():
    doc = load(WORKFLOWS / "deploy-staging.yml")
    assert doc["on"]["repository_dispatch"] == {"types": ["backend-image"]}
    assert "backend_image_digest" in doc["on"]["workflow_dispatch"]["inputs"]
    job = doc["jobs"]["up"]
    assert job["env"]["DISPATCHED_DIGEST"] == \
        "${{ github.event.client_payload.image_digest || inputs.backend_image_digest }}"
    named = {s.get("id"): s for s in job["steps"] if s.get("id")}
    assert named["digest"]["run"] == 'bash tools/scripts/image-digest.sh --pin "$DISPATCHED_DIGEST"'
    pin = next(s for s in job["steps"] if "config set" in (s.get("run") or ""))
    assert pin["env"]["BACKEND_IMAGE_DIGEST"] == "${{ steps.digest.outputs.digest }}"  # the validated value
    assert pin["if"] == named["digest"]["if"] == "env.DISPATCHED_DIGEST != ''"
    # A dispatched run builds nothing: no backend checkout, no registry login.
    for step in job["steps"]:
        if step.get("uses", "").startswith(("docker/login-action@", "actions/checkout@")) and \
                step.get("with", {}).get("repository") != "acme-procurement/procurement-infra" and \
                step.get("with", {}).get("path") != "procurement-infra":
            assert step["if"] == "env.DISPATCHED_DIGEST == ''", step


def test_ci_caches_pip_on_the_lock_and_the_engine_on_its_sources():
    for step in steps():
        if step.action == "actions/setup-python":
            assert step.inputs["cache"] == "pip", (step.workflow, step.job)
            assert step.inputs["cache-dependency-path"] == "procurement-infra/requirements-dev.txt"
    test_job = load(WORKFLOWS / "pull-request.yml")["jobs"]["test"]
    cache = next(s for s in test_job["steps"] if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "~/.cache/procurement-infra/engine"  # tools/scripts/install-engine.sh's default
    for source in ("tools/scripts/engine-versions.env", "tools/scripts/install-engine.sh", "tools/engine/**"):
        assert f"'procurement-infra/{source}'" in cache["with"]["key"]
    install = (ROOT / "tools" / "scripts" / "install-engine.sh").read_text()
    assert "${XDG_CACHE_HOME:-$HOME/.cache}/procurement-infra/engine" in install
    order = [s.get("uses", "").split("@")[0] or s.get("run") for s in test_job["steps"]]
    assert order.index("actions/cache") < order.index("bash .ci/run")


def test_merge_to_main_updates_staging_only():
    doc = load(WORKFLOWS / "deploy-staging.yml")
    # A merge, or the backend pipeline's dispatch (repository_dispatch only runs on the default branch).
    assert doc["on"]["push"] == {"branches": ["main"]} and set(doc["on"]) == {"push", "repository_dispatch",
                                                                             "workflow_dispatch"}
    ups = [s for s in steps({"deploy-staging.yml": doc}) if s.inputs.get("command") == "up"]
    assert [s.inputs["stack-name"] for s in ups] == ["acme-procurement/procurement/staging"]


def test_production_is_only_updated_by_the_reviewed_promotion_from_main():
    docs = workflows()
    for name, doc in docs.items():
        for step in steps({name: doc}):
            if step.inputs.get("command") == "up" and step.inputs["stack-name"].endswith("/production"):
                assert name == "promote-production.yml"
                job = doc["jobs"][step.job]
                # Required reviewers live on the `production` environment (source-control tier);
                # its deployment policy accepts main only, hence a manual trigger and no tag trigger.
                assert job["environment"] == "production"
                assert job["needs"] == "preview"
                assert doc["on"].keys() == {"workflow_dispatch"}
                assert doc["jobs"]["preview"]["if"] == "github.ref == 'refs/heads/main'"
    promotion = load(WORKFLOWS / "promote-production.yml")
    preview = [s for s in steps({"p": promotion}) if s.inputs.get("command") == "preview"]
    assert [s.inputs["stack-name"] for s in preview] == ["acme-procurement/procurement/production"]


def test_drift_runs_daily_per_stack_and_reports_failures():
    doc = load(WORKFLOWS / "drift.yml")
    assert "schedule" in doc["on"] and "workflow_dispatch" in doc["on"]
    job = doc["jobs"]["drift"]
    assert [row["stack"] for row in matrix_rows(job)] == ["staging", "production"]
    assert job["strategy"]["fail-fast"] is False
    check = next(s for s in job["steps"] if s.get("id") == "drift")
    assert check["with"]["refresh"] is True and check["with"]["expect-no-changes"] is True
    report = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/github-script@"))
    assert report["if"] == "failure() && steps.drift.outcome == 'failure'"
    assert "issues.create" in report["with"]["script"] and "labels" in report["with"]["script"]


def test_user_input_reaches_scripts_only_through_the_environment():
    # `${{ inputs.* }}` inside `run:` would be a script injection; the digest goes through env.
    for step in steps():
        assert "${{" not in (step.data.get("run") or ""), (step.workflow, step.job, step.index)


def test_shell_steps_are_valid_bash():
    bash = shutil.which("bash")
    for step in steps():
        if step.data.get("run"):
            done = subprocess.run([bash, "-n"], input=step.data["run"], capture_output=True, text=True)
            assert done.returncode == 0, (step.workflow, step.job, done.stderr)
