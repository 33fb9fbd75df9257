"""The nightly off-platform backup: a Render cron job dumps the database into an R2 bucket, encrypted.

Children (bucket, lock, lifecycle, writer token, restore-test bucket and token, the job, its env and CA file) and
their verification status: components/README.md, "backups.py"; why a Render cron job and what the job may do:
docs/how-to/operations.md, "The nightly backup".
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_cloudflare as cloudflare
from pulumi import Input, Output, ResourceOptions

from components import naming
from components.observability import zone_account_id
from components.config import BackupConfig, Registry, RenderConfig, formats
from dynamic_providers import render

COMMAND = "python -m ops.backup run"
# Cloudflare's permission groups for R2 objects, looked up by name (their ids are Cloudflare's).
R2_WRITE = "Workers R2 Storage Bucket Item Write"
R2_SCOPE = "com.cloudflare.edge.r2.bucket"
MULTIPART_ABORT_SECONDS = 86400


@dataclass(frozen=True, kw_only=True)
class DatabaseBackupArgs:
    config: BackupConfig
    """`procurement:backup`: recipients, image, schedule, retention, schemas, plan."""

    render: RenderConfig
    """Render workspace and region of the cron job."""

    stack: str
    """Stack name, for physical names (`procurement-<stack>-db-backups`)."""

    zone_id: str
    """Cloudflare zone (`edge.zoneId`): the bucket lives in the account that owns it."""

    database_url: Input[str]
    """Secret: URL pg_dump connects with (the database tier's read-only `backup_url`)."""

    registry: Optional[Registry] = None
    """The backend images' registry (`procurement:images`): when `backup.image` is in it and it is private, the
    job pulls with the backend's credential."""

    registry_credential_id: Optional[Input[str]] = None
    """Render id of that registry credential (the backend tier's)."""

    dump_files: Mapping[str, str] = field(default_factory=dict)
    """Secret files `database_url` needs beside it (the database tier's `client_files`: its CA certificate)."""


class DatabaseBackup(pulumi.ComponentResource):
    """Bucket, retention, scoped credentials and the nightly job (``procurement:backup:DatabaseBackup``)."""

    bucket_name: str
    """The R2 bucket dumps go to."""
    job_id: Output[str]
    """Render id of the backup cron job (its notification override alerts on a failed run)."""

    def __init__(self, name: str, args: DatabaseBackupArgs, opts: Optional[ResourceOptions] = None) -> None:
        super().__init__("procurement:backup:DatabaseBackup", name, None, opts)
        cfg = args.config
        child = ResourceOptions(parent=self)
        account_id = zone_account_id(args.zone_id, self)
        bucket_name = naming.physical_name(args.stack, "db-backups")
        bucket = cloudflare.R2Bucket(f"{name}-bucket", account_id=account_id, name=bucket_name,
                                     # The bucket outlives a mistaken removal from the program: backups are kept.
                                     opts=ResourceOptions(parent=self, retain_on_delete=True))
        retention_seconds = cfg.retention_days * 86400
        # The lock and the lifecycle rule use the same age: an object cannot be deleted (by anyone) or
        # overwritten before it, and is deleted when it is reached.
        cloudflare.R2BucketLock(
            f"{name}-lock", account_id=account_id, bucket_name=bucket.name,
            rules=[cloudflare.R2BucketLockRuleArgs(
                id="keep-dumps", enabled=True, prefix="",
                condition=cloudflare.R2BucketLockRuleConditionArgs(type="Age", max_age_seconds=retention_seconds))],
            opts=child)
        cloudflare.R2BucketLifecycle(
            f"{name}-retention", account_id=account_id, bucket_name=bucket.name,
            rules=[cloudflare.R2BucketLifecycleRuleArgs(
                id="expire-dumps", enabled=True, conditions=cloudflare.R2BucketLifecycleRuleConditionsArgs(prefix=""),
                delete_objects_transition=cloudflare.R2BucketLifecycleRuleDeleteObjectsTransitionArgs(
                    condition=cloudflare.R2BucketLifecycleRuleDeleteObjectsTransitionConditionArgs(
                        type="Age", max_age=retention_seconds)),
                abort_multipart_uploads_transition=cloudflare.R2BucketLifecycleRuleAbortMultipartUploadsTransitionArgs(
                    condition=cloudflare.R2BucketLifecycleRuleAbortMultipartUploadsTransitionConditionArgs(
                        type="Age", max_age=MULTIPART_ABORT_SECONDS)))],
            opts=child)

        groups = cloudflare.get_account_api_token_permission_groups_list_output(
            account_id=account_id, name=R2_WRITE, scope=R2_SCOPE, opts=pulumi.InvokeOutputOptions(parent=self))
        token = _bucket_writer(f"{name}-writer", naming.physical_name(args.stack, "db-backup-writer"), account_id,
                               bucket, groups, self)

        # The restore test's records (ops/readings/restore_tests.py): a bucket of their own, since the restore
        # test may only read the backups; its token writes this bucket only and lives in the restore test's ESC
        # environment alone (esc/procurement-restore-test.yaml); status and report read it with read access.
        records = cloudflare.R2Bucket(f"{name}-restore-tests", account_id=account_id,
                                      name=naming.physical_name(args.stack, "restore-tests"),
                                      opts=ResourceOptions(parent=self, retain_on_delete=True))
        _bucket_writer(f"{name}-restore-test-writer", naming.physical_name(args.stack, "restore-test-writer"),
                       account_id, records, groups, self)

        image_name, digest = cfg.image.split("@", 1)
        same_registry = args.registry is not None and args.registry.private and \
            formats.digest_image_name(cfg.image).split("/", 1)[0] == args.registry.host
        job = render.Service(
            f"{name}-job", name=naming.physical_name(args.stack, "db-backup", naming.RENDER_SERVICE),
            owner_id=args.render.owner_id, service_type="cron_job", region=args.render.region, plan=cfg.plan,
            image=image_name, image_digest=digest, auto_deploy=False, start_command=COMMAND, schedule=cfg.schedule,
            **({"registry_credential_id": args.registry_credential_id}
               if same_registry and args.registry_credential_id is not None else {}),
            opts=child)
        render.EnvVars(f"{name}-job-env", service_id=job.id, variables={
            "BACKUP_DATABASE_URL": Output.secret(args.database_url),
            "BACKUP_TARGET": Output.concat("s3://", bucket.name, "/", args.stack),
            "BACKUP_S3_ENDPOINT": Output.concat("https://", account_id, ".r2.cloudflarestorage.com"),
            "BACKUP_S3_ACCESS_KEY_ID": token.id,
            "BACKUP_S3_SECRET_ACCESS_KEY": Output.secret(token.value.apply(_s3_secret)),
            "BACKUP_AGE_RECIPIENTS": recipients_variable(cfg),
            "BACKUP_SCHEMAS": ",".join(cfg.schemas),
        }, opts=child)
        if args.dump_files:  # where database_url's sslrootcert points (verify-full: components/database.py)
            render.SecretFiles(f"{name}-job-files", service_id=job.id, files=dict(args.dump_files), opts=child)

        self.bucket_name = bucket_name
        self.job_id = job.id
        self.register_outputs({"bucket_name": self.bucket_name, "job_id": self.job_id})


def _bucket_writer(resource_name: str, token_name: str, account_id: Input[str], bucket: cloudflare.R2Bucket,
                   groups, parent: pulumi.Resource) -> cloudflare.AccountToken:
    """A token that may read and write the objects of one bucket only."""
    return cloudflare.AccountToken(
        resource_name, account_id=account_id, name=token_name,
        policies=[cloudflare.AccountTokenPolicyArgs(
            effect="allow",
            permission_groups=[cloudflare.AccountTokenPolicyPermissionGroupArgs(id=groups.apply(_group_id))],
            resources=Output.all(account_id, bucket.name).apply(
                lambda v: json.dumps({f"{R2_SCOPE}.{v[0]}_default_{v[1]}": "*"})))],
        opts=ResourceOptions(parent=parent, additional_secret_outputs=["value"]))


def recipients_variable(cfg: BackupConfig) -> str:
    """BACKUP_AGE_RECIPIENTS: one `<age1...> <holder>` line per recipient (ops/backup reads it)."""
    return "\n".join(f"{item.recipient} {item.holder}{' (escrow)' if item.escrow else ''}"
                     for item in cfg.recipients)


def _group_id(result) -> str:
    groups = getattr(result, "results", None) or []
    first = groups[0] if groups else None
    group_id = first.get("id") if isinstance(first, dict) else getattr(first, "id", None)
    if not group_id:
        raise ValueError(f"backup: Cloudflare lists no permission group '{R2_WRITE}' for {R2_SCOPE}; check the "
                         "token's 'API Tokens Read' permission")
    return group_id


def _s3_secret(token_value: Optional[str]) -> Optional[str]:
    """R2's S3 secret access key of an API token: the SHA-256 of the token value (R2 "Authentication" docs)."""
    return hashlib.sha256(token_value.encode()).hexdigest() if token_value else None
