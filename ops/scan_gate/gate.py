"""The verdict: which findings fail, which waivers cover what, and how it is printed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .findings import SEVERITIES, UNRATED, Finding, severity_rank
from .reports import Unaudited
from .waivers import Waiver


@dataclass
class Verdict:
    threshold: str
    failing: list[Finding] = field(default_factory=list)
    waived: list[tuple[Finding, Waiver]] = field(default_factory=list)
    unfixable: list[Finding] = field(default_factory=list)  # at or above the threshold, no fix: listed, not failing
    below: int = 0
    expired: list[Waiver] = field(default_factory=list)
    unused: list[Waiver] = field(default_factory=list)
    # Fail closed: pip-audit without --strict "skips" what it cannot look up (no network, a package not
    # on PyPI) and still says "No known vulnerabilities found".
    unaudited: list[Unaudited] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failing and not self.expired and not self.unaudited


def gates(finding: Finding, threshold: str) -> bool:
    """Whether the finding's severity is one the gate acts on (pip-audit's unrated ones always are)."""
    return finding.severity == UNRATED or severity_rank(finding.severity) >= severity_rank(threshold)


def evaluate(findings: list[Finding], waivers: list[Waiver], threshold: str, today: date,
             unaudited: list[Unaudited] = ()) -> Verdict:
    assert threshold in SEVERITIES, threshold
    verdict = Verdict(threshold=threshold, unaudited=list(unaudited))
    verdict.expired = [w for w in waivers if w.expired(today)]
    live = [w for w in waivers if not w.expired(today)]
    used: set[str] = set()
    for finding in _unique(findings):
        if not gates(finding, threshold):
            verdict.below += 1
            continue
        waiver = next((w for w in live if w.covers(finding)), None)
        if waiver:
            verdict.waived.append((finding, waiver))
            used.add(waiver.where)
        elif not finding.fixable:
            verdict.unfixable.append(finding)
        else:
            verdict.failing.append(finding)
    verdict.unused = [w for w in live if w.where not in used]
    return verdict


def _unique(findings: list[Finding]) -> list[Finding]:
    """One finding per (advisory, package, installed version, target): scanners repeat them per layer/path."""
    seen, out = set(), []
    for f in findings:
        key = (f.id.upper(), f.package, f.installed, f.target)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def describe(f: Finding) -> str:
    fixed = f.fixed if f.fixable else "no fix"
    return f"{f.id} {f.package or '?'} {f.installed or '?'} -> {fixed} {f.severity}" + (f" ({f.target})" if f.target else "")


def lines(verdict: Verdict, reports: str) -> list[str]:
    """What the gate prints: one line per failing finding and expired waiver, notes, then the summary line."""
    out = [f"FAIL {describe(f)}" for f in verdict.failing]
    out += [f"FAIL expired waiver {w.id} ({w.where}) expired {w.expires.isoformat()}: renew it with a fresh "
            f"approval or delete it" for w in verdict.expired]
    out += [f"FAIL not audited: {u.package} ({u.target}): {u.reason}" for u in verdict.unaudited]
    out += [f"note: no fix yet for {describe(f)}" for f in verdict.unfixable]
    out += [f"note: waived {describe(f)} by {w.where} until {w.expires.isoformat()} ({w.approved_by})"
            for f, w in verdict.waived]
    out += [f"note: waiver {w.id} ({w.where}) matched no finding in this report" for w in verdict.unused]
    counts = (f"{len(verdict.failing)} fixable at or above {verdict.threshold} not waived, "
              f"{len(verdict.expired)} expired waivers, {len(verdict.unaudited)} not audited, "
              f"{len(verdict.waived)} waived, "
              f"{len(verdict.unfixable)} without a fix, {verdict.below} below {verdict.threshold}")
    out.append(f"scan gate {'passed' if verdict.passed else 'FAILED'} ({reports}): {counts}")
    return out


def markdown(verdict: Verdict, reports: str) -> str:
    """The same verdict for $GITHUB_STEP_SUMMARY."""
    mark = "passed" if verdict.passed else "FAILED"
    out = [f"### Scan gate {mark}: `{reports}`", "", lines(verdict, reports)[-1].split(": ", 1)[1], ""]
    rows = [("fails", f) for f in verdict.failing] + [("no fix yet", f) for f in verdict.unfixable] + \
           [(f"waived until {w.expires.isoformat()}", f) for f, w in verdict.waived]
    if rows:
        out += ["| verdict | id | package | installed | fixed | severity | target |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        out += [f"| {v} | {f.id} | {f.package} | {f.installed} | {f.fixed if f.fixable else '-'} | {f.severity} | "
                f"{f.target} |".replace("\n", " ") for v, f in rows]
    for w in verdict.expired:
        out.append(f"- expired waiver **{w.id}** ({w.where}), expired {w.expires.isoformat()}")
    for u in verdict.unaudited:
        out.append(f"- not audited: **{u.package}** ({u.target}): {u.reason}")
    return "\n".join(out) + "\n"
