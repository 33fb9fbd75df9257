"""``python -m ops.report [--stack NAME] [--since 7d] [--json] [--markdown FILE] [--backup-target URL]``: the
brief's targets over the window, each against its target (ops/report/targets.py). Read-only. Exit 0 when nothing is missed, 1 when a
target is missed (or a read failed: one line), 2 on bad input. A target without data is shown with the reason
and does not fail the report."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional, Sequence

from .. import cli
from ..readings.stack import Unreadable
from ..stack import CommandFailed, Stack
from . import measures, schedule
from .markdown import render
from .measures import MET, MISSED, Measure
from .metrics import BadAnswer
from .records import Window

ROOT = Path(__file__).resolve().parents[2]
SPAN = re.compile(r"^(\d+)([dhm])$")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}
COLOURS = {MET: ("\033[32m", "ok  "), MISSED: ("\033[31m", "MISS")}
GREY = ("\033[90m", "n/a ")


def since(text: str) -> timedelta:
    match = SPAN.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a span like 7d, 24h or 90m")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def compute(readings, window: Window) -> list[Measure]:
    d = readings.deploys
    runs = schedule.runs(readings.backup_schedule, window)
    if readings.backup_why:
        backup = measures.measure("backup_success", None, readings.backup_why)
    elif runs is None:
        backup = measures.measure("backup_success", None, f"schedule {readings.backup_schedule!r} is not "
                                                          "minute, hour and days of the week")
    else:
        backup = measures.backup_success(runs, readings.backups_taken, readings.backup_schedule)
    return [measures.uptime(readings.buckets), measures.response(readings.buckets), measures.deployment(d, window),
            measures.service_recovery(d, window), measures.mttr(d, window), measures.change_failure_rate(d, window),
            measures.lead_time(d, window, readings.commit_source), measures.deploy_frequency(d, window), backup,
            measures.disaster_recovery(readings.restore_tests, window, readings.restore_why),
            measures.monitoring_coverage(readings.public_hosts, readings.gaps)]


def screen(stack: str, window: Window, results: Sequence[Measure], colour: bool) -> str:
    lines = [f"targets of {stack}, {window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC"]
    for m in results:
        code, word = COLOURS.get(m.verdict, GREY)
        mark = f"{code}{word}\033[0m" if colour else word
        lines.append(f"{mark} {m.target.title:<22} {m.shown:>12}  (target {m.target.wanted})  {m.detail}")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default="production", help="the stack to report on (default production)")
    parser.add_argument("--since", type=since, default=since("7d"), help="the window: 7d (default), 24h, 90m")
    parser.add_argument("--json", action="store_true", help="the measures as JSON")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report with charts here")
    parser.add_argument("--backup-target", help="where the backups are (default $BACKUP_TARGET)")
    parser.add_argument("--config-file", type=Path, help="the stack's config file (default Pulumi.<stack>.yaml)")
    parser.add_argument("--cwd", type=Path, default=ROOT, help="the Pulumi project")
    cli.add_debug_flag(parser)
    args = parser.parse_args(argv)
    from . import collect  # the vendors' clients: only once the arguments are good

    def report(_) -> int:
        end = datetime.now(timezone.utc).replace(microsecond=0)  # now: a deploy of this minute is in the window
        window = Window(end - args.since, end)
        try:
            readings = collect.read(Stack(args.stack, args.cwd, args.config_file), window, args.backup_target)
        except Unreadable as error:
            print(f"report: {error}", file=sys.stderr)
            return error.exit_code
        results = compute(readings, window)
        if args.markdown:
            args.markdown.write_text(render(args.stack, window, results, measures.per_day(readings.deploys, window),
                                            readings.buckets))
        if args.json:
            print(json.dumps({"stack": args.stack, "start": window.start.isoformat(), "end": window.end.isoformat(),
                              "measures": [m.as_json() for m in results]}, indent=2))
        else:
            print(screen(args.stack, window, results, sys.stdout.isatty() and not os.environ.get("NO_COLOR")))
        return 1 if any(m.verdict == MISSED for m in results) else 0

    return cli.run("report", report, argv, expected=cli.EXPECTED + cli.api_failures() + (BadAnswer, SystemExit,
                                                                                      CommandFailed),
                   again=f"run `python -m ops.report --stack {args.stack}` again")


if __name__ == "__main__":
    sys.exit(main())
