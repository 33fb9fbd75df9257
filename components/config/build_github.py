"""The source-control tier: GitHub repositories, required checks and production reviewers."""
from __future__ import annotations

from typing import Optional

from .declarative import get
from .model import FrontendConfig, SourceControlConfig
from .reader import Reader


def check_source_control(r: Reader, raw: Optional[dict], config: SourceControlConfig,
                         frontend: Optional[FrontendConfig]) -> None:
    repositories = config.repositories
    # Positions of the parsed entries (an entry that is itself invalid is None and reported already).
    where = [i for i, item in enumerate(get(raw, "repositories") or ()) if item is not None]
    for n, (i, item) in enumerate(zip(where, repositories)):
        path = f"sourceControl.repositories[{i}]"
        if item.name is not None and any(x.name == item.name for x in repositories[:n]):
            r.add(f"{path}.name", f"duplicate repository '{item.name}'")
        if item.role is not None and any(x.role == item.role for x in repositories[:n]):
            r.add(f"{path}.role", f"two repositories have the role '{item.role}'")

    owner, manages, reviewers = config.owner, config.manage_repository_settings, config.production_reviewers
    if manages and raw is not None and not reviewers and not r.reported("sourceControl.productionReviewers"):
        r.add("sourceControl.productionReviewers", "needs at least one user or team: the production GitHub "
              "environment this stack manages must require a reviewer")

    front = next((x for x in repositories if x.role == "frontend"), None)
    if frontend is not None and frontend.repo and owner and front is not None and front.name:
        expected = f"https://github.com/{owner}/{front.name}"
        if frontend.repo.rstrip("/") != expected:
            r.add("frontend.repo", f"is '{frontend.repo}' but sourceControl names the frontend repository "
                  f"'{expected}'")
