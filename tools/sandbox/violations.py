"""What a spec check reports: one broken rule per Violation, in the shape journal entries and 4xx messages use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


@dataclass
class Violation:
    """One broken rule, phrased so a test failure or a 4xx message says what to fix."""

    where: str  # "request" or "response"
    rule: str  # the schema keyword or check that failed: "required", "enum", "path", "security", ...
    message: str
    location: str = ""  # JSON path of the offending value ("body.serviceDetails.plan") or parameter name

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.message} (rule: {self.rule})"

    def to_json(self) -> dict:
        return {"where": self.where, "rule": self.rule, "message": self.message, "location": self.location}


def json_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".")


def leaf_errors(error: Any) -> Iterable[Any]:
    """The deepest reasons of a jsonschema error: anyOf/oneOf failures carry the per-branch reasons in .context."""
    if getattr(error, "context", None):
        best = max(error.context, key=lambda e: len(list(e.absolute_path)))
        yield from leaf_errors(best)
    else:
        yield error


def schema_violations(where: str, location: str, errors: Iterable[Any]) -> list[Violation]:
    """jsonschema errors of the value at ``location`` ("body", a parameter name) as Violations."""
    return [Violation(where, str(leaf.validator), leaf.message, json_path([location, *leaf.absolute_path]))
            for error in errors for leaf in leaf_errors(error)]
