"""The status as one screen (a line per check: ok green, FAIL red, n/a grey; colours only on a terminal) or JSON."""
from __future__ import annotations

import json
import os
import sys

from .checks import FAIL, NA, OK, Check

COLOURS = {OK: "\033[32m", FAIL: "\033[31m", NA: "\033[90m"}
RESET = "\033[0m"


def coloured(stream=sys.stdout) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


def lines(stack: str, checks: list[Check], colour: bool) -> list[str]:
    width = max((len(c.name) for c in checks), default=0)
    out = [f"status of stack {stack}"]
    for c in checks:
        state = f"{c.state:<4}"
        if colour:
            state = f"{COLOURS[c.state]}{state}{RESET}"
        out.append(f"{state} {c.name:<{width}}  {c.detail}")
    failed = sum(c.state == FAIL for c in checks)
    out.append(f"{failed} of {len(checks)} checks FAIL" if failed else f"all {len(checks)} checks ok or n/a")
    return out


def as_json(stack: str, checks: list[Check]) -> str:
    return json.dumps({"stack": stack, "failed": sum(c.state == FAIL for c in checks),
                       "checks": [c.to_json() for c in checks]}, indent=2)
