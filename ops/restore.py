"""``python -m ops.restore``: restore the stack's database, repoint the stack, verify. docs/how-to/restore-the-database.md.

    python -m ops.restore --stack <stack> --backup latest|<stamp> [--target s3://...|file:///...]   # new project
    python -m ops.restore --stack <stack> --restore-point <name>      # in place: undo to a restore point
    python -m ops.restore --stack <stack> --pitr 2026-05-04T03:12:00Z  # in place: point in time
    python -m ops.restore --stack <stack> --finish | --discard <ref>

From a backup: fetch, check and decrypt it, load it into a new project, repoint the stack (ops/repoint.py), verify
the roles and row counts. Exit 1 with one line on any failure, naming what to run next. Each step, what is
checked and what a failure leaves: docs/how-to/restore-the-database.md.
"""
from __future__ import annotations

import argparse
import json
import re
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from components import naming
from dynamic_providers.core.errors import ApiError, NotFoundError
from dynamic_providers.supabase.base import wait_for_project_ready
from dynamic_providers.supabase.health import ProjectFailedError, WaitTimeoutError
from dynamic_providers.supabase.models import primary_pooler

from . import cli, libpq, repoint
from .backup import crypto
from .backup.run import BackupFailed, latest_manifest, read_manifest
from .backup.targets import open_target, sha256_of
from .stack import Stack, why
from .supabase_api import client

DEFAULT_CWD = Path(__file__).resolve().parents[1]


def _say(message: str) -> None:
    print(f"restore: {message}", flush=True)


def _short(stack: str) -> str:
    return stack.rsplit("/", 1)[-1]


def _quoted(table: str) -> str:
    schema, name = table.split(".", 1)
    return '"' + schema.replace('"', '""') + '"."' + name.replace('"', '""') + '"'


def fetch_backup(target_url: str, which: str, workdir: Path) -> tuple[dict, Path]:
    target = open_target(target_url)
    manifest = latest_manifest(target) if which == "latest" else read_manifest(target, which.removesuffix(".dump.age"))
    sealed, plain = workdir / "dump.age", workdir / "dump"
    target.get(manifest["object"], sealed)
    if sha256_of(sealed) != manifest["sha256"]:
        raise SystemExit(f"restore: {manifest['object']} does not match its manifest's SHA-256 (corrupted or "
                         "tampered with); pick another backup with --backup <stamp>")
    crypto.decrypt(sealed, plain)
    sealed.unlink()
    return manifest, plain


def counts_via_api(api, ref: str, tables) -> dict[str, int]:
    if not tables:
        return {}
    query = " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {_quoted(t)}" for t in tables)
    return {row["t"]: int(row["n"]) for row in api.read_query(ref, query)}


def new_project(api, name: str, database: dict) -> tuple[str, str]:
    """Create the project the dump goes into; (ref, password). ``name`` says it is a restore's (or a restore
    test's); the stack renames it to its own name when it is repointed to it."""
    password = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    body = {"name": name, "organization_slug": database["organizationSlug"], "db_pass": password,
            "region_selection": {"type": "specific", "code": database["region"]}}
    if database.get("instanceSize"):
        body["desired_instance_size"] = database["instanceSize"]
    return api.create_project(body).ref, password


RESTORE_MARK = "-restore-"  # in the name of every project a restore (or the restore test) creates


def restore_name(stack: str, purpose: str = "database-restore") -> str:
    """`procurement-<stack>-<purpose>-<yymmddHHMM>`: what it is, for whoever lists the organization's projects."""
    stamp = datetime.now(timezone.utc).strftime("%y%m%d%H%M")
    return naming.physical_name(_short(stack), f"{purpose}-{stamp}", naming.SUPABASE_PROJECT)


