"""Database tier of a review stack: a Supabase branch `pr-<n>` of the base stack's project, not a project.

Child: ``<name>-branch`` (supabase:Branch): its own ref and database; it follows the pull request's head branch
(`review.headBranch`) when known. A branch has none of a project's settings endpoints (they answer 404 on a branch
ref: notes/supabase-api.md, terraform-provider-supabase #345), so no settings, pooler, network, SSL, auth, API
keys, PITR or backup are declared (components/config/review.py drops them from the config).

The SQL roles and extensions are not declared here yet: SqlRole and Extension run their SQL through the
Management API's `database/query` of a project ref, which a branch ref does not serve, and they take no direct
connection. Until they do, the services get no DATABASE_URL on a review stack (never the branch's superuser).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
from pulumi import Output, ResourceOptions

from components import naming
from components.config import DatabaseConfig, ReviewConfig
from components.database import supabase_url
from dynamic_providers import supabase


@dataclass(frozen=True, kw_only=True)
class DatabaseBranchArgs:
    config: DatabaseConfig
    """The stack's `database` config (its instance size is the branch's)."""

    review: ReviewConfig
    """The pull request, the parent project's ref and the head branch."""


class DatabaseBranch(pulumi.ComponentResource):
    """The review stack's Supabase branch (``procurement:database:DatabaseBranch``)."""

    project_ref: Output[str]
    """The branch's own ref (its id in the Management API)."""
    supabase_url: Output[Optional[str]]
    """`https://<branch ref>.supabase.co`."""

    def __init__(self, name: str, args: DatabaseBranchArgs, opts: Optional[ResourceOptions] = None) -> None:
        super().__init__("procurement:database:DatabaseBranch", name, None, opts)
        review = args.review
        branch = supabase.Branch(
            f"{name}-branch", parent_project_ref=review.parent_project_ref, name=naming.review_stack(review.pr),
            git_branch=review.head_branch, desired_instance_size=args.config.instance_size,
            opts=ResourceOptions(parent=self))
        self.project_ref = branch.project_ref
        self.supabase_url = branch.project_ref.apply(supabase_url)
        # Nothing a tier consumes yet (see the module docstring): the same attributes as Database, empty.
        self.anon_key = None
        self.service_keys: dict = {}
        self.database_urls: dict = {}
        self.role_names: dict = {}
        self.backup_url = None
        self.client_files: dict = {}
        self.register_outputs({"project_ref": self.project_ref, "supabase_url": self.supabase_url})
