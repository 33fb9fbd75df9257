"""Format checks: each accepts the real-world shapes and names what is wrong with the rest."""
import pytest

from components.config import formats as f


@pytest.mark.parametrize("check,good,bad", [
    (f.domain, ["acme-procurement.com", "procurement.test", "a.b.co.uk"],
     ["Acme.com", "localhost", "acme..com", "-acme.com", "acme.com.", "10.0.0.1", "a" * 64 + ".com"]),
    (f.dns_label, ["api", "app-staging", "x1"], ["api_v2", "Api", "-api", "", "a" * 64, "api.v2"]),
    (f.url_path, ["/health", "/api/v1/health"], ["health", "/health?x=1", "/he alth", "http://x/health"]),
    (f.cidr, ["10.0.0.0/8", "203.0.113.0/24", "2001:db8::/32", "192.0.2.7/32"],
     ["10.0.0.1/8", "300.1.2.0/24", "10.0.0.0", "10.0.0.0/33", "any"]),
    (f.cron_schedule, ["0 7 * * 1-5", "*/15 * * * *", "0 0,12 1 * *", "15 5 * * *"],
     ["0 25 * * *", "* * * *", "*/0 * * * *", "0 7 * * 7", "5-1 * * * *", "@daily", "0 7 * * MON"]),
    (f.digest_reference, ["ghcr.io/acme/app@sha256:" + "0" * 64, "registry.example.com:5000/a/b@sha256:" + "f" * 64],
     ["ghcr.io/acme/app:latest", "ghcr.io/acme/app@sha256:abc", "app@sha256:" + "0" * 64]),
    (f.stack_reference, ["acme-procurement/procurement/staging"], ["staging", "acme/staging", "a/b/c/d"]),
    (f.github_repo_url, ["https://github.com/acme-procurement/procurement"],
     ["http://github.com/a/b", "https://gitlab.com/a/b", "https://github.com/a", "https://github.com/a/b.git"]),
    (f.github_reviewer, ["octocat", "acme-procurement/platform-leads"], ["-bad", "acme/Team Leads", "a/b/c"]),
    (f.render_owner, ["tea-cs1ql6bqf0us73d1k2g0", "usr-sandbox0000000000000"], ["tea-123", "srv-cs1ql6bqf0us73d1k2g0"]),
    (f.hex32, ["9f3b2c1d4e5a6b7c8d9e0f1a2b3c4d5e"], ["9F3B2C1D4E5A6B7C8D9E0F1A2B3C4D5E", "zone"]),
    (f.pg_identifier, ["procurement_api", "_x"], ["Procurement", "1role", "a-b", "a" * 64]),
    (f.pg_duration, ["30s", "500ms", "5min", "1000"], ["30 s", "thirty", "5m"]),
    # Postgres units are case-sensitive and allow a space and a fraction (dynamic_providers/core/postgres_values.py).
    (f.pg_memory, ["8MB", "64kB", "1024", "8 MB", "1.5GB"], ["8mb", "8KB", "MB", "-1"]),
    (f.email, ["platform-oncall@acme-procurement.com"], ["oncall", "a@b", "a b@c.com"]),
    (f.registry_host, ["ghcr.io", "registry.example.com:5000"], ["ghcr", "ghcr.io/acme", "GHCR.io"]),
    (f.host_port, ["logs.example.net:6514"], ["logs.example.net", "logs:0", "logs:70000"]),
    (f.relative_path, ["dist", "./dist", "build/web"], ["/dist", "a//b", "a\\b", "../../etc", "dist/../..", ".."]),
    (f.workspace_path, ["../procurement-system", "../procurement-system/app", ".", "app"],
     ["/srv", "..", "../..", "../a/../b", "a/../../b", "a\\b"]),
    (f.git_branch, ["main", "release/2026-q4"], ["/main", "a..b", "main/", "a b"]),
    (f.http_status_codes, ["200", "2xx"], ["20", "600", "ok"]),
])
def test_format(check, good, bad):
    for value in good:
        assert check(value) is None, (check.__name__, value)
    for value in bad:
        message = check(value)
        assert message, (check.__name__, value)
        assert value in message or not value.strip(), message  # the message quotes the offending value


# The checks that match a pattern match the whole value: `$` alone also matches before a final newline.
PATTERN_CHECKS = [(f.domain, "procurement.test"), (f.dns_label, "api"), (f.url_path, "/health"),
                  (f.cidr, "203.0.113.0/24"), (f.digest_reference, "ghcr.io/acme/app@sha256:" + "0" * 64),
                  (f.stack_reference, "acme/procurement/staging"), (f.github_reviewer, "acme/platform-leads"),
                  (f.render_owner, "tea-cs1ql6bqf0us73d1k2g0"), (f.hex32, "9f3b2c1d4e5a6b7c8d9e0f1a2b3c4d5e"),
                  (f.pg_identifier, "procurement_api"), (f.pg_duration, "30s"), (f.pg_memory, "8MB"),
                  (f.email, "oncall@acme-procurement.com"), (f.registry_host, "ghcr.io"),
                  (f.host_port, "logs.example.net:6514"), (f.git_branch, "main"), (f.http_status_codes, "2xx")]


@pytest.mark.parametrize("check,good", PATTERN_CHECKS, ids=[c.__name__ for c, _ in PATTERN_CHECKS])
def test_a_value_ending_in_a_newline_is_refused(check, good):
    assert check(good) is None
    assert check(good + "\n"), (check.__name__, good)


def test_https_is_required_where_tokens_leave_the_machine():
    assert f.https_url("https://api.render.com/v1") is None
    assert "https" in f.https_url("http://api.render.com/v1")
    assert f.http_url("http://127.0.0.1:18081/v1") is None
