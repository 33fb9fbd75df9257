"""The nightly backup and Render's notifications as the committed stacks declare them (under mocks: the R2 bucket,
its lifecycle and token are Cloudflare objects, whose plugin cannot be installed here)."""
import hashlib

import pytest

from tests.components.platform_mocks import ACCOUNT_ID, BACKUP_TOKEN_VALUE, R2_WRITE_GROUP, run_stack
from tests.components.stack_cases import config_of

R = "pulumi-python:dynamic/render:"


@pytest.fixture(scope="module")
def production():
    return run_stack("production")


def test_production_backup_bucket_lock_retention_scoped_token_and_job(production):
    run = production
    cfg = config_of("production").backup
    bucket = run.one("cloudflare:index/r2Bucket:R2Bucket", "backup-bucket")
    assert (bucket.inputs["accountId"], bucket.inputs["name"]) == (ACCOUNT_ID, "procurement-production-db-backups")
    assert bucket.retain_on_delete is True
    (rule,) = run.one("cloudflare:index/r2BucketLifecycle:R2BucketLifecycle", "backup-retention").inputs["rules"]
    assert rule["enabled"] is True and rule["conditions"] == {"prefix": ""}
    assert rule["deleteObjectsTransition"]["condition"] == {"type": "Age", "maxAge": 35 * 86400}
    # Nobody (the writer token included) deletes or overwrites a dump before the lifecycle rule deletes it.
    lock = run.one("cloudflare:index/r2BucketLock:R2BucketLock", "backup-lock")
    assert lock.inputs["accountId"] == ACCOUNT_ID and lock.inputs["bucketName"] == "procurement-production-db-backups"
    (locked,) = lock.inputs["rules"]
    assert locked == {"id": "keep-dumps", "enabled": True, "prefix": "",
                      "condition": {"type": "Age", "maxAgeSeconds": 35 * 86400}}
    token = run.one("cloudflare:index/accountToken:AccountToken", "backup-writer")
    (policy,) = token.inputs["policies"]
    assert policy["permissionGroups"] == [{"id": R2_WRITE_GROUP}]
    assert policy["resources"] == ('{"com.cloudflare.edge.r2.bucket.' + ACCOUNT_ID +
                                   '_default_procurement-production-db-backups": "*"}')
    assert "value" in token.additional_secret_outputs

    job = run.one(R + "Service", "backup-job")
    name, digest = cfg.image.split("@")
    assert {k: job.inputs.get(k) for k in ("service_type", "image", "image_digest", "auto_deploy", "schedule",
                                           "start_command", "repo", "dockerfile_path")} == {
        "service_type": "cron_job", "image": name, "image_digest": digest, "auto_deploy": False,
        "schedule": "30 2 * * *", "start_command": "python -m ops.backup run", "repo": None, "dockerfile_path": None}
    # ghcr.io is the backend's private registry: the job pulls with the backend's credential.
    assert job.inputs["registry_credential_id"] == run.one(R + "RegistryCredential", "backend-registry").id
    env = run.one(R + "EnvVars", "backup-job-env")
    variables = env.inputs["variables"]
    assert "BACKUP_AGE_RECIPIENT" not in variables
    assert variables["BACKUP_AGE_RECIPIENTS"].splitlines() == [
        f"{cfg.recipients[0].recipient} {cfg.recipients[0].holder}",
        f"{cfg.recipients[1].recipient} {cfg.recipients[1].holder} (escrow)",
        f"{cfg.recipients[2].recipient} {cfg.recipients[2].holder}"]  # the daily restore test's own key pair
    assert variables["BACKUP_TARGET"] == "s3://procurement-production-db-backups/production"
    assert variables["BACKUP_S3_ENDPOINT"] == f"https://{ACCOUNT_ID}.r2.cloudflarestorage.com"
    assert variables["BACKUP_S3_SECRET_ACCESS_KEY"] == hashlib.sha256(BACKUP_TOKEN_VALUE.encode()).hexdigest()
    # The read-only backup role, never the `postgres` superuser, through the pooler's session mode.
    assert variables["BACKUP_DATABASE_URL"].startswith("postgresql://backup_reader.mockprojectrefabcdefg:")
    assert ":5432/postgres" in variables["BACKUP_DATABASE_URL"]
    assert any(p.startswith("variables") for p in env.secret_paths)  # secret in state


