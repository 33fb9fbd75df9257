"""``python -m ops.scan_gate --report REPORT [--report ...] [--waivers security/waivers.yaml]``

Exit code 0 when nothing fixable at or above --fail-on (default HIGH) is left unwaived, no waiver has
expired and the report audited every dependency; 1 when the gate fails (one line per failing finding,
expired waiver or unaudited dependency, then a summary line);
2 when a report or the waiver file cannot be read (one line: which file, which line, what is wrong).
The markdown verdict is appended to --summary, by default $GITHUB_STEP_SUMMARY when it is set.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from .findings import SEVERITIES, ReportError
from .gate import evaluate, lines, markdown
from .reports import FORMATS, read_report
from .waivers import load_waivers

DEFAULT_WAIVERS = Path(__file__).resolve().parents[2] / "security" / "waivers.yaml"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from None


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m ops.scan_gate", description=__doc__.split("\n\n")[1])
    parser.add_argument("--report", action="append", required=True, type=Path,
                        help="a scanner report (repeatable): Trivy or Grype JSON, SARIF 2.1.0, pip-audit JSON")
    parser.add_argument("--format", choices=("auto",) + FORMATS, default="auto", help="default: detected")
    parser.add_argument("--waivers", type=Path, default=DEFAULT_WAIVERS, help="default: <repo>/security/waivers.yaml")
    parser.add_argument("--fail-on", choices=SEVERITIES[1:], default="HIGH",
                        help="lowest severity that fails when fixable (default HIGH: CRITICAL and HIGH fail)")
    parser.add_argument("--today", type=_date, default=None, help="the date waivers expire against (default: today)")
    parser.add_argument("--summary", type=Path, default=os.environ.get("GITHUB_STEP_SUMMARY") or None,
                        help="append the markdown verdict here (default: $GITHUB_STEP_SUMMARY when set)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        waivers = load_waivers(args.waivers)
        findings, unaudited = [], []
        for path in args.report:
            _, found, skipped = read_report(path, args.format)
            findings += found
            unaudited += skipped
    except ReportError as error:
        print(f"scan gate: {error}", file=sys.stderr)
        return 2
    names = ", ".join(str(p) for p in args.report)
    verdict = evaluate(findings, waivers, args.fail_on, args.today or date.today(), unaudited)
    for line in lines(verdict, names):
        print(line)
    if args.summary:
        try:
            with open(args.summary, "a") as summary:
                summary.write(markdown(verdict, names))
        except OSError as error:
            print(f"scan gate: cannot append the summary to {args.summary}: {error}", file=sys.stderr)
            return 2
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # the gate's contract is one line, never a traceback
        print(f"scan gate: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(2)
