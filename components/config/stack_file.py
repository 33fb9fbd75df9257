"""`python -m components.config.stack_file Pulumi.<stack>.yaml`: what the Pulumi CLI refuses before the program runs,
named by key or line (a `.nan`/`.inf` fails every CLI command naming no key; a YAML mistake, naming the `config:`
line). tools/scripts/local-stack.sh and the pull-request workflow run it before `pulumi`."""
from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import yaml

from .declarative import leaves


def yaml_problem(path: Path, error: yaml.YAMLError) -> str:
    """One line, at the place the parser stopped (`file:line:column`), not where the block it was in began
    (the CLI names the `config:` line, without the file)."""
    mark = getattr(error, "problem_mark", None)
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    hint = " (check the indentation of this line and the one before)" if "not allowed here" in problem or \
        "expected <block end>" in problem else ""
    return f"{where}: cannot be read as YAML: {problem}{f' {context}' if context else ''}{hint}"


def problems(path: Path) -> list[str]:
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except OSError as error:
        return [f"{path}: cannot be read: {error.strerror}"]
    except yaml.YAMLError as error:
        return [yaml_problem(path, error)]
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        return []
    return [f"{key}: is not a finite number (.nan/.inf); the Pulumi CLI cannot store it (it fails with "
            f"'json: unsupported value'). Use a number, or remove the line"
            for key, value in leaves(config) if isinstance(value, float) and not math.isfinite(value)]


def main(argv: list[str]) -> int:
    found = [line for name in argv for line in problems(Path(name))]
    for line in found:
        print(f"error: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
