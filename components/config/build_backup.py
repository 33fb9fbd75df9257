"""The nightly backup: present when `procurement:backup` is set; it needs the tiers its parts live in."""
from __future__ import annotations

from typing import Optional

from .model import BackupConfig, BackupRecipient, DatabaseConfig, Tiers
from .reader import Reader, full_key

# What each part of the backup needs: the database to dump, a Render workspace to run the job in, and the
# Cloudflare account that holds the R2 bucket.
_NEEDS = (("database", "the database it dumps"), ("backend", "the Render workspace its cron job runs in"),
          ("edge", "the Cloudflare account its R2 bucket lives in"))
# The database role the backup job logs in as (components/database.py declares it with the backup).
BACKUP_ROLE = "backup_reader"
# Valid age recipients that earlier versions of the stack files carried as placeholders: nobody holds their
# identities, so a dump encrypted to them is lost. Refused by name so a copy-paste cannot bring one back.
RETIRED_PLACEHOLDERS = frozenset({"age1027999edr98dd2n3vxlqdc0lu86r4cs5c90gr0ggptpmrgt9la8qelxapw"})


def backup_given(r: Reader) -> bool:
    """Whether the stack sets `procurement:backup` (then the backup exists and its required fields apply)."""
    return r.raw.values.get(full_key("backup")) not in (None, "", "{}")


def check_backup(r: Reader, raw: Optional[dict], backup: BackupConfig, tiers: Tiers, environment: Optional[str],
                 database: Optional[DatabaseConfig]) -> None:
    for tier, why in _NEEDS:
        if not getattr(tiers, tier):
            r.add("backup", f"needs tiers.{tier} ({why}); switch it on or remove procurement:backup")
    if database is not None and any(role.name == BACKUP_ROLE for role in database.roles):
        r.add("database.roles", f"'{BACKUP_ROLE}' is the backup job's own role (declared with procurement:backup); "
              "give the service's role another name")
    _check_recipients(r, backup.recipients, environment == "production")


def _check_recipients(r: Reader, recipients: tuple[BackupRecipient, ...], production: bool) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(recipients):
        if item.recipient in RETIRED_PLACEHOLDERS:
            r.add(f"backup.recipients[{i}].recipient", "is the placeholder an earlier stack file carried: nobody holds "
                  "its identity. Generate a key pair with `age-keygen -o key.txt` (docs/how-to/operations.md \"Backup keys\")")
        if item.recipient in seen:
            r.add(f"backup.recipients[{i}].recipient", f"is the same key as recipients[{seen[item.recipient]}]: each "
                  "entry is a separate key pair, so that losing one identity loses no backup")
        elif item.recipient:
            seen[item.recipient] = i
    if not production or r.reported_under("backup"):
        return
    # Production's dumps must survive the loss (or compromise of the ESC copy) of one identity.
    if len(seen) < 2:
        r.add("backup.recipients", "production needs at least two recipients with distinct key pairs (one the "
              "on-call's, in the break-glass ESC environment; one an offline escrow): losing one identity then loses "
              "no backup")
    elif not any(item.escrow for item in recipients):
        r.add("backup.recipients", "production needs one recipient with `escrow: true`: a key pair whose identity "
              "is kept offline (printed, in a safe), so a lost or leaked ESC environment is not the only copy")
    elif all(item.escrow for item in recipients):
        r.add("backup.recipients", "production needs one recipient without escrow: the identity the on-call "
              "restores with (ESC procurement/break-glass)")
