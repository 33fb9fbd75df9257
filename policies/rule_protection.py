"""Stateful resources are protected: losing them loses data, not just configuration.

Stateful here: the Supabase project (the database; `procurement:database.deletionProtection`) and
any Render service with a persistent disk. `protect` makes the engine refuse every delete and
replace of them, including the replace a create-only input change would plan.
"""
from __future__ import annotations

from typing import Optional

from pulumi_policy import ReportViolation, ResourceValidationArgs

from .inputs import UNKNOWN, lookup, plain
from .tokens import RENDER_SERVICE, SUPABASE_PROJECT

NAME = "stateful-resources-protected"
DESCRIPTION = ("Stateful resources (the Supabase project, Render services with a persistent disk) are protected "
               "from deletion and replacement.")


def _stateful(args: ResourceValidationArgs) -> Optional[str]:
    if args.resource_type == SUPABASE_PROJECT:
        return "the Supabase project (the database)"
    if args.resource_type == RENDER_SERVICE:
        disk = lookup(plain(args.props), "disk")
        if disk is not None and disk is not UNKNOWN:
            return "a Render service with a persistent disk"
    return None


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    what = _stateful(args)
    if what is not None and not args.opts.protect:
        report_violation(f"'{args.name}' is {what} but is not protected: declare it with "
                         f"ResourceOptions(protect=True) (procurement:database.deletionProtection for the database).")
