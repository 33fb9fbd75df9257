"""`python -m ops.recovery <command>`: the decisions of tools/scripts/recover.sh (see __init__.py).

  pending EXPORT                          one line per pending operation ("creating <urn>")
  adopt-config EXPORT STACK_FILE OUT      write STACK_FILE + adopt entries for the pending creates to OUT;
                                          prints the entries added (nothing, and no file, when there are none)
  lock BACKEND_URL PROJECT STACK          "none", "dead", "alive" or "unknown", then a detail
  repair BACKEND_URL PROJECT STACK        make a file backend's checkpoint readable again; prints what it did
  interrupted BACKEND_URL PROJECT STACK   why the last update did not finish, exit 1; nothing, exit 0, if it did
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .checkpoint import interrupted, repair
from .config_file import with_adopt
from .locks import lock_status
from .state import adopt_entries, describe, pending_operations


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, args = argv[0], argv[1:]
    if command == "pending" and len(args) == 1:
        for op in pending_operations(json.loads(Path(args[0]).read_text())):
            print(describe(op))
        return 0
    if command == "adopt-config" and len(args) == 3:
        entries = adopt_entries(json.loads(Path(args[0]).read_text()))
        if entries:
            with_adopt(Path(args[1]), entries, Path(args[2]))
        print("\n".join(entries))
        return 0
    if command == "lock" and len(args) == 3:
        status = lock_status(*args)
        print(status.state, status.detail)
        return 0
    if command == "repair" and len(args) == 3:
        for line in repair(*args):
            print(line)
        return 0
    if command == "interrupted" and len(args) == 3:
        why = interrupted(*args)
        if why:
            print(why)
        return 1 if why else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
