"""The procurement platform: one stack per environment (local, staging, production).

Kept thin on purpose: read and validate the whole stack config first (a bad stack fails here with
one message listing every problem, before any resource exists), then build, then export.
"""
import pulumi

from components.config import load_config, stack_facts

config = load_config()

# Issue 7 composes the tier components here: `components.platform` builds every tier that
# `config.tiers` switches on (images, backend, frontend, database, edge, source control,
# observability) and returns the stack-outputs contract, which then extends the facts below.

for name, value in stack_facts(config).items():
    pulumi.export(name, value)
