"""The scan gate (`python -m ops.scan_gate`) on hand-written reports of each format it reads.

Decisions the tests pin down (docs/explanation/security.md):
- a fixable finding at or above --fail-on (default HIGH) fails unless an unexpired waiver covers it;
- a finding without a fix is listed ("no fix yet") and does not fail: nothing here can remove it;
- pip-audit rates nothing, so any fixable pip-audit finding fails whatever the threshold;
- a dependency pip-audit could not look up (its `skip_reason`) fails: it is not known to be clean;
- an expired waiver fails the gate by itself, even when its finding is gone, so it is renewed or deleted;
- a bad report or waiver file is one line naming the file (and line), exit code 2, never a traceback.
"""
from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from ops.scan_gate.findings import ReportError
from ops.scan_gate.gate import evaluate
from ops.scan_gate.reports import read_report
from ops.scan_gate.waivers import load_waivers

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan_gate"
TODAY = "2026-12-06"


def gate(*reports: str, waivers: Path | None = None, extra: tuple[str, ...] = (), tmp_path: Path) -> \
        subprocess.CompletedProcess:
    if waivers is None:
        waivers = tmp_path / "no-waivers.yaml"
        waivers.write_text("[]\n")
    args = [sys.executable, "-m", "ops.scan_gate", "--waivers", str(waivers), "--today", TODAY, *extra]
    for report in reports:
        args += ["--report", str(report if "/" in str(report) else FIXTURES / report)]
    env = {"PATH": "/usr/bin:/bin"}  # no GITHUB_STEP_SUMMARY unless a test passes --summary
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def waiver_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    return path


def assert_one_line_error(done: subprocess.CompletedProcess, *expected: str):
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    for text in expected:
        assert text in done.stderr, done.stderr


