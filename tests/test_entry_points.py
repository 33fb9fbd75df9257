"""Every user-facing entry point ends an expected failure in ONE line (issue 22): the last stderr line says what
failed, why and what to run next; the exit code is not 0; no Python traceback anywhere, unless asked for
(``-v``). The failing `up` of the program and its language host: tests/tools/engine/test_failing_up_one_line.py.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pyrage import x25519

from ops.backup import crypto
from ops.backup.targets import sha256_of
from tests.mock_harness import PROJECT_ROOT

STAMP = "20260504T023000Z"


def run(args: list[str], env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=PROJECT_ROOT, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=timeout)


def one_line(done: subprocess.CompletedProcess, *expected: str) -> str:
    """The failure's line, after checking the contract."""
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert all(x in last for x in expected), done.stderr
    return last


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_pulumi(tmp_path: Path, database: dict) -> Path:
    """What `pulumi config --json` on the stack answers: the restore reads only its config before the API."""
    script = tmp_path / "pulumi"
    config = {"procurement:database": {"objectValue": database}}
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(config)}\nEOF\n")
    script.chmod(0o755)
    return script


def backup_in(directory: Path) -> x25519.Identity:
    """A backup as `ops.backup run` stores it; the identity that decrypts it."""
    directory.mkdir(exist_ok=True)
    identity = x25519.Identity.generate()
    plain, sealed = directory / "plain", directory / f"{STAMP}.dump.age"
    plain.write_bytes(b"PGDMP" * 10)
    crypto.encrypt(plain, sealed, [crypto.Recipient(str(identity.to_public()), "test")])
    plain.unlink()
    (directory / f"{STAMP}.json").write_text(json.dumps({
        "object": sealed.name, "taken_at": "2026-05-04T02:30:00+00:00", "tables": {}, "size": sealed.stat().st_size,
        "sha256": sha256_of(sealed), "recipients": []}))
    return identity


def restore_env(tmp_path: Path, api_url: str, database: dict) -> dict:
    identity = backup_in(tmp_path / "backups")
    return {"PULUMI": str(fake_pulumi(tmp_path, database)), "BACKUP_TARGET": f"file://{tmp_path / 'backups'}",
            "BACKUP_AGE_IDENTITY": str(identity), "SUPABASE_API_URL": api_url, "SUPABASE_ACCESS_TOKEN": "sbp_test"}


DATABASE = {"organizationSlug": "sandboxlocalorgslugss", "region": "eu-central-1"}


def unwritable_directory(tmp_path: Path) -> Path:
    """A directory this user cannot create files in (root writes anywhere it has a mode for, but not in /sys)."""
    if os.geteuid() == 0:
        return Path("/sys/procurement-backups")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    return locked / "backups"


def test_a_backup_to_a_target_it_cannot_write(sandbox_postgres, tmp_path):
    instance = sandbox_postgres.create_instance("entry-points", "postgresPassword0123")
    try:
        target = unwritable_directory(tmp_path)
        env = {"BACKUP_TARGET": f"file://{target}", "BACKUP_AGE_RECIPIENTS": f"{x25519.Identity.generate().to_public()} t",
               "BACKUP_DATABASE_URL": f"postgresql://postgres:postgresPassword0123@{instance.host}:{instance.port}/postgres"}
        done = run(["-m", "ops.backup", "run"], env)
        one_line(done, "backup run failed:", str(target), "next:", "python -m ops.backup run")
        # Asked for, the traceback is there, and the line still ends the output.
        debug = run(["-m", "ops.backup", "run", "-v"], env)
        assert "Traceback" in debug.stderr and debug.stderr.strip().splitlines()[-1].startswith("backup run failed:")
    finally:
        instance.destroy()


def test_a_backup_check_of_a_target_it_cannot_read(tmp_path):
    done = run(["-m", "ops.backup", "check"], {"BACKUP_TARGET": f"file://{tmp_path}/nothing-here"})
    one_line(done, "backup check failed:", "no backup in")


def test_a_restore_whose_manifest_is_missing(tmp_path):
    env = restore_env(tmp_path, f"http://127.0.0.1:{closed_port()}", DATABASE)
    done = run(["-m", "ops.restore", "--stack", "local", "--backup", "20250101T000000Z"], env)
    one_line(done, "restore failed:", "20250101T000000Z.json", "next:")


def test_a_restore_while_the_management_api_is_unreachable(tmp_path):
    env = restore_env(tmp_path, f"http://127.0.0.1:{closed_port()}", DATABASE)
    done = run(["-m", "ops.restore", "--stack", "local", "--backup", STAMP], env)
    one_line(done, "restore failed:", "no response", "reachable", "python -m ops.restore")


@pytest.mark.sandbox_settings(postgres=False)
def test_a_restore_while_the_management_api_fails_after_the_project_was_created(tmp_path, sandbox):
    sandbox.supabase.add_fault("error", status=500, method="GET", path="/v1/projects/*", count=None)
    env = restore_env(tmp_path, sandbox.supabase.base_url, DATABASE)
    env["SUPABASE_ACCESS_TOKEN"] = sandbox.supabase.token
    done = run(["-m", "ops.restore", "--stack", "local", "--backup", STAMP, "--wait-seconds", "5"], env)
    line = one_line(done, "restore failed:", "left in place", "next:")
    assert "created project" in done.stdout and sandbox.supabase.store.data["projects"], done.stdout
    assert "HTTP 500" in line or "not ready" in line or "in time" in line, line


def test_a_restore_point_while_the_management_api_is_unreachable():
    env = {"SUPABASE_API_URL": f"http://127.0.0.1:{closed_port()}", "SUPABASE_ACCESS_TOKEN": "sbp_test"}
    done = run(["-m", "ops.restore_point", "--project-ref", "abcdefghijklmnopqrst", "--name", "pre-1"], env)
    one_line(done, "restore point", "no response")


def test_a_restore_point_without_a_token():
    env = {"SUPABASE_API_URL": f"http://127.0.0.1:{closed_port()}", "SUPABASE_ACCESS_TOKEN": ""}
    done = run(["-m", "ops.restore_point", "--project-ref", "abcdefghijklmnopqrst", "--name", "pre-1"], env)
    one_line(done, "SUPABASE_ACCESS_TOKEN")


def test_the_scan_gate_with_a_missing_report(tmp_path):
    done = run(["-m", "ops.scan_gate", "--report", str(tmp_path / "missing.json")], {})
    assert done.returncode == 2
    one_line(done, "scan gate:", "missing.json")


def test_github_import_of_a_stack_that_does_not_exist():
    done = run([str(PROJECT_ROOT / "tools" / "scripts" / "github-import.py"), "no-such-stack"], {})
    one_line(done, "github-import:", "Pulumi.no-such-stack.yaml", "tools/scripts/github-import.py production")


@pytest.mark.parametrize("tool", ["ops.status", "ops.report", "ops.review"])
def test_the_read_tools_without_the_pulumi_cli_say_so_in_one_line(tool):
    args = ["-m", tool, "--stack", "local"] if tool != "ops.review" else ["-m", tool, "sweep", "--open", "1",
                                                                          "--base", "local"]
    done = run(args, {"PULUMI": "/nonexistent/pulumi", "RENDER_API_URL": f"http://127.0.0.1:{closed_port()}/v1",
                      "SUPABASE_API_URL": f"http://127.0.0.1:{closed_port()}"})
    if tool == "ops.review":  # the sweep lists the vendors' objects first: the unreachable API is its one line
        one_line(done, "API", "failed", "next:")
    else:
        one_line(done, "the Pulumi CLI `/nonexistent/pulumi` is not installed", "PULUMI")
