"""The nightly backup: present when `procurement:backup` is set; it needs the tiers its parts live in."""
from __future__ import annotations

from typing import Optional

from .fields import get
from .model import BackupConfig, Tiers
from .reader import Reader, full_key

# What each part of the backup needs: the database to dump, a Render workspace to run the job in, and the
# Cloudflare account that holds the R2 bucket.
_NEEDS = (("database", "the database it dumps"), ("backend", "the Render workspace its cron job runs in"),
          ("edge", "the Cloudflare account its R2 bucket lives in"))


def build_backup(r: Reader, tiers: Tiers) -> Optional[BackupConfig]:
    given = full_key("backup") in r.raw.values and r.raw.values[full_key("backup")] not in ("", "{}")
    raw = r.obj("backup", given)
    if not given:
        return None
    for tier, why in _NEEDS:
        if not getattr(tiers, tier):
            r.add("backup", f"needs tiers.{tier} ({why}); switch it on or remove procurement:backup")
    return BackupConfig(recipient=get(raw, "recipient"), schedule=get(raw, "schedule"),
                        retention_days=get(raw, "retentionDays"), schemas=tuple(get(raw, "schemas") or ()),
                        plan=get(raw, "plan"), repo=get(raw, "repo"), branch=get(raw, "branch"))
