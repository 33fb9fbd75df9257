"""The source-control tier: GitHub repositories, required checks and production reviewers."""
from __future__ import annotations

from typing import Optional

from .fields import get
from .model import FrontendConfig, Repository, SourceControlConfig, Tiers
from .reader import Reader


def build_source_control(r: Reader, tiers: Tiers,
                         frontend: Optional[FrontendConfig]) -> Optional[SourceControlConfig]:
    raw = r.obj("sourceControl", tiers.source_control)
    if not tiers.source_control:
        return None
    repositories: list[Repository] = []
    for i, item in enumerate(get(raw, "repositories") or ()):
        if item is None:
            continue
        path = f"sourceControl.repositories[{i}]"
        if item["name"] is not None and any(x.name == item["name"] for x in repositories):
            r.add(f"{path}.name", f"duplicate repository '{item['name']}'")
        if item["role"] is not None and any(x.role == item["role"] for x in repositories):
            r.add(f"{path}.role", f"two repositories have the role '{item['role']}'")
        repositories.append(Repository(item["name"], item["role"], tuple(item["requiredChecks"] or ())))

    owner = get(raw, "owner")
    manages = get(raw, "manageRepositorySettings")
    reviewers = tuple(get(raw, "productionReviewers") or ())
    if manages and raw is not None and not reviewers and not r.reported("sourceControl.productionReviewers"):
        r.add("sourceControl.productionReviewers", "needs at least one user or team: the production GitHub "
              "environment this stack manages must require a reviewer")

    front = next((x for x in repositories if x.role == "frontend"), None)
    if frontend is not None and frontend.repo and owner and front is not None and front.name:
        expected = f"https://github.com/{owner}/{front.name}"
        if frontend.repo.rstrip("/") != expected:
            r.add("frontend.repo", f"is '{frontend.repo}' but sourceControl names the frontend repository "
                  f"'{expected}'")
    return SourceControlConfig(owner=owner, manage_repository_settings=manages,
                               default_branch=get(raw, "defaultBranch"),
                               required_approvals=get(raw, "requiredApprovals"),
                               production_reviewers=reviewers, repositories=tuple(repositories))
