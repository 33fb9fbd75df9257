"""security/waivers.yaml: the accepted findings, each with a reason, an approver and an expiry date.

    - id: CVE-2024-12345          # the advisory: CVE, GHSA or PYSEC id (a report's aliases match too)
      package: openssl            # optional: only this package's finding
      reason: not reachable: ...  # why it is acceptable until `expires`
      expires: 2026-03-31         # last day the waiver holds (YYYY-MM-DD); required
      approved_by: "@someone"     # who accepted the risk

Any other key, a missing one, a malformed date or a duplicate entry is a config error: one line
naming the file and line, exit code 2 (never a silently ignored waiver).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Optional

import yaml

from .findings import Finding, ReportError, canonical_package

REQUIRED = ("id", "reason", "expires", "approved_by")
OPTIONAL = ("package",)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Waiver:
    id: str
    package: Optional[str]
    reason: str
    expires: date
    approved_by: str
    where: str  # file:line of the entry

    def covers(self, finding: Finding) -> bool:
        if self.id.upper() not in finding.ids():
            return False
        return self.package is None or canonical_package(self.package) == canonical_package(finding.package)

    def expired(self, today: date) -> bool:
        return self.expires < today


def load_waivers(path: Path) -> list[Waiver]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ReportError(f"{path}: no such waiver file (commit one holding `[]` when nothing is waived)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReportError(f"{path}: cannot read the waiver file: {error}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ReportError(f"{path}{line}: not valid YAML ({getattr(error, 'problem', None) or error})") from None
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise ReportError(f"{path}:{root.start_mark.line + 1}: the waiver file must be a YAML list of waivers "
                          "(`[]` when nothing is waived)")
    waivers, seen = [], {}
    for entry in root.value:
        where = f"{path}:{entry.start_mark.line + 1}"
        waiver = _waiver(entry, where)
        key = (waiver.id.upper(), canonical_package(waiver.package or ""))
        if key in seen:
            raise ReportError(f"{where}: duplicate waiver for {waiver.id}"
                              f"{' in ' + waiver.package if waiver.package else ''} (first at {seen[key]})")
        seen[key] = where
        waivers.append(waiver)
    return waivers


def _waiver(node: yaml.Node, where: str) -> Waiver:
    if not isinstance(node, yaml.MappingNode):
        raise ReportError(f"{where}: a waiver must be a mapping with keys {', '.join(REQUIRED + OPTIONAL)}")
    fields: dict[str, str] = {}
    for key_node, value_node in node.value:
        key, at = key_node.value, f"{where.rsplit(':', 1)[0]}:{key_node.start_mark.line + 1}"
        if key not in REQUIRED + OPTIONAL:
            raise ReportError(f"{at}: unknown waiver key {key!r} (allowed: {', '.join(REQUIRED + OPTIONAL)})")
        if not isinstance(value_node, yaml.ScalarNode) or not str(value_node.value).strip():
            raise ReportError(f"{at}: waiver key {key!r} needs a non-empty text value")
        fields[key] = str(value_node.value).strip()
    missing = [k for k in REQUIRED if k not in fields]
    if missing:
        raise ReportError(f"{where}: waiver {fields.get('id', '(no id)')} lacks {', '.join(missing)}"
                          f"{' (expires: YYYY-MM-DD, the last day it holds)' if 'expires' in missing else ''}")
    if not DATE.match(fields["expires"]):
        raise ReportError(f"{where}: waiver {fields['id']}: expires {fields['expires']!r} is not a YYYY-MM-DD date")
    try:
        expires = date.fromisoformat(fields["expires"])
    except ValueError:
        raise ReportError(f"{where}: waiver {fields['id']}: expires {fields['expires']!r} is not a real date") \
            from None
    return Waiver(id=fields["id"], package=fields.get("package"), reason=fields["reason"], expires=expires,
                  approved_by=fields["approved_by"], where=where)