def load(api, ref: str, password: str, extensions, dump: Path, ca_file: Optional[str] = None) -> None:
    for extension in extensions:  # objects of the dump may use them (indexes, defaults)
        api.run_query(ref, f'CREATE EXTENSION IF NOT EXISTS "{extension}" WITH SCHEMA extensions', idempotent=True)
    pooler = primary_pooler(api.get_pooler(ref))
    if pooler is None or not pooler.db_host or not pooler.db_port:
        raise SystemExit(f"restore: project {ref} reports no pooler address")
    from psycopg.conninfo import make_conninfo

    # TLS always (the new project may not enforce it yet); verified when the database's CA is given.
    database = pooler.db_name or "postgres"
    conninfo = make_conninfo(host=pooler.db_host, port=pooler.db_port, user=pooler.db_user or f"postgres.{ref}",
                             password=password, dbname=database, sslmode="require")
    # Schemas the new project has already (public, Supabase's own) are not created again.
    existing = {row["nspname"] for row in api.read_query(ref, "SELECT nspname FROM pg_namespace")}
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True).stdout
    toc = dump.with_suffix(".toc")
    toc.write_text("\n".join(line for line in listing.splitlines() if not _creates_existing_schema(line, existing)))
    # One transaction: all or nothing, and one server connection even through a transaction-mode pooler.
    # Owners and grants are not restored: objects belong to postgres, and the stack's roles get their grants
    # from `pulumi up` (SqlRole's all_tables grants cover tables that exist).
    with libpq.program_env(conninfo, ca_file) as env:  # the password is no argument (ops/libpq.py)
        done = subprocess.run(["pg_restore", "--single-transaction", "--exit-on-error", "--no-owner",
                               "--no-privileges", f"--use-list={toc}", f"--dbname={database}", str(dump)], capture_output=True, text=True,
                              env=env)
    if done.returncode != 0:
        detail = " ".join(done.stderr.split())[-1500:]
        raise SystemExit(f"restore: loading the dump into project {ref} failed (nothing was loaded): {detail}")


def _creates_existing_schema(line: str, existing: set[str]) -> bool:
    """A TOC entry creating (or commenting on) a schema the target has: ``5; 2615 2200 SCHEMA - public owner``."""
    match = re.match(r"^\d+; \d+ \d+ (?:SCHEMA - |COMMENT - SCHEMA )(\S+) ", line)
    return bool(match) and match.group(1) in existing


def verify_stack(api, stack: Stack, ref: str, roles, expected: Optional[dict[str, int]]) -> dict:
    """Every declared role exists and may log in; the API's role logs in through the pooler and reads the data."""
    import psycopg

    found = {row["rolname"]: row["rolcanlogin"] for row in api.read_query(
        ref, "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = ANY(ARRAY[%s]::text[])"
        % ",".join("'" + r.replace("'", "''") + "'" for r in roles))} if roles else {}
    missing = [r for r in roles if not found.get(r)]
    if missing:
        raise SystemExit(f"restore: roles {', '.join(missing)} do not exist or cannot log in on {ref}")
    url = stack.output("database_url", secret=True)
    try:
        with psycopg.connect(str(url), connect_timeout=30, **libpq.tls(libpq.ca_file_from_env())) as connection:
            who = connection.execute("SELECT current_user").fetchone()[0]
            counts = {t: connection.execute(f"SELECT count(*) FROM {_quoted(t)}").fetchone()[0]
                      for t in expected or {}}
    except psycopg.OperationalError as error:  # e.g. the URL's sslrootcert is where Render mounts it, not here
        raise SystemExit(f"restore: the stack's database_url does not log in on {ref}: {str(error).strip()} (with "
                         "database.caCertificate, set BACKUP_DATABASE_CA to that file)") from None
    if expected is not None and counts != expected:
        raise SystemExit(f"restore: through the stack's database_url ({who}) the row counts are {counts}, the backup "
                         f"has {expected}")
    return {"roles": sorted(found), "login": who, "counts": counts}


