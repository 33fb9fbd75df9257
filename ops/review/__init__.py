"""Review stacks: one pr-<n> stack per pull request (docs/how-to/review-stacks.md)."""