def test_the_restore_tests_records_have_their_own_bucket_and_a_token_for_it_alone(production):
    bucket = production.one("cloudflare:index/r2Bucket:R2Bucket", "backup-restore-tests")
    assert (bucket.inputs["accountId"], bucket.inputs["name"]) == (ACCOUNT_ID, "procurement-production-restore-tests")
    assert bucket.retain_on_delete is True
    token = production.one("cloudflare:index/accountToken:AccountToken", "backup-restore-test-writer")
    assert token.inputs["name"] == "procurement-production-restore-test-writer"
    (policy,) = token.inputs["policies"]
    assert policy["permissionGroups"] == [{"id": R2_WRITE_GROUP}]
    assert policy["resources"] == ('{"com.cloudflare.edge.r2.bucket.' + ACCOUNT_ID +
                                   '_default_procurement-production-restore-tests": "*"}')  # not the backups
    assert "value" in token.additional_secret_outputs
    # The token reaches no Render service: it is for the restore test's ESC environment only.
    writer = production.one("cloudflare:index/accountToken:AccountToken", "backup-writer")
    assert token.id != writer.id
    assert not any(token.id in str(r.inputs) for r in production.resources if r.type.startswith(R))


def test_the_backup_role_reads_the_dumped_schemas_and_nothing_else(production):
    role = production.one("pulumi-python:dynamic/supabase:SqlRole", "database-role-backup_reader")
    assert role.inputs["name"] == "backup_reader" and role.inputs["login"] is True
    assert role.inputs["grants"] == [
        {"on": "database", "privileges": ["CONNECT"]},
        {"on": "schema", "schema": "public", "privileges": ["USAGE"]},
        {"on": "all_tables", "schema": "public", "privileges": ["SELECT"]},
        {"on": "all_sequences", "schema": "public", "privileges": ["SELECT"]}]
    password = production.one("pulumi-python:dynamic/random:RandomPassword",
                              "database-role-backup_reader-password")
    assert role.inputs["password"] == password.outputs["result"]
    staging = run_stack("staging")  # no procurement:backup: no backup role
    assert not [r for r in staging.of_type("pulumi-python:dynamic/supabase:SqlRole") if "backup" in r.name]


def test_every_render_service_has_a_failure_override_and_production_owns_the_workspace_defaults(production):
    run = production
    overrides = {o.name: o.inputs for o in run.of_type(R + "NotificationOverride")}
    services = {"api", "worker", "approval-reminders", "exchange-rates", "frontend-site", "db-backup"}
    assert set(overrides) == {f"alerting-{s}-notifications" for s in services}
    assert all(o["notifications_to_send"] == "failure" for o in overrides.values())  # the backup job's failures too
    (workspace,) = run.of_type(R + "NotificationSettings")
    assert workspace.inputs["owner_id"] == config_of("production").render.owner_id
    assert (workspace.inputs["email_enabled"], workspace.inputs["notifications_to_send"]) == (True, "failure")
    staging = run_stack("staging")
    assert staging.of_type(R + "NotificationSettings") == [] and staging.of_type("cloudflare:index/r2Bucket:R2Bucket") == []
    assert run.one("pulumi-python:dynamic/supabase:PitrAddon", "database-pitr").inputs["days"] == 7
    assert staging.of_type("pulumi-python:dynamic/supabase:PitrAddon") == []  # no pitrDays: PITR off


def test_a_metrics_stream_from_config_reads_its_token_from_the_environment():
    observability = {"uptimeTargetPercent": 99.9, "responseTimeTargetMs": 2000,
                     "metricsStreamUrl": "https://otel.acme-procurement.com/v1/metrics"}
    run = run_stack("staging", overrides={"procurement:observability": observability})
    stream = run.one(R + "MetricsStream", "alerting-metrics-stream")
    assert stream.inputs["url"] == "https://otel.acme-procurement.com/v1/metrics"
    assert stream.inputs["token_env"] == "RENDER_METRICS_STREAM_TOKEN" and stream.inputs["provider"] == "CUSTOM"
