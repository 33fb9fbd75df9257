"""``python -m ops.restore_test``: the scheduled restore test (daily, .github/workflows/restore-test.yml).

    python -m ops.restore_test [--config-file Pulumi.production.yaml] [--target s3://...] [--backup <stamp>]

A backup is only known to be good once it was restored: this loads the newest one into a throwaway project,
compares every table's row count with the manifest and deletes that project (only the one it created), whatever
the outcome; no stack state, no stack credential. One line either way. Details: docs/how-to/operations.md,
"The daily restore test".
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import yaml

from dynamic_providers.core.errors import ApiError
from dynamic_providers.supabase.base import wait_for_project_ready
from dynamic_providers.supabase.health import ProjectFailedError, WaitTimeoutError

from . import cli, libpq
from .backup.run import BackupFailed, stamp
from .readings import restore_tests
from .restore import counts_via_api, fetch_backup, last_line, load, new_project, restore_name
from .supabase_api import client

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "Pulumi.production.yaml"
EXPECTED = (SystemExit, BackupFailed, ApiError, ProjectFailedError, WaitTimeoutError, OSError,
            subprocess.CalledProcessError, libpq.BadConnection)


def database_config(path: Path) -> tuple[str, dict]:
    """(stack name, ``procurement:database``) of a stack's config file ``Pulumi.<stack>.yaml``."""
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise SystemExit(f"restore test: cannot read {path}: {last_line(error)}") from None
    database = (doc.get("config") or {}).get("procurement:database") or {}
    missing = [k for k in ("organizationSlug", "region") if not isinstance(database.get(k), str)]
    if missing:
        raise SystemExit(f"restore test: {path} sets no procurement:database {' or '.join(missing)}")
    return path.name.removeprefix("Pulumi.").removesuffix(".yaml"), database


def restore_test(config_file: Path, target_url: str, which: str, wait: float) -> str:
    stack, database = database_config(config_file)
    api = client()
    clock, ref, outcome, manifest = time.monotonic(), None, None, None
    workdir = Path(tempfile.mkdtemp(prefix="procurement-restore-test-"))
    try:
        manifest, dump = fetch_backup(target_url, which, workdir)
        ref, password = new_project(api, restore_name(stack, "restore-test"), database)
        wait_for_project_ready(api, ref, services=("db", "pooler"), timeout_s=wait, interval_s=1.0)
        load(api, ref, password, database.get("extensions") or [], dump, libpq.ca_file_from_env())
        loaded = counts_via_api(api, ref, manifest["tables"])
        differ = sorted(t for t in {*loaded, *manifest["tables"]} if loaded.get(t) != manifest["tables"].get(t))
        if differ:
            outcome = (f"backup {manifest['object']}: row counts differ from its manifest in "
                       + ", ".join(f"{t} ({loaded.get(t)} restored, {manifest['tables'].get(t)} in the manifest)"
                                   for t in differ))
    except EXPECTED as error:
        outcome = last_line(error).removeprefix("restore test: ")
    except BaseException:  # unexpected (or interrupted): the throwaway project goes all the same
        _delete(api, ref, database)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    cleanup = _delete(api, ref, database)
    seconds = round(time.monotonic() - clock, 1)
    if not outcome:
        rows = sum(manifest["tables"].values())
        line = (f"restore test ok: backup {manifest['object']} (snapshot {manifest['taken_at']}) restored with every "
                f"row count of its manifest ({len(manifest['tables'])} tables, {rows} rows) in {seconds}s; {cleanup}")
    else:
        line = f"restore test: FAILED: {outcome}; {cleanup}"
    backup = manifest["object"] if manifest else None
    line += _record(target_url, {"result": "failed" if outcome else "ok", "backup": backup, "seconds": seconds,
                                 "detail": outcome or cleanup})
    if outcome:
        raise SystemExit(line)
    return line


def _record(target_url: str, record: dict) -> str:
    """Leave the result in RESTORE_TEST_RECORD_TARGET (production: the restore-tests bucket, with its own write
    token), else next to the backups (ops/readings/restore_tests.py); what ops.status and ops.report read. A record
    that cannot be written is said, not fatal: the status then shows the previous one growing old."""
    now = datetime.now(timezone.utc)
    where = os.environ.get(restore_tests.RECORD_TARGET_ENV) or target_url
    try:
        restore_tests.write(restore_tests.open_records(os.environ, target_url), stamp(now),
                            {**record, "finished_at": now.isoformat()})
    except (Exception, SystemExit) as error:  # noqa: BLE001 - any storage failure (OSError, botocore's, missing
        # S3 credentials): the test's result stands
        return f" (its result could NOT be recorded at {where}: {last_line(error)})"
    return ""


def _delete(api, ref: Optional[str], database: dict) -> str:
    if ref is None:
        return "no project was created"
    try:
        api.delete_project(ref)
    except ApiError as error:
        return (f"the throwaway project {ref} could NOT be deleted ({last_line(error)}): delete it in organization "
                f"{database['organizationSlug']}")
    return f"the throwaway project {ref} was deleted"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.restore_test", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config-file", default=str(DEFAULT_CONFIG),
                        help="the stack's config file: organization, region, extensions (default: production's)")
    parser.add_argument("--target", help="where backups are (default $BACKUP_TARGET)")
    parser.add_argument("--backup", default="latest", help="latest (the default), or a backup's stamp")
    parser.add_argument("--wait-seconds", type=float, default=1800)
    cli.add_debug_flag(parser)
    args = parser.parse_args(argv)
    target = args.target or os.environ.get("BACKUP_TARGET")
    if not target:
        parser.error("--target or BACKUP_TARGET is required")

    def test(_) -> int:
        print(restore_test(Path(args.config_file), target, args.backup, args.wait_seconds), flush=True)
        return 0

    return cli.run("restore test", test, argv, expected=cli.EXPECTED + cli.api_failures(),
                   again="run the same `python -m ops.restore_test` command again")


if __name__ == "__main__":
    sys.exit(main())
