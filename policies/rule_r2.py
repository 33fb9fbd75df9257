"""R2 buckets stay private: the platform's buckets hold database backups and the restore test's records, which
nobody fetches over HTTP.

A bucket is public when its r2.dev URL is on (`cloudflare:index/r2ManagedDomain:R2ManagedDomain`
with `enabled` true) or when it is served on a host name of a zone
(`cloudflare:index/r2CustomDomain:R2CustomDomain`, enabled unless `enabled` is false). Either one,
declared by any stack, is a violation; reading a backup goes through the S3 API with a scoped token
(components/backups.py, docs/how-to/operations.md).
"""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from .inputs import UNKNOWN, lookup, plain
from .tokens import CLOUDFLARE_R2_CUSTOM_DOMAIN, CLOUDFLARE_R2_MANAGED_DOMAIN

NAME = "r2-buckets-private"
DESCRIPTION = ("No R2 bucket is publicly readable: no r2.dev access (R2ManagedDomain enabled) and no custom "
               "domain (R2CustomDomain).")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in (CLOUDFLARE_R2_MANAGED_DOMAIN, CLOUDFLARE_R2_CUSTOM_DOMAIN):
        return
    props = plain(args.props)
    enabled, bucket = lookup(props, "enabled"), lookup(props, "bucketName")
    bucket = bucket if isinstance(bucket, str) else "its bucket"
    if args.resource_type == CLOUDFLARE_R2_MANAGED_DOMAIN and enabled is True:
        report_violation(f"'{args.name}' turns on public r2.dev access to {bucket}; backups must not be readable "
                         f"without credentials (declare enabled=False, or no R2ManagedDomain).")
    elif args.resource_type == CLOUDFLARE_R2_CUSTOM_DOMAIN and enabled is not False and enabled is not UNKNOWN:
        domain = lookup(props, "domain")
        report_violation(f"'{args.name}' serves {bucket} publicly on {domain if isinstance(domain, str) else 'a custom domain'}; "
                         f"backups must not be readable without credentials (remove the R2CustomDomain).")
