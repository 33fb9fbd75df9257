"""One backup: dump in a consistent snapshot, check the dump, encrypt, upload, verify. Returns the manifest."""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Sequence

from .. import libpq
from . import crypto
from .targets import Target, sha256_of

FORMAT = "pg_dump custom format (-Fc), age-encrypted"


class BackupFailed(Exception):
    """The backup did not complete; the message says which step and why (never a credential)."""


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def table_counts(connection, schemas: Sequence[str]) -> dict[str, int]:
    """Rows of every ordinary table of ``schemas``, counted in the connection's (snapshot) transaction."""
    tables = connection.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s) ORDER BY 1, 2", (list(schemas),)).fetchall()
    counts = {}
    for schema, table in tables:
        quoted = '"' + schema.replace('"', '""') + '"."' + table.replace('"', '""') + '"'
        counts[f"{schema}.{table}"] = connection.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]
    return counts


def _run(step: str, command: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise BackupFailed(f"{step} failed (exit {done.returncode}): {done.stderr.strip()[-1500:]}")
    return done


def dump(database_url: str, schemas: Sequence[str], path: Path, ca_file: Optional[str] = None) -> dict:
    """pg_dump of ``schemas`` into ``path`` in the snapshot the row counts were taken in: the counts describe
    exactly the rows in the dump. Returns {taken_at, tables, server_version}. With ``ca_file`` both connections
    verify the server's certificate (ops/libpq.py)."""
    import psycopg

    try:
        connection = psycopg.connect(database_url, connect_timeout=30, **libpq.tls(ca_file))
    except psycopg.Error as error:
        raise BackupFailed(f"connecting to the database failed: {str(error).strip()}") from None
    with connection:
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        taken_at = connection.execute("SELECT now()").fetchone()[0]
        server = connection.execute("SHOW server_version").fetchone()[0]
        counts = table_counts(connection, schemas)
        command = ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}", "--no-password"]
        command += [f"--schema={schema}" for schema in schemas]
        with libpq.program_env(database_url, ca_file) as env:  # the URL and its password are no argument
            _run("pg_dump", command, env=env)
        connection.execute("COMMIT")
    listed = _run("pg_restore --list (checking the dump)", ["pg_restore", "--list", str(path)]).stdout
    absent = [t for t in counts if f" TABLE DATA {t.split('.', 1)[0]} {t.split('.', 1)[1]} " not in listed]
    if absent:
        raise BackupFailed(f"the dump lacks the data of {', '.join(absent)}")
    return {"taken_at": taken_at.astimezone(timezone.utc).isoformat(), "tables": counts, "server_version": server}


def run_backup(database_url: str, target: Target, recipients: Sequence[crypto.Recipient],
               schemas: Sequence[str], ca_file: Optional[str] = None) -> dict:
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="procurement-backup-"))
    try:
        plain, sealed = workdir / "dump", workdir / "dump.age"
        facts = dump(database_url, schemas, plain, ca_file)
        crypto.encrypt(plain, sealed, list(recipients))
        plain.unlink()  # nothing unencrypted outlives this step
        name = stamp(datetime.fromisoformat(facts["taken_at"]))
        key = f"{name}.dump.age"
        manifest = {"object": key, "format": FORMAT, "schemas": list(schemas), **facts,
                    # Public keys and who holds each identity: any one of them decrypts this dump.
                    "recipients": [{"recipient": r.recipient, "holder": r.holder} for r in recipients],
                    "size": sealed.stat().st_size, "sha256": sha256_of(sealed),
                    "pg_dump": _run("pg_dump --version", ["pg_dump", "--version"]).stdout.strip()}
        target.put(key, sealed, metadata={"sha256": manifest["sha256"]})
        if target.size(key) != manifest["size"]:
            raise BackupFailed(f"verify: {target.url}/{key} does not have the {manifest['size']} bytes uploaded")
        manifest["duration_seconds"] = round(time.monotonic() - started, 3)
        (workdir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
        # The manifest goes last: a backup without one is incomplete, and the restore ignores it.
        target.put(f"{name}.json", workdir / "manifest.json")
        return manifest
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def check_object(target: Target, manifest: dict) -> None:
    """The newest dump is the object its manifest describes: same SHA-256, and an age header with one X25519
    stanza per recipient listed (a dump encrypted to fewer keys than recorded would not survive losing one).
    Needs no identity."""
    key = manifest["object"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dump.age"
        try:
            target.get(key, path)
        except Exception as error:  # boto3's ClientError, a missing file: the object is not there
            raise BackupFailed(f"{key} cannot be downloaded: {str(error).strip()}") from None
        if sha256_of(path) != manifest.get("sha256"):
            raise BackupFailed(f"{key} does not have the SHA-256 its manifest records (truncated or replaced)")
        with open(path, "rb") as handle:
            try:
                stanzas = crypto.x25519_stanzas(handle)
            except crypto.HeaderError as error:
                raise BackupFailed(f"{key} {error}") from None
    listed = len(manifest.get("recipients") or [])
    if not listed:
        raise BackupFailed(f"the manifest of {key} lists no recipients (written before recipients were recorded?)")
    if stanzas != listed:
        raise BackupFailed(f"{key} is encrypted to {stanzas} X25519 key(s) but its manifest lists {listed} recipients")


def manifests(target: Target) -> list[str]:
    """Manifest keys, oldest first (their names are UTC timestamps; at the top level: the restore test's records
    live under a folder of their own, ops/readings/restore_tests.py)."""
    return sorted(k for k in target.keys() if k.endswith(".json") and "/" not in k)


def latest_manifest(target: Target) -> dict:
    keys = manifests(target)
    if not keys:
        raise BackupFailed(f"no backup in {target.url}")
    return read_manifest(target, keys[-1])


def read_manifest(target: Target, key: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifest.json"
        target.get(key if key.endswith(".json") else f"{key}.json", path)
        return json.loads(path.read_text())