def test_a_clean_image_report_passes(tmp_path):
    done = gate("trivy-clean.json", tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("scan gate passed")
    assert "0 fixable at or above HIGH not waived" in done.stdout and "2 below HIGH" in done.stdout


def test_a_fixable_critical_fails_with_one_line_naming_it(tmp_path):
    done = gate("trivy-critical-fixable.json", tmp_path=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    failing = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert failing == ["FAIL CVE-2026-0201 libssl3 3.0.15-1~deb12u1 -> 3.0.16-1~deb12u1 CRITICAL "
                       "(ghcr.io/acme-procurement/procurement-system (debian 12.8))"]
    # The unfixable HIGH is listed, not failing; the MEDIUM is below the threshold.
    assert "note: no fix yet for CVE-2026-0202 zlib1g" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("scan gate FAILED")
    assert "1 without a fix, 1 below HIGH" in done.stdout


def test_the_threshold_is_configurable(tmp_path):
    # --fail-on MEDIUM also fails the fixable MEDIUM; --fail-on CRITICAL would not stop on a fixable HIGH.
    done = gate("trivy-critical-fixable.json", extra=("--fail-on", "MEDIUM"), tmp_path=tmp_path)
    assert done.returncode == 1
    assert sum(line.startswith("FAIL") for line in done.stdout.splitlines()) == 2
    assert "FAIL CVE-2026-0203 libtasn1-6" in done.stdout
    assert gate("trivy-clean.json", extra=("--fail-on", "MEDIUM"), tmp_path=tmp_path).returncode == 1


@pytest.mark.parametrize("report", ["sarif-trivy-critical.json", "sarif-grype-critical.json"])
def test_a_fixable_critical_fails_in_sarif_too(report, tmp_path):
    # Trivy's SARIF carries the severity in rule tags, Grype's only as a CVSS `security-severity`;
    # both say the fix in a "Fixed Version:" / "Fix Version:" line.
    done = gate(report, tmp_path=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    (failing,) = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert failing.startswith("FAIL CVE-2026-0201 libssl3 3.0.15-1~deb12u1 -> 3.0.16-1~deb12u1 CRITICAL")


def test_sarif_severity_comes_from_the_cvss_score_when_no_tag_names_it(tmp_path):
    sarif = (FIXTURES / "sarif-grype-critical.json").read_text().replace('"9.8"', '"7.5"').replace(
        "Severity: critical\\n", "")
    (tmp_path / "high.sarif").write_text(sarif)
    (finding,) = read_report(tmp_path / "high.sarif")[1]
    assert finding.severity == "HIGH" and finding.id == "CVE-2026-0201"
    (tmp_path / "medium.sarif").write_text(sarif.replace('"7.5"', '"5.3"'))
    assert gate(str(tmp_path / "medium.sarif"), tmp_path=tmp_path).returncode == 0


def test_a_sarif_result_that_states_no_fix_is_treated_as_fixable(tmp_path):
    # Fail closed: a SARIF producer that does not say whether a fix exists does not pass a critical.
    sarif = (FIXTURES / "sarif-grype-critical.json").read_text().replace("Fix Version: 3.0.16-1~deb12u1\\n", "")
    (tmp_path / "nofix.sarif").write_text(sarif)
    assert gate(str(tmp_path / "nofix.sarif"), tmp_path=tmp_path).returncode == 1


@pytest.mark.parametrize("report,returncode,line,summary", [
    # An unfixable critical is reported but passes.
    ("trivy-critical-unfixable.json", 0,
     "note: no fix yet for CVE-2026-0301 libc6 2.36-9+deb12u9 -> no fix CRITICAL", "1 without a fix"),
    # What pip-audit writes, exit code 0 and "No known vulnerabilities found", when it cannot reach
    # PyPI's JSON API without --strict: every dependency skipped. Not a pass.
    ("pip-audit-skipped.json", 1,
     "FAIL not audited: certifi (pip-audit-skipped.json): Dependency not found on PyPI", "1 not audited"),
], ids=["unfixable-critical-passes", "pip-audit-skipped-dependency-fails"])
def test_an_unfixable_or_unaudited_finding_is_listed_and_counted(report, returncode, line, summary, tmp_path):
    done = gate(report, tmp_path=tmp_path)
    assert done.returncode == returncode, done.stdout + done.stderr
    assert line in done.stdout
    assert summary in done.stdout.splitlines()[-1]


def test_grype_json_reads_fix_state_and_aliases(tmp_path):
    done = gate("grype-critical.json", tmp_path=tmp_path)
    assert done.returncode == 1
    assert "FAIL GHSA-aaaa-bbbb-cccc requests 2.32.3 -> 2.32.4 CRITICAL" in done.stdout
    # Waived by the CVE alias Grype lists as a related vulnerability.
    waivers = waiver_file(tmp_path, "- id: CVE-2026-0401\n  package: requests\n  reason: upgrade lands with the next "
                                    "backend release\n  expires: 2026-12-31\n  approved_by: '@platform-lead'\n")
    assert gate("grype-critical.json", waivers=waivers, tmp_path=tmp_path).returncode == 0


def test_a_waived_finding_passes_and_is_listed(tmp_path):
    waivers = waiver_file(tmp_path, """\
- id: CVE-2026-0201
  package: libssl3
  reason: the backend never terminates TLS itself (Render does); upgrade with the next base image
  expires: 2026-12-06
  approved_by: "@platform-lead"
""")
    done = gate("trivy-critical-fixable.json", waivers=waivers, tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"note: waived CVE-2026-0201 libssl3" in done.stdout and f"{waivers}:1 until 2026-12-06" in done.stdout
    # A waiver for the same advisory in another package covers nothing.
    other = waiver_file(tmp_path, waivers.read_text().replace("package: libssl3", "package: openssl"))
    done = gate("trivy-critical-fixable.json", waivers=other, tmp_path=tmp_path)
    assert done.returncode == 1 and "matched no finding" in done.stdout


def test_an_expired_waiver_fails_even_when_its_finding_is_gone(tmp_path):
    waivers = waiver_file(tmp_path, """\
# accepted risks
- id: CVE-2026-0201
  reason: base image upgrade pending
  expires: 2026-12-05
  approved_by: "@platform-lead"
""")
    for report in ("trivy-critical-fixable.json", "trivy-clean.json"):
        done = gate(report, waivers=waivers, tmp_path=tmp_path)
        assert done.returncode == 1, (report, done.stdout + done.stderr)
        assert f"FAIL expired waiver CVE-2026-0201 ({waivers}:2) expired 2026-12-05" in done.stdout


@pytest.mark.parametrize("text,line,message", [
    ("- id: CVE-2026-0201\n  reason: r\n  expiry: 2026-12-31\n  approved_by: me\n", 3, "unknown waiver key 'expiry'"),
    ("[]\n# spacer\n- id: CVE-1\n", 3, "not valid YAML"),
    ("- id: CVE-2026-0201\n  reason: r\n  approved_by: me\n- id: CVE-2\n", 1, "lacks expires"),
    ("\n- id: CVE-2026-0201\n  reason: r\n  expires: 31/12/2026\n  approved_by: me\n", 2, "not a YYYY-MM-DD date"),
    ("- id: CVE-2026-0201\n  reason: r\n  expires: 2026-02-30\n  approved_by: me\n", 1, "not a real date"),
    ("waivers:\n  - id: CVE-2026-0201\n", 1, "must be a YAML list"),
    ("- id: CVE-9\n  reason: r\n  expires: 2027-01-01\n  approved_by: me\n"
     "- id: cve-9\n  reason: r\n  expires: 2027-01-01\n  approved_by: me\n", 5, "duplicate waiver for cve-9"),
])
def test_a_malformed_waiver_file_is_one_line_with_file_and_line(text, line, message, tmp_path):
    waivers = waiver_file(tmp_path, text)
    done = gate("trivy-clean.json", waivers=waivers, tmp_path=tmp_path)
    assert_one_line_error(done, f"{waivers}:{line}:", message)


def test_a_pip_audit_report_with_a_fixable_vulnerability_fails(tmp_path):
    # pip-audit gives no severity: a known vulnerability with a fix fails whatever --fail-on says.
    done = gate("pip-audit-fixable.json", extra=("--fail-on", "CRITICAL"), tmp_path=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL GHSA-9hjg-9r4m-mvj7 requests 2.32.3 -> 2.32.4 UNRATED (pip-audit-fixable.json)" in done.stdout
    assert gate("pip-audit-clean.json", tmp_path=tmp_path).returncode == 0
    # Its CVE alias is enough for a waiver.
    waivers = waiver_file(tmp_path, "- id: CVE-2024-47081\n  reason: no .netrc on the runners\n"
                                    "  expires: 2027-01-31\n  approved_by: '@platform-lead'\n")
    assert gate("pip-audit-fixable.json", waivers=waivers, tmp_path=tmp_path).returncode == 0


def test_several_reports_are_gated_together(tmp_path):
    done = gate("pip-audit-clean.json", "trivy-critical-fixable.json", tmp_path=tmp_path)
    assert done.returncode == 1 and done.stdout.count("FAIL ") == 1


@pytest.mark.parametrize("content,message", [
    (None, "no such report file"),
    ("{not json", ":1: not JSON"),
    ('{"hello": "world"}', "not a Trivy JSON, Grype JSON, SARIF 2.1.0 or pip-audit JSON report"),
    ('{"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": [{"Severity": "HIGH"}]}]}',
     "not a valid trivy report"),
])
def test_a_bad_or_missing_report_is_one_line_and_exit_2(content, message, tmp_path):
    report = tmp_path / "report.json"
    if content is not None:
        report.write_text(content)
    assert_one_line_error(gate(str(report), tmp_path=tmp_path), str(report), message)


def test_a_missing_waiver_file_is_one_line_and_exit_2(tmp_path):
    assert_one_line_error(gate("trivy-clean.json", waivers=tmp_path / "absent.yaml", tmp_path=tmp_path),
                          "absent.yaml: no such waiver file")


def test_the_markdown_summary_is_appended_for_the_step_summary(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    done = gate("trivy-critical-fixable.json", extra=("--summary", str(summary)), tmp_path=tmp_path)
    assert done.returncode == 1
    text = summary.read_text()
    assert text.startswith("earlier step\n### Scan gate FAILED")
    assert "| fails | CVE-2026-0201 | libssl3 | 3.0.15-1~deb12u1 | 3.0.16-1~deb12u1 | CRITICAL |" in text
    assert "| no fix yet | CVE-2026-0202 | zlib1g |" in text


def test_the_committed_waiver_file_is_valid_and_has_nothing_expired():
    waivers = load_waivers(ROOT / "security" / "waivers.yaml")
    assert not [w for w in waivers if w.expired(date.today())], "renew or delete the expired waivers"


def test_the_same_finding_repeated_by_a_scanner_counts_once():
    _, findings, _ = read_report(FIXTURES / "trivy-critical-fixable.json")
    verdict = evaluate(findings * 3, [], "HIGH", date(2026, 12, 6))
    assert len(verdict.failing) == 1 and len(verdict.unfixable) == 1 and verdict.below == 1


def test_read_report_refuses_a_format_that_does_not_fit():
    with pytest.raises(ReportError, match="not a valid pip-audit report"):
        read_report(FIXTURES / "trivy-clean.json", "pip-audit")
