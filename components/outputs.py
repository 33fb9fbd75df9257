"""The stack-outputs contract: every key other teams may read, as data.

Other stacks and teams read these through `pulumi.StackReference` (examples/consumer/), so they
are a public interface: flat snake_case keys, each with a type, a secrecy and a meaning, present
exactly when its tiers are on. `__main__.py` exports through `export_outputs`, which refuses a key
that is not declared here and marks the secret ones secret; docs/reference/stack-outputs.md's table is
this list (tests/components/test_outputs_contract.py compares that doc, this module and what each
stack exports under mocks, so removing a key or changing its secrecy fails a test).

Changing the contract: add keys freely; removing or renaming a key, or changing its type or
secrecy, breaks consumers: keep the old key for a release and say so in that doc.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import pulumi

from components.config import StackConfig, stack_facts
from components.platform import Platform


@dataclass(frozen=True)
class OutputSpec:
    key: str
    type: str  # as in that doc: string, list of strings, map of strings
    secret: bool
    present_when: str  # the doc's "present when" column
    meaning: str
    present: Callable[[StackConfig], bool]  # the same condition, as code

    def __post_init__(self) -> None:
        if not self.key.replace("_", "").isalnum() or self.key != self.key.lower():
            raise ValueError(f"output key {self.key!r} is not flat snake_case")


def _on(*tiers: str) -> Callable[[StackConfig], bool]:
    return lambda config: any(getattr(config.tiers, tier) for tier in tiers)


def _api_role(config: StackConfig) -> bool:
    return (config.backend is not None and config.database is not None and config.review is None
            and config.database.role_for(config.backend.api_service) is not None)


def _not_review(condition: Callable[[StackConfig], bool]) -> Callable[[StackConfig], bool]:
    """`condition`, on a stack that is no review stack (one has no custom domain and no Supabase project)."""
    return lambda config: config.review is None and condition(config)


def _review(condition: Callable[[StackConfig], bool]) -> Callable[[StackConfig], bool]:
    return lambda config: config.review is not None and condition(config)


CONTRACT: tuple[OutputSpec, ...] = (
    OutputSpec("environment", "string", False, "always", "`local`, `staging`, `production` or `review`",
               lambda c: True),
    OutputSpec("enabled_tiers", "list of strings", False, "always",
               "tiers this stack builds, in a fixed order (`source_control` for `sourceControl`)", lambda c: True),
    OutputSpec("api_hostname", "string", False, "backend on, not a review stack", "`<apiSubdomain>.<domain>`",
               _not_review(_on("backend"))),
    OutputSpec("api_url", "string", False, "backend on", "`https://<api_hostname>`: the API's public URL (a review "
               "stack: the API service's `https://<name>.onrender.com`)", _on("backend")),
    OutputSpec("api_service_id", "string", False, "backend on",
               "Render id of the web service behind `api_url` (`backend.apiService`)", _on("backend")),
    OutputSpec("backend_service_ids", "map of strings", False, "backend on",
               "backend service name -> Render service id (web services, workers, cron jobs)", _on("backend")),
    OutputSpec("backend_image_digest", "string", False, "images or backend on",
               "`<registry>/<repository>@sha256:<hex>` the backend runs; production promotes it, and "
               "pinning it as `procurement:backendImageDigest` rolls back to it", _on("images", "backend")),
    OutputSpec("render_region", "string", False, "backend or frontend on", "Render region of the services",
               _on("backend", "frontend")),
    OutputSpec("app_hostname", "string", False, "frontend on, not a review stack", "`<appSubdomain>.<domain>`",
               _not_review(_on("frontend"))),
    OutputSpec("frontend_url", "string", False, "frontend on", "`https://<app_hostname>`: the web app's public URL "
               "(a review stack: the static site's `https://<name>.onrender.com`)", _on("frontend")),
    OutputSpec("frontend_service_id", "string", False, "frontend on", "Render id of the static site",
               _on("frontend")),
    OutputSpec("supabase_region", "string", False, "database on", "Supabase region of the project",
               _on("database")),
    OutputSpec("supabase_project_ref", "string", False, "database on, not a review stack",
               "Supabase project ref (its id in the Management API)", _not_review(_on("database"))),
    OutputSpec("supabase_url", "string", False, "database on",
               "`https://<ref>.supabase.co`: Supabase's APIs (auth, REST, storage) for clients (a review stack: "
               "its branch's ref)", _on("database")),
    OutputSpec("supabase_anon_key", "string", True, "database on, not a review stack",
               "the project's anon key (public in browsers, still a credential)", _not_review(_on("database"))),
    OutputSpec("database_url", "string", True, "backend and database on, and `database.roles` has a role for "
               "`backend.apiService`",
               "pooled Postgres URL of the API service's least-privilege role (never the superuser)", _api_role),
    OutputSpec("cloudflare_zone_id", "string", False, "edge on", "Cloudflare zone the platform's hosts are in",
               _on("edge")),
    OutputSpec("database_branch_ref", "string", False, "review stack, database on",
               "ref of the Supabase branch `pr-<n>` the review stack's database is", _review(_on("database"))),
    OutputSpec("review", "map of strings", False, "review stack", "`{pr, expires_at}`: the pull request this stack "
               "deploys and when the sweeper destroys it (ISO-8601 UTC)", _review(lambda c: True)),
)
BY_KEY: Mapping[str, OutputSpec] = {spec.key: spec for spec in CONTRACT}
SECRET_KEYS = frozenset(spec.key for spec in CONTRACT if spec.secret)


def expected_keys(config: StackConfig) -> set[str]:
    """The keys a stack with this config exports."""
    return {spec.key for spec in CONTRACT if spec.present(config)}


def stack_outputs(platform: Platform) -> dict[str, Any]:
    """The stack's outputs: the config facts plus what the tier components produced."""
    config = platform.config
    outputs: dict[str, Any] = dict(stack_facts(config))
    if platform.images is not None:
        outputs["backend_image_digest"] = platform.images.image_ref
    if platform.backend is not None:
        backend = platform.backend
        outputs.update(api_url=backend.api_url, api_service_id=backend.api_service_id,
                       backend_service_ids=backend.service_ids)
    if platform.frontend is not None:
        outputs.update(frontend_url=platform.frontend.url, frontend_service_id=platform.frontend.site_id)
    if platform.database is not None and config.review is not None:
        outputs.update(database_branch_ref=platform.database.project_ref, supabase_url=platform.database.supabase_url)
    elif platform.database is not None:
        database = platform.database
        outputs.update(supabase_project_ref=database.project_ref, supabase_url=database.supabase_url,
                       supabase_anon_key=database.anon_key)
        if config.backend is not None and config.backend.api_service in database.database_urls:
            outputs["database_url"] = database.database_urls[config.backend.api_service]
    if platform.edge is not None:
        outputs["cloudflare_zone_id"] = platform.edge.zone_id
    if config.review is not None:
        outputs["review"] = {"pr": str(config.review.pr), "expires_at": config.review.expires_at}
    return outputs


def export_outputs(outputs: Mapping[str, Any]) -> None:
    """`pulumi.export` each output; a key outside the contract is a programming error, secret keys stay secret."""
    undeclared = sorted(set(outputs) - set(BY_KEY))
    if undeclared:
        raise ValueError(f"stack outputs {undeclared} are not in the contract (components/outputs.py CONTRACT)")
    for key in (spec.key for spec in CONTRACT if spec.key in outputs):
        value = outputs[key]
        pulumi.export(key, pulumi.Output.secret(value) if BY_KEY[key].secret else value)


def docs_table() -> str:
    """The stack-outputs table of docs/reference/stack-outputs.md, generated from CONTRACT."""
    rows = ["| output | type | secret | present when | meaning |", "|---|---|---|---|---|"]
    rows += [f"| `{s.key}` | {s.type} | {'yes' if s.secret else 'no'} | {s.present_when} | {s.meaning} |"
             for s in CONTRACT]
    return "\n".join(rows)
