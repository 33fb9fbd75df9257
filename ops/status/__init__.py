"""`python -m ops.status`: the platform's state on one screen, one line per check (ok / FAIL / n/a), read-only."""
