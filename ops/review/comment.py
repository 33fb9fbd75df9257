"""The pull request's review-stack comment: one comment per PR, found again by its hidden MARKER line and edited.

`comment(...)` is pure (state, the stack's outputs, the cost estimate -> markdown). `python -m ops.review.comment`
writes it for the workflow: `--state creating|updated|queued|failed|destroyed [--detail LINE] [--outputs FILE]
[--plan FILE --parent-ref REF]` (outputs: `pulumi stack output --json`; plan: `pulumi preview --json`; the prices
are read from the Supabase API, read-only). One line on bad input: exit 2 for arguments, 1 for an unreadable file.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from .cost import HOURS_PER_MONTH, RENDER_PRICES_SOURCE, Estimate, usd

MARKER = "<!-- procurement-review-stack -->"
STATES = ("creating", "updated", "queued", "failed", "destroyed")
# Stack outputs a reviewer opens (docs/reference/stack-outputs.md).
URL_OUTPUTS = (("App", "frontend_url"), ("API", "api_url"))
BRANCH_OUTPUT, REVIEW_OUTPUT, EXPIRES_KEY = "database_branch_ref", "review", "expires_at"  # review: {pr, expires_at}
CLOCK = re.compile(r"\b([01]\d|2[0-3]):[0-5]\d\b")


@dataclass(frozen=True)
class Status:
    state: str  # one of STATES
    detail: str = ""  # failed: the tool's one line; queued: its line naming the time it runs

    def headline(self, stack: str) -> str:
        if self.state == "creating":
            return f"**{stack}**: creating (the `review (up)` job is running)"
        if self.state == "updated":
            return f"**{stack}**: up to date with this pull request's head"
        if self.state == "queued":
            until = CLOCK.search(self.detail)
            return f"**{stack}**: queued until {until.group(0)} UTC" if until else f"**{stack}**: queued"
        if self.state == "failed":
            return f"**{stack}**: failed: {self.detail or 'see the job log'}"
        return f"**{stack}**: destroyed (its Render services and database branch are gone)"


def _cost(estimate: Estimate) -> list[str]:
    total = estimate.usd_per_hour
    lines = [f"**Cost**: about {usd(total)} per hour (~${total * 24:.2f} a day) while it exists",
             "", "| object | what | per hour | note |", "|---|---|---|---|"]
    lines += [f"| `{line.name}` | {line.what} | {usd(line.usd_per_hour)} | {line.note} |" for line in estimate.lines]
    lines += ["", f"<sub>Render: {RENDER_PRICES_SOURCE}, monthly / {HOURS_PER_MONTH} (billed by the second); "
              "Supabase: the parent project's billing/addons hourly compute prices.</sub>"]
    return lines


def comment(pr: int, status: Status, outputs: Optional[Mapping[str, Any]] = None,
            estimate: Optional[Estimate] = None) -> str:
    """The whole comment body, MARKER first."""
    if status.state not in STATES:
        raise ValueError(f"state '{status.state}' is not one of {', '.join(STATES)}")
    stack = f"pr-{pr}"
    lines = [MARKER, f"### Review stack {status.headline(stack)}", ""]
    outputs = outputs or {}
    if status.state != "destroyed":
        links = [f"[{label}]({outputs[key]})" for label, key in URL_OUTPUTS if outputs.get(key)]
        if links:
            lines.append("**Open**: " + " · ".join(links))
        if outputs.get(BRANCH_OUTPUT):
            lines.append(f"**Database**: Supabase branch `{stack}` (ref `{outputs[BRANCH_OUTPUT]}`), "
                         "migrations and seed of this PR, no production data")
        expires = (outputs.get(REVIEW_OUTPUT) or {}).get(EXPIRES_KEY)
        if expires:
            lines.append(f"**Expires**: {expires} (the hourly sweep destroys it then, or when the PR closes)")
        if estimate is not None:
            lines += ["", *_cost(estimate)]
    lines += ["", "<details><summary>Commands</summary>", "",
              "- Update it: push to this branch; a reviewer approves the `review (up)` run (each push asks again).",
              f"- Destroy it now: close the PR, or `python -m ops.review down --pr {pr}` (review team).",
              f"- The same stack on your machine's sandbox: `make review-up PR={pr}`, then `make review-down PR={pr}`.",
              "- Create budget of the Render workspace: `python -m ops.review budget`.",
              "", "</details>"]
    return "\n".join(lines) + "\n"


def _read_json(path: Optional[str], what: str) -> Any:
    if not path:
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(f"review comment: cannot read {what} {path}: {e}; "
                         f"write it with `pulumi {'stack output' if what == 'outputs' else 'preview'} --json`") from None


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.review.comment", description=__doc__.splitlines()[0])
    parser.add_argument("--pr", type=int, required=True)
    parser.add_argument("--state", choices=STATES, required=True)
    parser.add_argument("--detail", default="")
    parser.add_argument("--outputs", help="`pulumi stack output --json` of the pr-<n> stack")
    parser.add_argument("--plan", help="`pulumi preview --json` of the pr-<n> stack")
    parser.add_argument("--parent-ref", help="the parent Supabase project (its billing/addons has the prices)")
    args = parser.parse_args(argv)
    if args.pr <= 0:
        parser.error("--pr must be a positive pull request number")
    if bool(args.plan) != bool(args.parent_ref):
        parser.error("--plan and --parent-ref go together (the plan's branch is priced by its parent's add-ons)")
    estimate = None
    if args.plan:
        from dynamic_providers.core.errors import ApiError

        from ..supabase_api import client
        from .cost import PriceUnknown, estimate as estimate_of, fetch_compute_prices
        try:
            estimate = estimate_of(_read_json(args.plan, "plan"), fetch_compute_prices(client(), args.parent_ref))
        except (ApiError, PriceUnknown) as e:
            print(f"review comment: no cost estimate: {e}", file=sys.stderr)  # the comment goes out without it
    sys.stdout.write(comment(args.pr, Status(args.state, args.detail), _read_json(args.outputs, "outputs"), estimate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
