"""The repository's GitHub Actions workflows, parsed, with the facts the tests need about them."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
PULUMI_ACTION = "pulumi/actions"


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as the boolean True.
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def workflows() -> dict[str, dict[str, Any]]:
    return {p.name: load(p) for p in sorted(WORKFLOWS.glob("*.yml"))}


@dataclass(frozen=True)
class Step:
    workflow: str
    job: str
    index: int
    data: dict[str, Any]

    @property
    def uses(self) -> Optional[str]:
        return self.data.get("uses")

    @property
    def action(self) -> Optional[str]:
        return self.uses.split("@", 1)[0] if self.uses else None

    @property
    def inputs(self) -> dict[str, Any]:
        return self.data.get("with") or {}


def steps(docs: Optional[dict[str, dict[str, Any]]] = None) -> Iterator[Step]:
    for name, doc in (docs or workflows()).items():
        for job_id, job in doc["jobs"].items():
            for i, step in enumerate(job.get("steps") or []):
                yield Step(name, job_id, i, step)


_MATRIX = re.compile(r"\$\{\{\s*matrix\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")


def matrix_rows(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The combinations of a job's matrix (no include/exclude in our workflows: refuse them)."""
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    assert not {"include", "exclude"} & set(matrix), "expand include/exclude here before using them"
    keys = list(matrix)
    return [dict(zip(keys, values)) for values in itertools.product(*(matrix[k] for k in keys))] or [{}]


def expand(text: str, row: dict[str, Any]) -> str:
    """`${{ matrix.x }}` replaced by the row's value."""
    return _MATRIX.sub(lambda m: str(row[m.group(1)]), text)


def job_names(doc: dict[str, Any]) -> set[str]:
    """The check names a workflow's jobs report (matrix names expanded)."""
    names = set()
    for job_id, job in doc["jobs"].items():
        for row in matrix_rows(job):
            names.add(expand(job.get("name", job_id), row))
    return names


def pulumi_commands(docs: Optional[dict[str, dict[str, Any]]] = None) -> set[str]:
    """The CLI command each pulumi/actions step runs, in the form docs/reference/workflows.md documents:
    `pulumi <command> --stack <stack> [--refresh] [--expect-no-changes] [--policy-pack <dir>]`
    (`--diff` and the comment options only change how the result is shown)."""
    commands = set()
    docs = docs or workflows()
    for step in steps(docs):
        if step.action != PULUMI_ACTION or "command" not in step.inputs:
            continue
        job = docs[step.workflow]["jobs"][step.job]
        for row in matrix_rows(job):
            i = step.inputs
            parts = ["pulumi", i["command"], "--stack", expand(i["stack-name"], row)]
            if str(i.get("refresh", "false")).lower() == "true":
                parts.append("--refresh")
            if str(i.get("expect-no-changes", "false")).lower() == "true":
                parts.append("--expect-no-changes")
            if i.get("policyPacks"):
                parts += ["--policy-pack", i["policyPacks"]]
            commands.add(" ".join(parts))
    return commands


def run_commands(docs: Optional[dict[str, dict[str, Any]]] = None) -> set[str]:
    """Every command line of every `run:` step (one per non-empty, non-comment line)."""
    lines = set()
    for step in steps(docs):
        for line in (step.data.get("run") or "").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                lines.add(line)
    return lines
