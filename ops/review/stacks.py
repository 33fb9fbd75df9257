"""The pr-<n> stacks of this project, and the sweeper's decision: which to keep, which to sweep, and which pull
requests left vendor objects behind with no stack at all (orphans). The decision is a pure function."""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, Optional

from ..stack import CommandFailed, Stack
from ..timestamps import utc_time
from .errors import Unavailable


def naming_of_review_stacks():
    """components.naming, which declares the pr-<n> tag (`review_stack`, `review_pr_of`)."""
    from components import naming

    if not (hasattr(naming, "review_stack") and hasattr(naming, "review_pr_of")):
        raise Unavailable("this checkout's components/naming.py has no review_stack/review_pr_of; they come with "
                          "the review stacks' program")
    return naming


def pr_of(name: str) -> Optional[int]:
    return naming_of_review_stacks().review_pr_of(name)


@dataclass(frozen=True)
class ReviewStack:
    name: str
    pr: int
    expires_at: Optional[datetime]  # the stack's `review` output; None before its first successful up
    last_update: Optional[datetime]
    updating: bool


@dataclass(frozen=True)
class Decision:
    keep: tuple[ReviewStack, ...]
    sweep: tuple[tuple[ReviewStack, str], ...]  # (stack, why)
    orphans: tuple[int, ...]  # PRs with tagged vendor objects and no stack


def decide(stacks: Iterable[ReviewStack], open_prs: Iterable[int], tagged_prs: Iterable[int], now: datetime,
           ttl_hours: float) -> Decision:
    """Keep a stack whose PR is open and unexpired; sweep the rest. A stack with no `review` output yet expires
    ``ttl_hours`` after its last update; one being updated right now for an open PR is kept (its `up` runs)."""
    open_prs = set(open_prs)
    keep, sweep = [], []
    stacks = sorted(stacks, key=lambda s: s.pr)
    for stack in stacks:
        expires = stack.expires_at or (stack.last_update + timedelta(hours=ttl_hours) if stack.last_update else None)
        if stack.pr not in open_prs:
            sweep.append((stack, f"PR {stack.pr} is not open"))
        elif stack.updating:
            keep.append(stack)
        elif expires is None:
            sweep.append((stack, "never updated and not updating"))
        elif expires <= now:
            sweep.append((stack, f"expired at {expires:%Y-%m-%d %H:%M} UTC"))
        else:
            keep.append(stack)
    orphans = sorted(set(tagged_prs) - {s.pr for s in stacks})
    return Decision(tuple(keep), tuple(sweep), tuple(orphans))


def list_review_stacks(cwd: Path) -> list[ReviewStack]:
    """`pulumi stack ls --json` on this project's backend, then each pr-<n> stack's `review` output."""
    command = [os.environ.get("PULUMI") or "pulumi", "stack", "ls", "--json", "--non-interactive"]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        output = (done.stderr + "\n" + done.stdout).strip()
        raise CommandFailed(f"`pulumi stack ls` failed (exit {done.returncode}): {output[-2000:]}", output)
    found = []
    for entry in json.loads(done.stdout or "[]"):
        name = entry["name"].rsplit("/", 1)[-1]  # org/project/stack on a service backend
        pr = pr_of(name)
        if pr is None or name != review_stack(pr):
            continue
        found.append(ReviewStack(name, pr, expires_of(Stack(name, cwd)), utc_time(entry.get("lastUpdate")),
                                 bool(entry.get("updateInProgress"))))
    return found


def review_stack(pr: int) -> str:
    return naming_of_review_stacks().review_stack(pr)


def expires_of(stack: Stack) -> Optional[datetime]:
    """The stack's `review.expires_at` output (components/outputs.py); None when the stack has none yet."""
    from .comment import EXPIRES_KEY, REVIEW_OUTPUT  # the output's names, declared once

    try:
        outputs = json.loads(stack.run("stack", "output", "--json"))
    except CommandFailed:
        return None
    return utc_time(((outputs or {}).get(REVIEW_OUTPUT) or {}).get(EXPIRES_KEY))
