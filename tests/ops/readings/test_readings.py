"""The collectors that read no vendor API: the restore test's records next to the backups (never mistaken for a
backup's manifest), and the newest drift.yml run from GitHub's API (here a local server answering its shape)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ops.backup.run import latest_manifest
from ops.backup.targets import open_target
from ops.readings import drift, restore_tests


def test_the_newest_record_is_read_and_the_backups_listing_never_sees_records(tmp_path):
    target = open_target(f"file://{tmp_path}")
    assert restore_tests.newest(target) is None
    (tmp_path / "20260101T030000Z.json").write_text(json.dumps({"object": "20260101T030000Z.dump.age"}))
    restore_tests.write(target, "20260101T080000Z", {"result": "failed", "backup": "a"})
    restore_tests.write(target, "20260102T080000Z", {"result": "ok", "backup": "b"})
    assert restore_tests.newest(target) == {"result": "ok", "backup": "b"}
    assert latest_manifest(target)["object"] == "20260101T030000Z.dump.age"


class _Runs(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        self.seen.append(f"{self.command} {self.path} {self.headers['Authorization']}")
        body = json.dumps({"total_count": 1, "workflow_runs": [
            {"status": "completed", "conclusion": "failure", "created_at": "2026-12-06T05:17:00Z",
             "html_url": "https://github.com/acme/infra/actions/runs/7"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_newest_drift_run_needs_the_token_and_reads_one_run():
    assert isinstance(drift.newest_run({}), drift.NotRead)
    server = HTTPServer(("127.0.0.1", 0), _Runs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run = drift.newest_run({"GITHUB_TOKEN": "t0ken", "GITHUB_REPOSITORY": "acme/infra",
                                "GITHUB_API_URL": f"http://127.0.0.1:{server.server_port}"})
    finally:
        server.shutdown()
    assert run == drift.DriftRun("completed", "failure", "2026-12-06T05:17:00Z",
                                 "https://github.com/acme/infra/actions/runs/7")
    assert _Runs.seen == ["GET /repos/acme/infra/actions/workflows/drift.yml/runs?per_page=1 Bearer t0ken"]


def test_the_records_own_target_is_opened_with_its_own_credentials_not_the_backups(monkeypatch, tmp_path):
    env = {restore_tests.RECORD_TARGET_ENV: "s3://procurement-production-restore-tests/production",
           "BACKUP_TARGET": f"file://{tmp_path}"}
    monkeypatch.setenv("BACKUP_S3_ACCESS_KEY_ID", "backups-reader")  # the backups' token never writes records
    monkeypatch.setenv("BACKUP_S3_SECRET_ACCESS_KEY", "x")
    monkeypatch.delenv("RESTORE_TEST_RECORD_S3_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("RESTORE_TEST_RECORD_S3_SECRET_ACCESS_KEY", raising=False)
    with pytest.raises(SystemExit, match="RESTORE_TEST_RECORD_S3_ACCESS_KEY_ID"):
        restore_tests.open_records(env)
    assert restore_tests.open_records({"BACKUP_TARGET": f"file://{tmp_path}"}).url == f"file://{tmp_path}"
    assert restore_tests.open_records({}) is None