def restore_from_backup(stack: Stack, target_url: str, which: str, wait: float) -> dict:
    started, clock = datetime.now(timezone.utc), time.monotonic()
    config = stack.config()
    database = config.get("procurement:database") or {}
    roles = [r["name"] for r in database.get("roles") or []]
    api = client()
    name, ref = restore_name(stack.name), None
    workdir = Path(tempfile.mkdtemp(prefix="procurement-restore-"))
    try:  # the stack is not touched until the new project holds the backup's rows
        manifest, dump = fetch_backup(target_url, which, workdir)
        _say(f"backup {manifest['object']} (snapshot {manifest['taken_at']}, {len(manifest['tables'])} tables) "
             "fetched, checked and decrypted")
        ref, password = new_project(api, name, database)
        _say(f"created project {ref} ({name}); waiting for it to be ready")
        wait_for_project_ready(api, ref, services=("db", "pooler"), timeout_s=wait, interval_s=1.0)
        load(api, ref, password, database.get("extensions") or [], dump, libpq.ca_file_from_env())
        loaded = counts_via_api(api, ref, manifest["tables"])
        if loaded != manifest["tables"]:
            raise SystemExit(f"project {ref} has the row counts {loaded}, the backup {manifest['tables']}")
    except (SystemExit, BackupFailed, ApiError, ProjectFailedError, WaitTimeoutError, OSError,
            subprocess.CalledProcessError) as error:
        raise SystemExit(stack_unchanged(stack, ref, error)) from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    _say(f"loaded and checked ({sum(loaded.values())} rows); repointing the stack to {ref} (if this is interrupted, "
         f"finish with: {FINISH.format(stack=stack.name)})")
    try:
        _saved, old_ref = repoint.repoint(stack, ref, naming.physical_name(
            _short(stack.name), "database", naming.SUPABASE_PROJECT))
    except repoint.RepointRefused as error:
        raise SystemExit(stack_unchanged(stack, ref, error)) from None
    kept = _still_there(api, old_ref)
    if kept:
        _say(f"project {old_ref}, the stack's database until now, is kept as it is (not deleted, not replaced)")
    try:
        stack.up("--refresh")
    except SystemExit as error:
        raise SystemExit(f"restore: `pulumi up` failed after the stack was repointed to project {ref} (its config "
                         f"and state both name it{f'; project {old_ref} was kept' if kept else ''}): "
                         f"{last_line(error)}; finish with: {stack.command('up', '--refresh')}") from None
    checked = verify_stack(api, stack, ref, roles, manifest["tables"])
    seconds = round(time.monotonic() - clock, 1)
    age = (started - datetime.fromisoformat(manifest["taken_at"])).total_seconds()
    return {"mode": "backup", "project_ref": ref, "backup": manifest["object"], "snapshot": manifest["taken_at"],
            "recovery_seconds": seconds, "data_age_seconds": round(age, 1), "kept_project_ref": kept and old_ref,
            **checked}


def finish(stack: Stack) -> dict:
    """Finish a restore that stopped after its repoint began: config, state, up and roles agree."""
    clock = time.monotonic()
    try:
        ref = repoint.finish(stack)
    except repoint.RepointRefused as error:
        raise SystemExit(f"restore: {error}") from None
    _say(f"the stack's config and state name project {ref}; updating the stack")
    try:
        stack.up("--refresh")
    except SystemExit as error:
        raise SystemExit(f"restore: `pulumi up` failed on project {ref} (config and state both name it): "
                         f"{last_line(error)}; run the same command again") from None
    database = stack.config().get("procurement:database") or {}
    checked = verify_stack(client(), stack, ref, [r["name"] for r in database.get("roles") or []], None)
    return {"mode": "finish", "project_ref": ref, "recovery_seconds": round(time.monotonic() - clock, 1), **checked}


FINISH = "python -m ops.restore --stack {stack} --finish"


def last_line(error: BaseException) -> str:
    return why(error).removeprefix("restore: ")


AGAIN = "run the same `python -m ops.restore` command again"


def stack_unchanged(stack: Stack, ref: Optional[str], error: BaseException) -> str:
    """One line for a restore that stopped before the stack was changed: why, what it left, the next command."""
    if ref is None:
        return (f"restore failed: {last_line(error)}; nothing was created and the stack was not changed; "
                f"next: {cli.next_step(error, AGAIN)}")
    return (f"restore failed: {last_line(error)}; project {ref} was created by this restore and left in place, the "
            f"stack was not changed; next: {cli.next_step(error, AGAIN)}, and delete that project with: "
            f"python -m ops.restore --stack {stack.name} --discard {ref}")


def _still_there(api, ref: Optional[str]) -> bool:
    if not ref:
        return False
    try:
        return api.get_project(ref).status not in ("REMOVED", "GOING_DOWN")
    except NotFoundError:
        return False


