"""Read-only readers of a stack's live facts, one per vendor collection, shared by `python -m ops.status` and
`python -m ops.report`: the stack (stack.py), Render services and deploys (render.py) and HTTP metrics
(metrics.py), the Supabase project (supabase.py), the backups' manifests (backups.py), the restore test's records
(restore_tests.py), an image's source commit (images.py: its registry), GitHub (github.py, drift.py) and the
coverage rule over the state (coverage.py). Every call is a GET (or `pulumi stack output/export`); the one
writer here, restore_tests.write, is the restore test's own."""
