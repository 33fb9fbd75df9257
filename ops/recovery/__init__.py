"""Recovering a stack after an interrupted update: what `tools/scripts/recover.sh` decides with.

docs/how-to/recover-an-interrupted-update.md is the procedure; this package holds its decisions, as
functions of `pulumi stack export` and of the stack's lock, so they are tested on their own:

- `state.pending_operations(export)`: what the interrupted update left unfinished;
- `state.adopt_entries(export)`: the `procurement:adopt` entries that let the next `up` take over
  exactly the objects the interrupted creates asked for (components/naming.py gives each stack its
  own physical names, so an object with such a name can only be ours); a Deploy entry carries the
  deploys the state already knows, so a deploy already made is taken over, never made twice;
- `locks.lock_status(...)`: whether a file-backend lock belongs to an update that is gone;
- `checkpoint.repair(...)`: a file backend's checkpoint metadata a killed CLI left unreadable;
- `config_file.with_adopt(...)`: the stack's config plus those entries, in a temporary file (the
  committed stack file is never edited).

Command line (used by tools/scripts/recover.sh): `python -m ops.recovery --help`.
"""