def discard(api, stack: Stack, ref: str) -> dict:
    """Delete a project a restore created and the stack does not use; never the stack's, never one it did not
    create (its name says a restore's)."""
    named = {(stack.config().get("procurement:database") or {}).get("projectRef")}
    try:
        named.add(str(stack.output("supabase_project_ref")))
    except SystemExit:
        pass  # no outputs yet
    if ref in named:
        raise SystemExit(f"restore: project {ref} is the stack's database; it was not deleted")
    try:
        project = api.get_project(ref)
    except ApiError as error:
        raise SystemExit(f"restore: project {ref} cannot be read ({last_line(error)}); nothing was deleted") from None
    if RESTORE_MARK not in project.name:
        raise SystemExit(f"restore: project {ref} ({project.name}) was not created by a restore; it was not deleted "
                         "(delete it yourself if you mean to)")
    try:
        api.delete_project(ref)
    except ApiError as error:
        raise SystemExit(f"restore: deleting project {ref} failed ({last_line(error)}); run the command again"
                         ) from None
    return {"mode": "discard", "project_ref": ref, "name": project.name}


def restore_in_place(stack: Stack, restore_point: Optional[str], pitr: Optional[str], wait: float) -> dict:
    clock = time.monotonic()
    api = client()
    ref = str(stack.output("supabase_project_ref"))
    if restore_point:
        api.undo_to_restore_point(ref, restore_point)
        what = f"restore point {restore_point}"
    else:
        moment = datetime.fromisoformat(pitr.replace("Z", "+00:00"))
        api.restore_pitr(ref, int(moment.timestamp()))
        what = f"point in time {moment.isoformat()}"
    _say(f"project {ref} is being restored to {what}; waiting for it to be ready")
    time.sleep(1.0)  # the project leaves ACTIVE_HEALTHY first (RESTORING)
    wait_for_project_ready(api, ref, services=("db", "pooler"), timeout_s=wait, interval_s=1.0)
    database = stack.config().get("procurement:database") or {}
    checked = verify_stack(api, stack, ref, [r["name"] for r in database.get("roles") or []], None)
    return {"mode": "in place", "project_ref": ref, "to": what, "recovery_seconds": round(time.monotonic() - clock, 1),
            **checked}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.restore", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--backup", help="latest, or a backup's stamp (e.g. 20260504T023000Z): into a new project")
    source.add_argument("--restore-point", help="in place: undo to this restore point")
    source.add_argument("--pitr", help="in place: this UTC time (ISO 8601), within database.pitrDays")
    source.add_argument("--discard", metavar="REF", help="delete a project a failed restore created and left in place "
                                                         "(never the stack's own)")
    source.add_argument("--finish", action="store_true", help="finish a restore that stopped after it began to "
                                                              "repoint the stack (config, state, up, roles)")
    parser.add_argument("--target", help="where backups are (default $BACKUP_TARGET)")
    parser.add_argument("--cwd", default=str(DEFAULT_CWD), help="the Pulumi project (this repository)")
    parser.add_argument("--config-file", help="the stack's config file, when not Pulumi.<stack>.yaml")
    parser.add_argument("--wait-seconds", type=float, default=1800)
    cli.add_debug_flag(parser)
    args = parser.parse_args(argv)
    stack = Stack(args.stack, Path(args.cwd), Path(args.config_file) if args.config_file else None)
    if args.backup:
        import os

        target = args.target or os.environ.get("BACKUP_TARGET")
        if not target:
            parser.error("--target or BACKUP_TARGET is required with --backup")

    def restore(_) -> int:
        if args.backup:
            return _done(restore_from_backup(stack, target, args.backup, args.wait_seconds))
        if args.discard:
            return _done(discard(client(), stack, args.discard))
        if args.finish:
            return _done(finish(stack))
        return _done(restore_in_place(stack, args.restore_point, args.pitr, args.wait_seconds))

    return cli.run("restore", restore, argv, expected=cli.EXPECTED + cli.api_failures(),
                   again=AGAIN,
                   note=lambda _: "if it created a project, the project is named above and was left in place "
                   "(`--discard <ref>` deletes it)" if args.backup else "")


def _done(result: dict) -> int:
    _say(f"deleted project {result['project_ref']} ({result['name']})" if result["mode"] == "discard"
         else f"done in {result['recovery_seconds']}s")
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
