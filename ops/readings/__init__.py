"""Read-only collectors of a stack's live facts (Render, Supabase, the stack's state, the restore test's record,
GitHub's drift runs), as plain records: what `python -m ops.status` shows and the targets report reuses.
Every call here is a GET (or `pulumi stack output/export`): nothing in this package writes anywhere."""
