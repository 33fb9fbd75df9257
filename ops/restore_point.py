"""``python -m ops.restore_point --stack <stack> [--name NAME]``: a named restore point of the stack's database,
taken before every production promotion (promote-production.yml runs it right before `pulumi up`).

It asks Supabase for a restore point (``POST /v1/projects/{ref}/database/backups/restore-point``), waits until
it is AVAILABLE, and prints its name: if the promotion breaks the data, ``python -m ops.restore --stack
<stack> --restore-point <name>`` undoes it in place (docs/how-to/restore-the-database.md). The project is the stack's
``supabase_project_ref`` output (or ``--project-ref``). Any failure (the API refused it, it FAILED, it was not
AVAILABLE in time) exits 1 with one line (``-v``: and the traceback): the promotion does not run without its way
back.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from dynamic_providers.core.errors import ApiError, is_ambiguous

from . import cli
from .stack import Stack
from .supabase_api import client

NAME_LIMIT = 20  # V1RestorePointPostBody.name.maxLength


def default_name(now: datetime | None = None) -> str:
    """``pre-<yymmddHHMMSS>``: 16 characters, sortable, unique per second."""
    return "pre-" + (now or datetime.now(timezone.utc)).strftime("%y%m%d%H%M%S")


def create(ref: str, name: str, timeout: float = 900, interval: float = 2.0, api=None) -> dict:
    api = api or client()
    try:
        point = api.create_restore_point(ref, name)
    except ApiError as error:
        if not is_ambiguous(error):
            raise SystemExit(f"restore point {name} of project {ref}: {error}") from None
        point = api.get_restore_point(ref, name)  # the answer was lost: did it happen?
    deadline = time.monotonic() + timeout
    while point.status != "AVAILABLE":
        if point.status == "FAILED":
            raise SystemExit(f"restore point {name} of project {ref} FAILED")
        if time.monotonic() > deadline:
            raise SystemExit(f"restore point {name} of project {ref} is still {point.status} after {timeout:g}s")
        time.sleep(interval)
        point = api.get_restore_point(ref, name)
    return {"project_ref": ref, "name": point.name or name, "status": point.status,
            "completed_on": point.completed_on}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.restore_point", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", help="stack whose database it is (its supabase_project_ref output)")
    parser.add_argument("--project-ref", help="the project, instead of reading the stack's output")
    parser.add_argument("--name", help=f"at most {NAME_LIMIT} characters (default pre-<UTC time>)")
    parser.add_argument("--cwd", default=str(Path(__file__).resolve().parents[1]), help="the Pulumi project")
    parser.add_argument("--timeout", type=float, default=900)
    cli.add_debug_flag(parser)
    args = parser.parse_args(argv)
    name = args.name or default_name()
    if len(name) > NAME_LIMIT:
        parser.error(f"--name is longer than {NAME_LIMIT} characters")
    if not args.project_ref and not args.stack:
        parser.error("give --stack or --project-ref")
    return cli.run("restore point", lambda _: _take(args, name), argv, expected=cli.EXPECTED + cli.api_failures(),
                   again="run the same `python -m ops.restore_point` command again")


def _take(args, name: str) -> int:
    ref = args.project_ref or str(Stack(args.stack, Path(args.cwd)).output("supabase_project_ref"))
    point = create(ref, name, timeout=args.timeout)
    print(f"restore point {point['name']} of project {ref} is {point['status']} (completed {point['completed_on']}); "
          f"undo with: python -m ops.restore --stack {args.stack or '<stack>'} --restore-point {point['name']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
