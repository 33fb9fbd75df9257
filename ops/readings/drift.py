"""The newest run of the drift workflow (.github/workflows/drift.yml), from GitHub's REST API:
``GET /repos/{owner}/{repo}/actions/workflows/drift.yml/runs?per_page=1`` (newest first). Needs GITHUB_TOKEN and
GITHUB_REPOSITORY (owner/name; Actions sets both); github.py reads the API."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Union

from .github import NotRead, get

WORKFLOW = "drift.yml"


@dataclass(frozen=True)
class DriftRun:
    status: str  # queued | in_progress | completed
    conclusion: Optional[str]  # success | failure | cancelled | ... once completed
    created_at: str
    url: str


def newest_run(env=os.environ, timeout: float = 20) -> Union[DriftRun, NotRead, None]:
    """The newest run; None when the workflow never ran; NotRead (with why) without the credentials."""
    repository = env.get("GITHUB_REPOSITORY")
    if not env.get("GITHUB_TOKEN") or not repository:
        return NotRead("GITHUB_TOKEN and GITHUB_REPOSITORY are not both set (the drift runs are on GitHub)")
    answer = get(f"/repos/{repository}/actions/workflows/{WORKFLOW}/runs", env, {"per_page": 1}, timeout)
    if isinstance(answer, NotRead):
        return answer
    runs = answer.get("workflow_runs") or []
    if not runs:
        return None
    run = runs[0]
    return DriftRun(run.get("status") or "", run.get("conclusion"), run.get("created_at") or "",
                    run.get("html_url") or "")
