"""The one error a bad stack raises, listing every problem with its full config key."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the stack config. `key` is the full key, e.g. `procurement:backend.minInstances`."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class Problems(list):
    """Collects problems while the whole config is read, so one run reports all of them."""

    def add(self, key: str, message: str) -> None:
        problem = Problem(key, message)
        if problem not in self:  # rules may reach the same fact twice; say it once
            self.append(problem)


# Subclassing pulumi.RunError (itself an Exception) makes the Python language host print just
# our message as the preview's error, without a Python traceback (pulumi-language-python-exec
# catches RunError and logs str(e)).
class ConfigError(pulumi.RunError):
    """The stack config is invalid. `problems` lists each one; the message lists them all."""

    def __init__(self, stack: str, problems: "Problems | list[Problem]") -> None:
        self.stack = stack
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        lines = [
            f"Stack '{stack}' has {count} configuration problem{'s' if count != 1 else ''}; "
            "nothing was declared. Fix these in Pulumi.<stack>.yaml (or the stack's ESC environment):"
        ]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.problems)
