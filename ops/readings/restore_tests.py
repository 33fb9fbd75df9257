"""The restore test's results, recorded where the backups are: ``restore-tests/<stamp>.json`` next to the backups'
manifests (a folder of its own, so the backups' ``<stamp>.json`` listing never sees them). ops/restore_test.py
writes one per run; `python -m ops.status` reads the newest."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Optional

from ops.backup.targets import Target

FOLDER = "restore-tests"
RECORD_TARGET_ENV = "RESTORE_TEST_RECORD_TARGET"  # where to record them, when not the backups' target


def record_key(stamp: str) -> str:
    return f"{FOLDER}/{stamp}.json"


def write(target: Target, stamp: str, record: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "record.json"
        path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        target.put(record_key(stamp), path, {"kind": "restore-test"})


def newest(target: Target) -> Optional[dict]:
    """The newest record (its key's stamp sorts by time), or None when the restore test never recorded one."""
    keys = sorted(k for k in target.keys() if k.startswith(f"{FOLDER}/") and k.endswith(".json"))
    if not keys:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "record.json"
        target.get(keys[-1], path)
        return json.loads(path.read_text())
