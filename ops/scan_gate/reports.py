"""Scanner reports read into Findings: Trivy JSON, Grype JSON, SARIF 2.1.0 (Trivy's or Grype's), pip-audit JSON."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from .findings import UNRATED, Finding, ReportError, normalise_severity, severity_from_cvss

FORMATS = ("trivy", "grype", "sarif", "pip-audit")


@dataclass(frozen=True)
class Unaudited:
    """A dependency the scanner could not check (pip-audit's `skip_reason`): not known to be clean."""
    package: str
    reason: str
    target: str


def read_report(path: Path, kind: str = "auto") -> tuple[str, list[Finding], list[Unaudited]]:
    """(the format read, its findings, what it could not audit); ReportError for a missing, unreadable or
    unrecognised file."""
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise ReportError(f"{path}: no such report file (did the scanner step run and write it?)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReportError(f"{path}: cannot read the report: {error}") from None
    except json.JSONDecodeError as error:
        raise ReportError(f"{path}:{error.lineno}: not JSON ({error.msg}); the scanner must write JSON or SARIF") \
            from None
    if kind == "auto":
        kind = detect(doc)
        if kind is None:
            raise ReportError(f"{path}: not a Trivy JSON, Grype JSON, SARIF 2.1.0 or pip-audit JSON report; "
                              f"pass --format {{{','.join(FORMATS)}}} if it is one")
    try:
        findings = PARSERS[kind](doc)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise ReportError(f"{path}: not a valid {kind} report ({type(error).__name__}: {error})") from None
    unaudited = []
    if kind == "pip-audit":  # pip-audit's JSON does not name what it audited; the report's file name does
        findings = [replace(f, target=path.name) for f in findings]
        unaudited = [Unaudited(d["name"], d["skip_reason"], path.name) for d in doc["dependencies"]
                     if d.get("skip_reason")]
    return kind, findings, unaudited


def detect(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return None
    if "runs" in doc and str(doc.get("version", "")).startswith("2.1"):
        return "sarif"
    if "SchemaVersion" in doc or "Results" in doc:
        return "trivy"
    if "matches" in doc and "descriptor" in doc:
        return "grype"
    if "dependencies" in doc:
        return "pip-audit"
    return None


def _trivy(doc: dict) -> list[Finding]:
    artifact = doc.get("ArtifactName", "")
    out = []
    for result in doc.get("Results") or []:
        target = result.get("Target") or artifact
        for v in result.get("Vulnerabilities") or []:
            out.append(Finding(id=v["VulnerabilityID"], package=v["PkgName"], installed=v.get("InstalledVersion", ""),
                               fixed=v.get("FixedVersion") or "", severity=normalise_severity(v.get("Severity", "")),
                               target=target))
    return out


def _grype(doc: dict) -> list[Finding]:
    source = ((doc.get("source") or {}).get("target") or {})
    image = source.get("userInput", "") if isinstance(source, dict) else str(source)
    out = []
    for match in doc["matches"]:
        vuln, artifact = match["vulnerability"], match["artifact"]
        fix = vuln.get("fix") or {}
        fixed = ", ".join(fix.get("versions") or []) if fix.get("state") == "fixed" else ""
        related = tuple(r["id"] for r in match.get("relatedVulnerabilities") or [] if r.get("id"))
        locations = [loc.get("path", "") for loc in artifact.get("locations") or []]
        out.append(Finding(id=vuln["id"], package=artifact["name"], installed=artifact.get("version", ""),
                           fixed=fixed, severity=normalise_severity(vuln.get("severity", "")),
                           target=" ".join(filter(None, [image, *locations[:1]])), aliases=related))
    return out


def _field(text: str, *names: str) -> str | None:
    """The value of a `Name: value` line in a SARIF message or help text; None when no such line."""
    for name in names:
        match = re.search(rf"^{re.escape(name)}:[ \t]*(.*?)[ \t]*$", text, re.M)
        if match:
            return match.group(1)
    return None


def _sarif(doc: dict) -> list[Finding]:
    out = []
    for run in doc["runs"]:
        rules = (run.get("tool") or {}).get("driver", {}).get("rules") or []
        by_id = {rule["id"]: rule for rule in rules}
        for result in run.get("results") or []:
            rule = by_id.get(result.get("ruleId"))
            if rule is None and isinstance(result.get("ruleIndex"), int) and result["ruleIndex"] < len(rules):
                rule = rules[result["ruleIndex"]]
            rule = rule or {}
            text = "\n".join([(result.get("message") or {}).get("text", ""), (rule.get("help") or {}).get("text", "")])
            rule_id = result.get("ruleId") or rule.get("id", "")
            # "Vulnerability CVE-..." (no colon) in both Trivy's and Grype's text; Grype's rule id adds the package.
            named = re.search(r"^Vulnerability:?[ \t]+(\S+)", text, re.M)
            vuln_id = named.group(1) if named else re.sub(r"^\[\w+\]\s*", "", rule_id)
            package = _field(text, "Package") or ""
            installed = _field(text, "Installed Version", "Version") or ""
            fixed = _field(text, "Fixed Version", "Fix Version")
            # A SARIF result that says nothing about a fix is treated as fixable: failing closed on a
            # format we read less well beats passing a critical nobody looked at.
            fixed = "(fix not stated in the SARIF report)" if fixed is None else fixed
            uris = [loc.get("physicalLocation", {}).get("artifactLocation", {}).get("uri", "")
                    for loc in result.get("locations") or []]
            out.append(Finding(id=vuln_id, package=package, installed=installed, fixed=fixed,
                               severity=_sarif_severity(rule, text, result), target=" ".join(filter(None, uris[:1]))))
    return out


def _sarif_severity(rule: dict, text: str, result: dict) -> str:
    """Trivy tags its rules with the severity; Grype (and Trivy) give a CVSS `security-severity`."""
    properties = rule.get("properties") or {}
    for tag in properties.get("tags") or []:
        named = normalise_severity(str(tag))
        if named != "UNKNOWN":
            return named
    stated = _field(text, "Severity")
    if stated and normalise_severity(stated) != "UNKNOWN":
        return normalise_severity(stated)
    score = properties.get("security-severity")
    if score not in (None, ""):
        return severity_from_cvss(float(score))
    # No rating at all: SARIF's `level` is the last resort (error ~ HIGH, warning ~ MEDIUM, note ~ LOW).
    return {"error": "HIGH", "warning": "MEDIUM", "note": "LOW"}.get(result.get("level", ""), "UNKNOWN")


def _pip_audit(doc: dict) -> list[Finding]:
    out = []
    for dep in doc["dependencies"]:
        for v in dep.get("vulns") or []:
            out.append(Finding(id=v["id"], package=dep["name"], installed=dep.get("version", ""),
                               fixed=", ".join(v.get("fix_versions") or []), severity=UNRATED,
                               aliases=tuple(v.get("aliases") or [])))
    return out


PARSERS: dict[str, Callable[[dict], list[Finding]]] = {
    "trivy": _trivy, "grype": _grype, "sarif": _sarif, "pip-audit": _pip_audit}
