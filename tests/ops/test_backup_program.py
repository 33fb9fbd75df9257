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


def store(root: Path, taken_at: datetime, payload: bytes = b"sealed") -> None:
    stamp = taken_at.strftime("%Y%m%dT%H%M%SZ")
    (root / f"{stamp}.dump.age").write_bytes(payload)
    (root / f"{stamp}.json").write_text(json.dumps({"object": f"{stamp}.dump.age", "taken_at": taken_at.isoformat(),
                                                    "size": 6, "tables": {}}))


def test_check_fails_on_a_stale_or_broken_backup(tmp_path):
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
    assert fresh.returncode == 0 and json.loads(fresh.stdout)["age_hours"] == pytest.approx(2, abs=0.1)
    newest = max(root.glob("*.dump.age"))
    newest.write_bytes(b"truncated!")  # a different size than the manifest records
    broken = check(url)
    assert broken.returncode == 1 and "not the size its manifest records" in broken.stderr
    unset = subprocess.run([sys.executable, "-m", "ops.backup", "run"], cwd=PROJECT_ROOT, capture_output=True,
                           text=True, env={k: v for k, v in os.environ.items() if not k.startswith("BACKUP_")})
    assert unset.returncode == 1 and unset.stderr.strip() == "backup run failed: BACKUP_TARGET is not set"


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


def test_age_encryption_round_trip_and_clear_errors(tmp_path, monkeypatch):
    identity = x25519.Identity.generate()
    plain, sealed, back = tmp_path / "plain", tmp_path / "sealed", tmp_path / "back"
    plain.write_bytes(b"COPY public.orders FROM stdin;\n" * 5000)
    crypto.encrypt(plain, sealed, str(identity.to_public()))
    assert b"COPY public.orders" not in sealed.read_bytes() and sealed.read_bytes().startswith(b"age-encryption.org/v1")
    monkeypatch.setenv(crypto.IDENTITY_ENV, str(identity))
    crypto.decrypt(sealed, back)
    assert back.read_bytes() == plain.read_bytes()
    monkeypatch.setenv(crypto.IDENTITY_ENV, str(x25519.Identity.generate()))
    with pytest.raises(SystemExit, match="cannot be decrypted with BACKUP_AGE_IDENTITY"):
        crypto.decrypt(sealed, back)
    monkeypatch.delenv(crypto.IDENTITY_ENV)
    with pytest.raises(SystemExit, match="BACKUP_AGE_IDENTITY is not set"):
        crypto.decrypt(sealed, back)
    with pytest.raises(SystemExit, match="not an age recipient"):
        crypto.encrypt(plain, sealed, "AGE-SECRET-KEY-1XYZ")
