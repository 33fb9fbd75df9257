"""``python -m ops.status [--stack NAME] [--json] [--config-file F]``: the stack's platform on one screen.

Per Render service: the live deploy, its health, the last deploy's result, instances against scaling, suspended;
the database: project health, PITR window, newest backup, the restore test's newest result; alert routing
coverage; the newest drift check. Read-only (GETs, `pulumi stack output/export/config`). Exit 0 when nothing
FAILs, 1 when something does (or the stack is not up), 2 on bad input.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from .. import cli
from ..readings.stack import Unreadable, read_up_stack
from ..stack import CommandFailed, Stack
from .checks import FAIL
from .collect import collect
from .screen import as_json, coloured, lines

ROOT = Path(__file__).resolve().parents[2]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.status", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default="local", help="the stack (default: local)")
    parser.add_argument("--json", action="store_true", help="the checks as JSON, for scripts")
    parser.add_argument("--config-file", type=Path, help="the stack's config file (default Pulumi.<stack>.yaml)")
    parser.add_argument("--cwd", type=Path, default=ROOT, help="the Pulumi project")
    cli.add_debug_flag(parser)
    args = parser.parse_args(argv)
    if args.config_file and not args.config_file.is_file():
        parser.error(f"--config-file {args.config_file}: no such file")
    expected = cli.EXPECTED + cli.api_failures() + (CommandFailed,)
    return cli.run("status", lambda _: _status(args), argv, expected=expected,
                   again=f"run `python -m ops.status --stack {args.stack}` again")


def _status(args) -> int:
    try:
        stack = read_up_stack(Stack(args.stack, args.cwd, args.config_file))
    except Unreadable as error:
        print(f"status: {error}", file=sys.stderr)
        return error.exit_code
    checks = collect(stack, datetime.now(timezone.utc))
    print(as_json(args.stack, checks) if args.json else "\n".join(lines(args.stack, checks, coloured())))
    return 1 if any(c.state == FAIL for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
