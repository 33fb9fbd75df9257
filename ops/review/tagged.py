"""The vendor objects tagged pr-<n> (components/naming.py `review_pr_of`): Render services (static sites too), env
groups (the backend's shared one), projects and their environments, Supabase branches of the parent project. One list per collection
(paged as the client pages), and the deletion of the ones no stack owns."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Optional

from dynamic_providers.core.errors import NotFoundError

from .stacks import pr_of


@dataclass(frozen=True)
class Tagged:
    kind: str  # "service" | "env_group" | "environment" | "project" | "branch" (the deletion order)
    id: str  # the Render id, or the branch's own project ref
    name: str


# Services first (an env group linked to a service, an environment holding services), the branch last.
DELETE_ORDER = ("service", "env_group", "environment", "project", "branch")


@dataclass
class Inventory:
    by_pr: dict[int, list[Tagged]] = field(default_factory=lambda: defaultdict(list))

    def of(self, pr: int) -> list[Tagged]:
        return sorted(self.by_pr.get(pr, []), key=lambda t: (DELETE_ORDER.index(t.kind), t.name))

    def prs(self) -> set[int]:
        return {pr for pr, found in self.by_pr.items() if found}


def inventory(render, owner_id: str, supabase=None, parent_ref: Optional[str] = None) -> Inventory:
    """Everything tagged pr-<n>: ``render`` a RenderApi, ``supabase`` a SupabaseApi (branches need the parent)."""
    found = Inventory()

    def add(kind: str, id_: str, name: Optional[str]) -> None:
        pr = pr_of(name or "")
        if pr is not None:
            found.by_pr[pr].append(Tagged(kind, id_, name))

    for service in render.list_services(owner_id, include_previews=False):
        add("service", service.id, service.name)
    for group in render.find_env_groups(None, owner_id):  # one unwrapped page
        add("env_group", group.id, group.name)
    for project in render.find_projects(None, owner_id):
        add("project", project.id, project.name)
        if pr_of(project.name or "") is not None:
            # A tagged project's environments go with it; one list each (GET /environments needs projectId).
            for environment in render.list_environments(project.id):
                add("environment", environment.id, environment.name)
    if supabase is not None and parent_ref:
        for branch in supabase.list_branches(parent_ref):
            if not branch.is_default:  # the parent's own branch: never a review stack's
                add("branch", branch.project_ref, branch.name)
    return found


def delete_leftovers(pr: int, owned_ids: Iterable[str], found: Inventory, render, supabase=None) -> list[Tagged]:
    """Deletes the objects tagged ``pr`` whose ids the stack does not own: services first, then environments and
    projects, then branches. A 404 means already gone: done. Returns what it deleted (or found gone)."""
    owned = set(owned_ids)
    deleted = []
    for item in found.of(pr):
        if item.id in owned:
            continue
        try:
            if item.kind == "service":
                render.delete_service(item.id)
            elif item.kind == "env_group":
                render.delete_env_group(item.id)
            elif item.kind == "environment":
                render.delete_environment(item.id)
            elif item.kind == "project":
                render.delete_project(item.id)
            elif supabase is not None:
                supabase.delete_branch(item.id)
            else:
                continue
        except NotFoundError:
            pass
        deleted.append(item)
    return deleted
