"""The off-platform backups (ops/backup): the times of the snapshots whose manifest exists in the backup target
(a manifest is written last, so a failed run leaves none). One listing of the target; reads only."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from ops.backup.targets import Target

MANIFEST = re.compile(r"^(\d{8}T\d{6}Z)\.json$")  # <stamp>.json at the top (ops/backup/run.py), not in folders
STAMP = "%Y%m%dT%H%M%SZ"


def backups_taken(target: Target) -> list[datetime]:
    """Snapshot times (a manifest's name is the snapshot's UTC stamp), oldest first."""
    return sorted(datetime.strptime(m.group(1), STAMP).replace(tzinfo=timezone.utc)
                  for m in map(MANIFEST.match, target.keys()) if m)
