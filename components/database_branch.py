"""Database tier of a review stack: a Supabase branch `pr-<n>` of the base stack's project, not a project.

Children: ``<name>-branch`` (supabase:Branch): its own ref and database; it follows the pull request's head branch
(`review.headBranch`) when known. Then the config's extensions and least-privilege roles on the branch's database,
the same resources and passwords as on a project (components/database.declare_extensions_and_roles, with
`branch=True`: they wait on `GET /v1/branches/{ref}`). A branch has none of a project's settings endpoints (they
answer 404 on a branch ref: notes/supabase-api.md, terraform-provider-supabase #345), so no settings, pooler,
network, SSL, auth, API keys, PITR or backup are declared (ops/review/stack_config.py drops them from the config).

Each service with a role gets `DATABASE_URL`: its role on the branch's own host and port (a branch has no pooler
endpoint), TLS as on a project (components/database.connection_url); never the branch's superuser.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
from pulumi import Output, ResourceOptions

from components import naming
from components.config import DatabaseConfig, ReviewConfig
from components.database import ca_path, client_files, connection_url, declare_extensions_and_roles, supabase_url
from dynamic_providers import supabase


@dataclass(frozen=True, kw_only=True)
class DatabaseBranchArgs:
    config: DatabaseConfig
    """The stack's `database` config (its instance size is the branch's; its roles and extensions)."""

    review: ReviewConfig
    """The pull request, the parent project's ref and the head branch."""


class DatabaseBranch(pulumi.ComponentResource):
    """The review stack's Supabase branch (``procurement:database:DatabaseBranch``)."""

    project_ref: Output[str]
    """The branch's own ref (its id in the Management API)."""
    supabase_url: Output[Optional[str]]
    """`https://<branch ref>.supabase.co`."""
    database_urls: dict[str, Output[Optional[str]]]
    """Backend service -> connection URL of its role on the branch's database (secret)."""
    role_names: dict[str, str]
    """Backend service -> Postgres role it logs in as."""

    def __init__(self, name: str, args: DatabaseBranchArgs, opts: Optional[ResourceOptions] = None) -> None:
        super().__init__("procurement:database:DatabaseBranch", name, None, opts)
        cfg, review = args.config, args.review
        branch = supabase.Branch(
            f"{name}-branch", parent_project_ref=review.parent_project_ref, name=naming.review_stack(review.pr),
            git_branch=review.head_branch, desired_instance_size=cfg.instance_size,
            opts=ResourceOptions(parent=self))
        self.project_ref = branch.project_ref
        self.supabase_url = branch.project_ref.apply(supabase_url)
        _, roles = declare_extensions_and_roles(self, name, cfg, branch.project_ref, database=branch, branch=True)
        self.role_names = {role.service: role.name for role, _ in roles}
        self.database_urls = {
            role.service: Output.secret(
                Output.all(branch.db_host, branch.db_port, branch.db_user, password)
                .apply(lambda v, role=role: connection_url(host=v[0], port=v[1], pooler_user=v[2], database=None,
                                                           role=role.name, password=v[3],
                                                           require_ssl=bool(cfg.enforce_ssl), ca_path=ca_path(cfg))))
            for role, password in roles}
        self.client_files = client_files(cfg)
        # A branch has no API keys endpoint and no backup: the same attributes as Database, empty.
        self.anon_key = None
        self.service_keys: dict = {}
        self.backup_url = None
        self.register_outputs({"project_ref": self.project_ref, "supabase_url": self.supabase_url,
                               "database_urls": self.database_urls, "role_names": self.role_names})
