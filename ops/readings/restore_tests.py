"""The restore test's results: ``restore-tests/<stamp>.json``, one per run (ops/restore_test.py writes them).

Where: RESTORE_TEST_RECORD_TARGET, with its own S3 credentials (RESTORE_TEST_RECORD_S3_ACCESS_KEY_ID, ...): in
production the small R2 bucket `procurement-<stack>-restore-tests` (components/backups.py), because the restore
test may only read the backups. Without it, next to the backups (BACKUP_TARGET, a folder of its own, so the
backups' top-level ``<stamp>.json`` listing never sees them): the local platform, a file:// target.
`python -m ops.status` shows the newest; `python -m ops.report` times the newest in its window. Both only read.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Mapping, Optional

from ops.backup.targets import BACKUP_CREDENTIALS, Target, open_target

FOLDER = "restore-tests"
RECORD_TARGET_ENV = "RESTORE_TEST_RECORD_TARGET"  # where the records are, when not next to the backups
RECORD_CREDENTIALS = "RESTORE_TEST_RECORD_S3"  # that bucket's S3 variables (ops/backup/targets.S3Target)
NOWHERE = (f"neither {RECORD_TARGET_ENV} nor BACKUP_TARGET is set: the restore test's records are in the first "
           "(production: the restore-tests bucket) or next to the backups")


def record_key(stamp: str) -> str:
    return f"{FOLDER}/{stamp}.json"


def open_records(env: Mapping[str, str] = os.environ, backup_target: Optional[str] = None) -> Optional[Target]:
    """The records' place (None when neither variable names one): RESTORE_TEST_RECORD_TARGET with its own
    credentials, else the backup target with the backups'."""
    if env.get(RECORD_TARGET_ENV):
        return open_target(env[RECORD_TARGET_ENV], RECORD_CREDENTIALS)
    where = backup_target or env.get("BACKUP_TARGET")
    return open_target(where, BACKUP_CREDENTIALS) if where else None


def write(target: Target, stamp: str, record: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "record.json"
        path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        target.put(record_key(stamp), path, {"kind": "restore-test"})


def _keys(target: Target, since_stamp: str = "") -> list[str]:
    """The records' keys, oldest first (a key's stamp sorts by time), from ``since_stamp`` on."""
    return sorted(k for k in target.keys() if k.startswith(f"{FOLDER}/") and k.endswith(".json")
                  and k >= record_key(since_stamp).removesuffix(".json"))


def _read(target: Target, key: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "record.json"
        target.get(key, path)
        return json.loads(path.read_text())


def newest(target: Target) -> Optional[dict]:
    """The newest record, or None when the restore test never recorded one."""
    keys = _keys(target)
    return _read(target, keys[-1]) if keys else None


def since(target: Target, stamp: str) -> list[dict]:
    """Every record from ``stamp`` (ops/backup/run.stamp of the window's start) on, oldest first."""
    return [_read(target, key) for key in _keys(target, stamp)]
