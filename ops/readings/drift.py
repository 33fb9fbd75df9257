"""The newest run of the drift workflow (.github/workflows/drift.yml), from GitHub's REST API:
``GET /repos/{owner}/{repo}/actions/workflows/drift.yml/runs?per_page=1`` (newest first). Needs GITHUB_TOKEN and
GITHUB_REPOSITORY (owner/name; Actions sets both); GITHUB_API_URL, when set, names the API (GitHub Enterprise)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Union

import requests

WORKFLOW = "drift.yml"
DEFAULT_API = "https://api.github.com"


@dataclass(frozen=True)
class DriftRun:
    status: str  # queued | in_progress | completed
    conclusion: Optional[str]  # success | failure | cancelled | ... once completed
    created_at: str
    url: str


@dataclass(frozen=True)
class NotRead:
    why: str


def newest_run(env=os.environ, timeout: float = 20) -> Union[DriftRun, NotRead, None]:
    """The newest run; None when the workflow never ran; NotRead (with why) without the credentials."""
    token, repository = env.get("GITHUB_TOKEN"), env.get("GITHUB_REPOSITORY")
    if not token or not repository:
        return NotRead("GITHUB_TOKEN and GITHUB_REPOSITORY are not both set (the drift runs are on GitHub)")
    api = (env.get("GITHUB_API_URL") or DEFAULT_API).rstrip("/")
    path = f"/repos/{repository}/actions/workflows/{WORKFLOW}/runs"
    answer = requests.get(api + path, params={"per_page": 1}, timeout=timeout,
                          headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"})
    if answer.status_code != 200:
        return NotRead(f"GET {path}: {answer.status_code} {answer.text.strip()[:200]}")
    runs = answer.json().get("workflow_runs") or []
    if not runs:
        return None
    run = runs[0]
    return DriftRun(run.get("status") or "", run.get("conclusion"), run.get("created_at") or "",
                    run.get("html_url") or "")
