"""The backup program's parts without a database: the file target, age encryption both ways, and `check` (the
backup-check workflow's command) failing on a missing, stale or broken backup, with one line saying why."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pyrage import x25519

from ops.backup import crypto
from ops.backup.targets import FileTarget, open_target, sha256_of
from tests.mock_harness import PROJECT_ROOT


def check(target_url: str, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BACKUP_TARGET": target_url}
    return subprocess.run([sys.executable, "-m", "ops.backup", "check", *extra], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def recipients(n: int) -> tuple[list[x25519.Identity], list[crypto.Recipient]]:
    identities = [x25519.Identity.generate() for _ in range(n)]
    return identities, [crypto.Recipient(str(i.to_public()), f"holder {k}") for k, i in enumerate(identities)]


def store(root: Path, taken_at: datetime, listed: int = 2, sealed_to: int = 2) -> Path:
    """A backup as `run` writes it: an age file sealed to `sealed_to` keys, a manifest listing `listed`."""
    stamp = taken_at.strftime("%Y%m%dT%H%M%SZ")
    plain, sealed = root / "plain", root / f"{stamp}.dump.age"
    plain.write_bytes(b"PGDMP dump bytes" * 100)
    _, keys = recipients(max(listed, sealed_to))
    crypto.encrypt(plain, sealed, keys[:sealed_to])
    plain.unlink()
    (root / f"{stamp}.json").write_text(json.dumps({
        "object": sealed.name, "taken_at": taken_at.isoformat(), "size": sealed.stat().st_size,
        "sha256": sha256_of(sealed), "tables": {},
        "recipients": [{"recipient": k.recipient, "holder": k.holder} for k in keys[:listed]]}))
    return sealed


def test_check_fails_on_a_missing_or_stale_backup(tmp_path):
    root = tmp_path / "bucket"
    root.mkdir()
    url = f"file://{root}"
    empty = check(url)
    assert empty.returncode == 1 and "no backup in" in empty.stderr
    store(root, datetime.now(timezone.utc) - timedelta(hours=30))
    stale = check(url, "--max-age-hours", "26")
    assert stale.returncode == 1 and "30.0 h old" in stale.stderr and "did not run or failed" in stale.stderr
    store(root, datetime.now(timezone.utc) - timedelta(hours=2))
    fresh = check(url)
    assert fresh.returncode == 0, fresh.stderr
    report = json.loads(fresh.stdout)
    assert report["age_hours"] == pytest.approx(2, abs=0.1) and report["recipients"] == ["holder 0", "holder 1"]
    unset = subprocess.run([sys.executable, "-m", "ops.backup", "run"], cwd=PROJECT_ROOT, capture_output=True,
                           text=True, env={k: v for k, v in os.environ.items() if not k.startswith("BACKUP_")})
    assert unset.returncode == 1 and unset.stderr.strip() == "backup run failed: BACKUP_TARGET is not set"


def one_line_failure(url: str) -> str:
    done = check(url)
    assert done.returncode == 1 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr.strip()


def test_check_fails_on_a_truncated_or_swapped_object(tmp_path):
    root = tmp_path / "bucket"
    root.mkdir()
    url = f"file://{root}"
    newest = store(root, datetime.now(timezone.utc) - timedelta(hours=1))
    good = newest.read_bytes()
    newest.write_bytes(good[:len(good) // 2])  # truncated upload
    assert "does not have the SHA-256 its manifest records" in one_line_failure(url)
    other = store(tmp_path, datetime.now(timezone.utc) - timedelta(hours=3))  # another, valid age file
    newest.write_bytes(other.read_bytes())  # swapped for another backup's object
    assert "does not have the SHA-256 its manifest records" in one_line_failure(url)
    newest.unlink()
    assert "cannot be downloaded" in one_line_failure(url)


def test_check_fails_when_a_listed_recipient_has_no_stanza(tmp_path):
    # Sealed to one key while the manifest records two holders: losing that one identity would lose the backup.
    root = tmp_path / "bucket"
    root.mkdir()
    store(root, datetime.now(timezone.utc) - timedelta(hours=1), listed=2, sealed_to=1)
    assert "encrypted to 1 X25519 key(s) but its manifest lists 2 recipients" in one_line_failure(f"file://{root}")


def test_check_fails_on_an_object_that_is_not_age(tmp_path):
    root = tmp_path / "bucket"
    root.mkdir()
    sealed = store(root, datetime.now(timezone.utc) - timedelta(hours=1))
    manifest = root / sealed.name.replace(".dump.age", ".json")
    sealed.write_bytes(b"PGDMP plain, unencrypted dump")
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "sha256": sha256_of(sealed), "size": sealed.stat().st_size}))
    assert "does not start with an age v1 header" in one_line_failure(f"file://{root}")


def test_header_parser_counts_stanzas_and_refuses_a_cut_header(tmp_path):
    plain, sealed = tmp_path / "plain", tmp_path / "sealed"
    plain.write_bytes(b"x")
    for n in (1, 3):
        crypto.encrypt(plain, sealed, recipients(n)[1])
        with open(sealed, "rb") as handle:
            assert crypto.x25519_stanzas(handle) == n
    header_end = sealed.read_bytes().index(b"\n---")
    sealed.write_bytes(sealed.read_bytes()[:header_end])
    with open(sealed, "rb") as handle, pytest.raises(crypto.HeaderError, match="truncated"):
        crypto.x25519_stanzas(handle)


def test_file_target_round_trip_and_atomic_put(tmp_path):
    target = open_target(f"file://{tmp_path / 'b'}")
    assert isinstance(target, FileTarget) and target.keys() == []
    source = tmp_path / "x"
    source.write_bytes(b"data" * 100)
    target.put("a/one.dump.age", source)
    assert target.keys() == ["a/one.dump.age"] and target.size("a/one.dump.age") == 400
    target.get("a/one.dump.age", tmp_path / "copy")
    assert sha256_of(tmp_path / "copy") == sha256_of(source)
    assert target.size("missing") is None
    with pytest.raises(SystemExit, match="use s3://"):
        open_target("ftp://example.com/x")


def test_each_identity_alone_decrypts_and_errors_are_clear(tmp_path, monkeypatch):
    identities, keys = recipients(2)
    plain, sealed, back = tmp_path / "plain", tmp_path / "sealed", tmp_path / "back"
    plain.write_bytes(b"COPY public.orders FROM stdin;\n" * 5000)
    crypto.encrypt(plain, sealed, keys)
    assert b"COPY public.orders" not in sealed.read_bytes() and sealed.read_bytes().startswith(b"age-encryption.org/v1")
    for identity in identities:  # losing either identity loses no backup
        back.unlink(missing_ok=True)
        monkeypatch.setenv(crypto.IDENTITY_ENV, str(identity))
        crypto.decrypt(sealed, back)
        assert back.read_bytes() == plain.read_bytes()
    monkeypatch.setenv(crypto.IDENTITY_ENV, str(x25519.Identity.generate()))
    with pytest.raises(SystemExit, match="cannot be decrypted with BACKUP_AGE_IDENTITY"):
        crypto.decrypt(sealed, back)
    monkeypatch.delenv(crypto.IDENTITY_ENV)
    with pytest.raises(SystemExit, match="BACKUP_AGE_IDENTITY is not set"):
        crypto.decrypt(sealed, back)


def test_recipients_variable_is_parsed_strictly():
    _, keys = recipients(2)
    text = f"# comment\n{keys[0].recipient} on-call (ESC break-glass)\n\n{keys[1].recipient} escrow: safe (escrow)\n"
    assert crypto.parse_recipients(text) == [crypto.Recipient(keys[0].recipient, "on-call (ESC break-glass)"),
                                             crypto.Recipient(keys[1].recipient, "escrow: safe (escrow)")]
    with pytest.raises(SystemExit, match="line 1 is not"):
        crypto.parse_recipients("AGE-SECRET-KEY-1XYZ holder")
    flipped = keys[0].recipient[:-1] + ("q" if keys[0].recipient[-1] != "q" else "p")
    with pytest.raises(SystemExit, match="line 2 is not"):
        crypto.parse_recipients(f"{keys[1].recipient} a\n{flipped} b")  # a bad checksum
    with pytest.raises(SystemExit, match="twice"):
        crypto.parse_recipients(f"{keys[0].recipient} a\n{keys[0].recipient} b")
    with pytest.raises(SystemExit, match="lists no recipient"):
        crypto.parse_recipients("# none\n")
