"""`python -m ops.review <command>`: review stacks, one `pr-<n>` stack per pull request.

Commands derive, up, down, sweep and budget; their flags, the environment they read and the exit codes (75:
queued past --max-wait): docs/reference/commands.md, "Review stacks"; the lifecycle:
docs/how-to/review-stacks.md. On the sandbox: `make review-up PR=7`.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from .. import cli
from ..stack import CommandFailed
from .budget import Queued
from .errors import BadInput, Unavailable

TOOL = "ops.review"


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a pull request number (a positive integer)")
    return int(text)


def pr_list(text: str) -> set[int]:
    return {positive_int(part.strip()) for part in text.split(",") if part.strip()}


def non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours/seconds >= 0")
    return value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=f"python -m {TOOL}", description=__doc__.split("\n\n")[0])
    cli.add_debug_flag(top)
    commands = top.add_subparsers(dest="command", required=True)

    def base(sub, required=True):
        sub.add_argument("--base", required=required, help="the base stack (staging in CI, local on the sandbox)")
        sub.add_argument("--base-file", help="its stack file, when not Pulumi.<base>.yaml (the sandbox's copy)")

    def derive_flags(sub):
        sub.add_argument("--pr", type=positive_int, required=True)
        base(sub)
        sub.add_argument("--head-branch", help="the PR's head branch: the static site builds it")
        sub.add_argument("--image", dest="image_digest", help="the backend image (registry/repo@sha256:...)")
        sub.add_argument("--ttl-hours", type=non_negative, default=72.0)

    derive_flags(commands.add_parser("derive", help="write Pulumi.pr-N.yaml"))
    up = commands.add_parser("up", help="derive, wait for the create budget, pulumi up")
    derive_flags(up)
    up.add_argument("--max-wait", type=non_negative, help="seconds to wait for the budget before exiting 75")
    down = commands.add_parser("down", help="destroy pr-N and delete its leftovers")
    down.add_argument("--pr", type=positive_int, required=True)
    base(down, required=False)
    sweep = commands.add_parser("sweep", help="sweep closed or expired review stacks and orphans")
    sweep.add_argument("--open", type=pr_list, required=True, help="the open PRs, comma-separated (may be empty)")
    base(sweep)
    sweep.add_argument("--ttl-hours", type=non_negative, default=72.0)
    sweep.add_argument("--dry-run", action="store_true", help="say what it would do; write nothing")
    budget = commands.add_parser("budget", help="service creates left this hour")
    base(budget)
    budget.add_argument("--pr", type=positive_int)
    return top


# The command a person ran to get here, when a wrapper ran the tool for them (tools/scripts/local-stack.sh review):
# the queued line names it, not the tool's own command line (which needs the wrapper's environment).
AGAIN_ENV = "OPS_REVIEW_AGAIN"


def again_command(argv: Sequence[str]) -> str:
    return " ".join(["python", "-m", TOOL, *argv])


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    from . import workflow
    from .apis import render_client, supabase_client

    try:
        return run(args, argv, workflow, render_client, supabase_client)
    except BadInput as error:
        print(f"{TOOL} {args.command}: {error}", file=sys.stderr)
        return 2
    except Unavailable as error:
        print(f"{TOOL} {args.command} failed: {error}", file=sys.stderr)
        return 1
    except Queued as queued:
        print(queued.message, file=sys.stderr)
        return queued.code


def run(args, argv, workflow, render_client, supabase_client) -> int:
    from . import budget as budgets

    if args.command == "down" and not args.base:
        review = workflow.review_of(args.pr)
        if not review:
            raise BadInput(f"no Pulumi.pr-{args.pr}.yaml to read the workspace and parent project from; "
                                    f"name the base stack: {again_command(['down', '--pr', str(args.pr), '--base', 'STACK'])}")
    base = workflow.Base.load(args.base, args.base_file) if args.base else None
    if args.command == "derive":
        path, _ = workflow.derive_file(args.pr, base, base.parent_project_ref(supabase_client()),
                                       head_branch=args.head_branch, image_digest=args.image_digest,
                                       ttl_hours=args.ttl_hours)
        print(f"wrote {path.name}")
    elif args.command == "up":
        workflow.up(args.pr, base, render_client(), supabase_client(), again=os.environ.get(AGAIN_ENV) or again_command(argv),
                    head_branch=args.head_branch, image_digest=args.image_digest, ttl_hours=args.ttl_hours,
                    max_wait=args.max_wait)
    elif args.command == "down":
        supabase = supabase_client()
        if base:
            owner, parent = base.owner_id, base.parent_project_ref(supabase, required=False)
        else:
            owner = (workflow.read_document(workflow.stack_file(args.pr))["config"].get("procurement:render")
                     or {}).get("ownerId")
            parent = workflow.review_of(args.pr).get("parentProjectRef")
        workflow.down(args.pr, owner, parent, render_client(), supabase)
    elif args.command == "sweep":
        workflow.sweep(args.open, base, render_client(), supabase_client(), ttl_hours=args.ttl_hours,
                       dry_run=args.dry_run)
    elif args.command == "budget":
        render = render_client()
        from datetime import datetime, timezone
        now = datetime.now(timezone.utc)
        current = budgets.creates_this_window(render, base.owner_id, now)
        line = (f"the workspace has {current.left} of {budgets.CREATE_LIMIT} service creates left until "
                f"{current.resets_at:%H:%M} UTC")
        if args.pr:
            from . import stacks
            name = stacks.review_stack(args.pr)
            document = workflow.read_document(workflow.stack_file(args.pr))
            existing = workflow.service_names_of(workflow.inventory(render, base.owner_id), args.pr)
            line += f"; {name} needs {budgets.creates_needed(document, name, existing)}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(cli.run(TOOL, main, expected=cli.EXPECTED + cli.api_failures() + (CommandFailed,),
                     again="fix it and run the same command again"))
