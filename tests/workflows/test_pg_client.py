"""The restore test's `bash tools/scripts/pg-client.sh 17`, run as restore-test.yml runs it (`bash -eo pipefail`): a new
enough pg_restore on PATH is used as it is; an older one means an install from apt.postgresql.org, but only once
the downloaded key has the pinned fingerprint: another key installs nothing (no sudo call at all). (The install
itself needs the network and root: the runner does it.)"""
from __future__ import annotations

import subprocess
from pathlib import Path

from tests.workflows.test_workflow_scripts import run_step, step


def fake_tools(bin_dir: Path, version: str, key: Path, calls: Path) -> None:
    bin_dir.mkdir()
    tools = {
        "pg_restore": f'echo "pg_restore (PostgreSQL) {version}"',
        # curl -fsSL <url> -o <file>: hands out `key` (any other key than the PostgreSQL project's)
        "curl": f'echo "curl $*" >> {calls}; cp {key} "${{@: -1}}"',
        "sudo": f'echo "sudo $*" >> {calls}; exit 1',
    }
    for name, body in tools.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)


def test_a_new_enough_pg_restore_is_used_and_a_wrong_key_installs_nothing(tmp_path):
    gnupg = tmp_path / "gnupg"
    gnupg.mkdir(mode=0o700)
    env = {"GNUPGHOME": str(gnupg)}
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "someone else <x@example.com>",
                    "ed25519", "sign", "never"], env={"PATH": "/usr/bin:/bin", **env}, check=True,
                   capture_output=True)
    key = tmp_path / "other.asc"
    key.write_text(subprocess.run(["gpg", "--armor", "--export"], env={"PATH": "/usr/bin:/bin", **env}, check=True,
                                  capture_output=True, text=True).stdout)
    workflow_step = step("restore-test.yml", "restore-test", run="bash tools/scripts/pg-client.sh 17")
    root = Path(__file__).resolve().parents[2]

    for version, ok in (("17.4 (Ubuntu 17.4-1.pgdg24.04+2)", True), ("18.1", True),
                        ("16.9 (Ubuntu 16.9-0ubuntu0)", False)):
        bin_dir, calls = tmp_path / f"bin-{version.split()[0]}", tmp_path / f"calls-{version.split()[0]}"
        calls.write_text("")
        fake_tools(bin_dir, version, key, calls)
        done, _ = run_step(workflow_step, root, {**env, "PATH": f"{bin_dir}:/usr/bin:/bin"}, tmp_path)
        if ok:
            assert done.returncode == 0 and done.stdout.strip() == str(bin_dir / "pg_restore"), done.stderr
            assert calls.read_text() == ""  # nothing downloaded, nothing installed
        else:
            assert done.returncode == 2, done.stdout + done.stderr
            assert done.stderr.strip() == ("pg-client: the key at www.postgresql.org is not "
                                           "B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8; nothing installed")
            assert calls.read_text().startswith("curl ") and "sudo" not in calls.read_text()
