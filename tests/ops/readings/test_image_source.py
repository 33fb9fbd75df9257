"""An image deploy's commit time, read honestly: the registry's OCI answers (index -> the linux/amd64 manifest ->
its config blob's labels) give the revision and the GitHub repository, GitHub's commits API its time. A small
in-test server answers both APIs' shapes and checks the bearer tokens; what cannot be read is said, not guessed."""
from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ops.readings import github, images
from ops.report.collect import Commits
from ops.timestamps import utc_time

REVISION = "4f2a9c1e" * 5
INDEX, AMD, ARM, CONFIG = (f"sha256:{hashlib.sha256(n.encode()).hexdigest()}" for n in ("index", "amd", "arm", "cfg"))
ANSWERS = {
    f"/v2/acme/api/manifests/{INDEX}": {"mediaType": images.MANIFEST_TYPES[0], "manifests": [
        {"digest": ARM, "platform": {"os": "linux", "architecture": "arm64"}},
        {"digest": AMD, "platform": {"os": "linux", "architecture": "amd64"}}]},
    f"/v2/acme/api/manifests/{AMD}": {"mediaType": images.MANIFEST_TYPES[1], "config": {"digest": CONFIG}},
    f"/v2/acme/api/blobs/{CONFIG}": {"config": {"Labels": {
        images.REVISION: REVISION, images.SOURCE: "https://github.com/acme/procurement-system"}}},
    f"/repos/acme/procurement-system/commits/{REVISION}": {"sha": REVISION, "commit": {
        "committer": {"date": "2026-12-01T09:12:00Z"}}},
}
TOKENS = {"/v2/": "Bearer pull-token", "/repos/": "Bearer gh-token"}


class _Vendors(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        self.seen.append(self.path)
        wanted = next(v for k, v in TOKENS.items() if self.path.startswith(k))
        status, body = (401, {}) if self.headers["Authorization"] != wanted else \
            (200, ANSWERS[self.path]) if self.path in ANSWERS else (404, {"errors": [{"code": "MANIFEST_UNKNOWN"}]})
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def vendors():
    server = HTTPServer(("127.0.0.1", 0), _Vendors)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Vendors.seen = []
    url = f"http://127.0.0.1:{server.server_port}"
    yield {"REGISTRY_API_URL": url, "REGISTRY_TOKEN": "pull-token", "GITHUB_API_URL": url, "GITHUB_TOKEN": "gh-token"}
    server.shutdown()


def test_a_digest_reads_back_to_its_commit_time(vendors):
    image = f"ghcr.io/acme/api@{INDEX}"
    source = images.image_source(image, vendors)
    assert source == images.ImageSource(REVISION, "acme/procurement-system")
    commits = Commits(vendors)
    assert commits.time_of(image) == utc_time("2026-12-01T09:12:00Z")
    assert commits.time_of(image) == utc_time("2026-12-01T09:12:00Z") and not commits.why  # asked once per digest
    registry = [f"/v2/acme/api/manifests/{INDEX}", f"/v2/acme/api/manifests/{AMD}", f"/v2/acme/api/blobs/{CONFIG}"]
    assert _Vendors.seen == registry * 2 + [f"/repos/acme/procurement-system/commits/{REVISION}"]


@pytest.mark.parametrize("change, why", [
    ({"REGISTRY_TOKEN": ""}, "REGISTRY_TOKEN is not set (a pull token of ghcr.io)"),
    ({"REGISTRY_TOKEN": "wrong"}, "401"),
    ({"GITHUB_TOKEN": ""}, "GITHUB_TOKEN is not set"),
])
def test_what_cannot_be_read_is_no_data_with_why(vendors, change, why):
    commits = Commits({**vendors, **change})
    assert commits.time_of(f"ghcr.io/acme/api@{INDEX}") is None
    assert why in " ".join(commits.why)


def test_an_image_without_the_revision_label_says_so(vendors, monkeypatch):
    monkeypatch.setitem(ANSWERS, f"/v2/acme/api/blobs/{CONFIG}", {"config": {"Labels": {}}})
    found = images.image_source(f"ghcr.io/acme/api@{INDEX}", vendors)
    assert isinstance(found, github.NotRead) and images.REVISION in found.why
    assert isinstance(images.image_source("ghcr.io/acme/api:latest", vendors), github.NotRead)
