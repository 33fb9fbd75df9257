"""What a stack says about itself: its outputs (which vendor objects are its), its config (API URLs, pitrDays)
and its state's resources (for the coverage rule). `pulumi stack output/config/export`: reads only."""
from __future__ import annotations

import json
from dataclasses import dataclass

from ops.cli import why
from ops.stack import CommandFailed, Stack

UNKNOWN_STACK_HINT = "pick one `pulumi stack ls` lists (locally: make up first)"


@dataclass(frozen=True)
class StackReading:
    name: str
    outputs: dict
    config: dict
    resources: list[dict]

    def services(self) -> dict[str, str]:
        """The stack's name of each Render service -> its id: the backend's, then the static site."""
        found = dict(self.outputs.get("backend_service_ids") or {})
        if self.outputs.get("frontend_service_id"):
            found["frontend"] = self.outputs["frontend_service_id"]
        return found


def read_stack(stack: Stack) -> StackReading:
    outputs = json.loads(stack.run("stack", "output", "--json"))
    state = json.loads(stack.run("stack", "export"))
    return StackReading(stack.name, outputs, stack.config(), (state.get("deployment") or {}).get("resources") or [])


class Unreadable(Exception):
    """The stack cannot be read: it does not exist (bad input, exit 2) or it is not up (no outputs, exit 1)."""

    def __init__(self, line: str, exit_code: int) -> None:
        super().__init__(line)
        self.exit_code = exit_code


def read_up_stack(stack: Stack) -> StackReading:
    """`read_stack`, refusing a stack that does not exist or is not up with one line (the status and the report
    alike); any other failure of `pulumi` is the caller's to report."""
    try:
        reading = read_stack(stack)
    except CommandFailed as error:
        if not unknown_stack(error):
            raise
        raise Unreadable(f"{why(error)}; next: {UNKNOWN_STACK_HINT}", 2) from None
    if not reading.outputs:
        raise Unreadable(f"stack {stack.name} has no outputs: it is not up (locally: make up)", 1)
    return reading


def unknown_stack(error: CommandFailed) -> bool:
    """A `pulumi` command failed because the stack does not exist (bad input, not a failure to read)."""
    return "no stack named" in error.output
