"""Review stacks stay in their lane (issue 26); mandatory on every stack, whatever its environment.

A review stack (environment review, stack pr-<n>) declares no Supabase project (its database is a branch), nothing
of Cloudflare or GitHub (the zone and the repositories belong to staging and production), no custom domain, and
every Render and Supabase object it names carries its tag `pr-<n>` (components/naming.py), so the sweeper can tell
whose it is. Staging and production declare no Supabase branch (a branch is a review stack's database only).
"""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from components import naming

from .enforcement import StackContext
from .inputs import lookup, plain
from .tokens import RENDER_CUSTOM_DOMAIN, SUPABASE_BRANCH, SUPABASE_PROJECT

NAME = "review-stack-isolation"
DESCRIPTION = ("A review stack declares no Supabase project, no Cloudflare or GitHub resource and no custom domain, "
               "and every Render/Supabase name carries its pr-<n> tag; staging and production declare no Supabase "
               "branch.")
VENDOR_PREFIXES = ("pulumi-python:dynamic/render:", "pulumi-python:dynamic/supabase:")
SHARED_PROVIDERS = ("cloudflare:", "github:")
# Postgres objects inside the branch's database: they go with the branch and are no vendor object of their own.
UNTAGGED_TYPES = ("pulumi-python:dynamic/supabase:SqlRole", "pulumi-python:dynamic/supabase:Extension")
LONG_LIVED = ("staging", "production")


def make_validate(context: StackContext):
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        facts = context.facts
        if facts.environment in LONG_LIVED and args.resource_type == SUPABASE_BRANCH:
            report_violation(f"'{args.name}' is a Supabase branch in the {facts.environment} stack: branches are "
                             f"review stacks' databases (python -m ops.review up), never {facts.environment}'s.")
        if not facts.is_review:
            return
        stack = naming.review_stack(facts.review_pr) if facts.review_pr else "pr-<n>"
        if args.resource_type == SUPABASE_PROJECT:
            report_violation(f"'{args.name}' is a Supabase project in review stack {stack}: a review stack's database "
                             f"is a branch of its parent project (procurement:review.parentProjectRef).")
        elif args.resource_type.startswith(SHARED_PROVIDERS):
            report_violation(f"'{args.name}' ({args.resource_type}) in review stack {stack}: the Cloudflare zone and "
                             f"the GitHub repositories belong to staging and production.")
        elif args.resource_type == RENDER_CUSTOM_DOMAIN:
            report_violation(f"'{args.name}' is a custom domain in review stack {stack}: review services answer on "
                             f"their onrender.com URLs.")
        if args.resource_type.startswith(VENDOR_PREFIXES) and args.resource_type not in UNTAGGED_TYPES:
            name = lookup(plain(args.props), "name")
            if isinstance(name, str) and naming.review_pr_of(name) != facts.review_pr:
                report_violation(f"'{args.name}' is named '{name}', without the tag of review stack {stack}: the "
                                 f"sweeper would not know whose it is (components/naming.py).")
    return validate
