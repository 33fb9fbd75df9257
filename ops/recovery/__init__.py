"""Recovering a stack after an interrupted update: what `tools/scripts/recover.sh` decides with.

docs/how-to/recover-an-interrupted-update.md is the procedure; this package holds its decisions, as functions
of `pulumi stack export` and of the stack's lock, so they are tested on their own: pending operations and the
`procurement:adopt` entries that take over exactly what they asked for (`state`), a dead update's lock
(`locks`), an unreadable checkpoint (`checkpoint`), the config plus those entries in a temporary file
(`config_file`; the committed stack file is never edited). Command line: `python -m ops.recovery --help`.
"""
