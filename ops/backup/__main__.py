"""``python -m ops.backup run``: one nightly backup (what the Render cron job runs).
``python -m ops.backup check --max-age-hours 26``: the newest backup is recent and intact: downloaded, its
SHA-256 the manifest's, its age header encrypted to every recipient the manifest lists (the backup-check
workflow; needs read access to the bucket, no identity).

Both read their settings from the environment (BACKUP_DATABASE_URL, BACKUP_TARGET, ...: the table in
docs/reference/commands.md, "The backup tools' environment"). Exit 0 only when the backup was written and
verified; anything else is 1 with one line saying which step failed, so Render marks the run failed and
notifies. ``-v`` (or PROCUREMENT_DEBUG=1) adds the traceback (ops/cli.py).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone

from .. import cli, libpq
from .crypto import RECIPIENTS_ENV, parse_recipients
from .run import BackupFailed, check_object, latest_manifest, run_backup
from .targets import open_target


def _env(name: str) -> str:
    value = (os.environ.get(name) or "").strip()
    if not value:
        raise BackupFailed(f"{name} is not set")
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.backup")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="dump, encrypt, upload and verify one backup")
    check = sub.add_parser("check", help="fail unless the newest backup is recent and its object intact")
    check.add_argument("--max-age-hours", type=float, default=26.0)
    for command in (run, check):
        cli.add_debug_flag(command)
    args = parser.parse_args(argv)
    return cli.run(f"backup {args.command}", lambda _: _command(args), argv,
                   again=f"run `python -m ops.backup {args.command}` again")


def _command(args) -> int:
    try:
        target = open_target(_env("BACKUP_TARGET"))
        if args.command == "run":
            schemas = [s.strip() for s in (os.environ.get("BACKUP_SCHEMAS") or "public").split(",") if s.strip()]
            recipients = parse_recipients(_env(RECIPIENTS_ENV))
            manifest = run_backup(_env("BACKUP_DATABASE_URL"), target, recipients, schemas, libpq.ca_file_from_env())
            rows = sum(manifest["tables"].values())
            print(f"backup ok: {target.url}/{manifest['object']} ({manifest['size']} bytes, {len(manifest['tables'])} "
                  f"tables, {rows} rows, snapshot {manifest['taken_at']}, {manifest['duration_seconds']}s)")
            return 0
        manifest = latest_manifest(target)
        age = (datetime.now(timezone.utc) - datetime.fromisoformat(manifest["taken_at"])).total_seconds() / 3600
        if age > args.max_age_hours:
            raise BackupFailed(f"the newest backup ({manifest['object']}) is {age:.1f} h old, more than "
                               f"{args.max_age_hours:g} h: the nightly job did not run or failed")
        check_object(target, manifest)
        print(json.dumps({"latest": manifest["object"], "age_hours": round(age, 2), "size": manifest["size"],
                          "recipients": [r["holder"] for r in manifest["recipients"]]}))
        return 0
    except (BackupFailed, libpq.BadConnection) as error:
        print(f"backup {args.command} failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
