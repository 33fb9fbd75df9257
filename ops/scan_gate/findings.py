"""One finding as every report format is read into, and the severity scale."""
from __future__ import annotations

import re
from dataclasses import dataclass

# Trivy's scale, lowest first; Grype's and CVSS scores map onto it. UNRATED is pip-audit's: it reports
# advisories without a severity, so the gate treats a fixable unrated finding as failing whatever the threshold.
SEVERITIES = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")
UNRATED = "UNRATED"
# What scanners write where a fix version would be when there is none.
NO_FIX = {"", "unknown", "none", "n/a", "not fixed", "won't fix", "wont-fix"}


class ReportError(Exception):
    """A report or waiver file the gate cannot read; the message is the one line to print."""


@dataclass(frozen=True)
class Finding:
    id: str
    package: str
    installed: str
    fixed: str  # "" when no fix is known
    severity: str  # one of SEVERITIES, or UNRATED
    target: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def fixable(self) -> bool:
        return self.fixed.strip().lower() not in NO_FIX

    def ids(self) -> set[str]:
        return {self.id.upper(), *(a.upper() for a in self.aliases)}


def canonical_package(name: str) -> str:
    """PEP 503 normalisation (also harmless for OS package names): `PyYAML` == `pyyaml`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def normalise_severity(text: str) -> str:
    upper = (text or "").strip().upper()
    if upper == "NEGLIGIBLE":  # Grype's lowest
        return "LOW"
    return upper if upper in SEVERITIES else "UNKNOWN"


def severity_from_cvss(score: float) -> str:
    """GitHub's code-scanning bands for a SARIF rule's `security-severity`."""
    if score >= 9.0:
        return "CRITICAL"
    if score >= 7.0:
        return "HIGH"
    if score >= 4.0:
        return "MEDIUM"
    if score > 0.0:
        return "LOW"
    return "UNKNOWN"
