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


def test_production_backup_bucket_retention_scoped_token_and_job(production):
    run = production
    bucket = run.one("cloudflare:index/r2Bucket:R2Bucket", "backup-bucket")
    assert (bucket.inputs["accountId"], bucket.inputs["name"]) == (ACCOUNT_ID, "procurement-production-db-backups")
    assert bucket.retain_on_delete is True
    (rule,) = run.one("cloudflare:index/r2BucketLifecycle:R2BucketLifecycle", "backup-retention").inputs["rules"]
    assert rule["enabled"] is True and rule["conditions"] == {"prefix": ""}
    assert rule["deleteObjectsTransition"]["condition"] == {"type": "Age", "maxAge": 35 * 86400}
    token = run.one("cloudflare:index/accountToken:AccountToken", "backup-writer")
    (policy,) = token.inputs["policies"]
    assert policy["permissionGroups"] == [{"id": R2_WRITE_GROUP}]
    assert policy["resources"] == ('{"com.cloudflare.edge.r2.bucket.' + ACCOUNT_ID +
                                   '_default_procurement-production-db-backups": "*"}')
    assert "value" in token.additional_secret_outputs

    job = run.one(R + "Service", "backup-job")
    assert {k: job.inputs[k] for k in ("service_type", "runtime", "dockerfile_path", "schedule", "start_command")} == {
        "service_type": "cron_job", "runtime": "docker", "dockerfile_path": "ops/backup/Dockerfile",
        "schedule": "30 2 * * *", "start_command": "python -m ops.backup run"}
    assert job.inputs["repo"] == "https://github.com/acme-procurement/procurement-infra"
    env = run.one(R + "EnvVars", "backup-job-env")
    variables = env.inputs["variables"]
    assert variables["BACKUP_AGE_RECIPIENT"] == config_of("production").backup.recipient
    assert variables["BACKUP_TARGET"] == "s3://procurement-production-db-backups/production"
    assert variables["BACKUP_S3_ENDPOINT"] == f"https://{ACCOUNT_ID}.r2.cloudflarestorage.com"
    assert variables["BACKUP_S3_SECRET_ACCESS_KEY"] == hashlib.sha256(BACKUP_TOKEN_VALUE.encode()).hexdigest()
    assert variables["BACKUP_DATABASE_URL"].startswith("postgresql://postgres.mockprojectrefabcdefg:")
    assert ":5432/postgres" in variables["BACKUP_DATABASE_URL"]  # the pooler's session mode
    assert any(p.startswith("variables") for p in env.secret_paths)  # secret in state


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
