"""GitHub's REST API, read-only: GITHUB_TOKEN (Actions sets it) as the bearer; GITHUB_API_URL, when set, names the
API (GitHub Enterprise, or a test's server). The drift runs (drift.py) and a commit's time (the report's lead time)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Union

import requests

DEFAULT_API = "https://api.github.com"


@dataclass(frozen=True)
class NotRead:
    why: str


def get(path: str, env: Mapping[str, str] = os.environ, params: Optional[dict] = None,
        timeout: float = 20) -> Union[Any, NotRead]:
    """The JSON answer of ``GET <api><path>``, or NotRead (why) without a token or on another status than 200."""
    token = env.get("GITHUB_TOKEN")
    if not token:
        return NotRead("GITHUB_TOKEN is not set")
    api = (env.get("GITHUB_API_URL") or DEFAULT_API).rstrip("/")
    try:
        answer = requests.get(api + path, params=params, timeout=timeout,
                              headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"})
    except requests.RequestException as error:
        return NotRead(f"GET {api}{path}: {type(error).__name__}")
    if answer.status_code != 200:
        return NotRead(f"GET {path}: {answer.status_code} {answer.text.strip()[:200]}")
    return answer.json()


def commit_time(repository: str, sha: str, env: Mapping[str, str] = os.environ) -> Union[str, NotRead]:
    """When ``sha`` of ``owner/name`` was committed (the committer's date, RFC 3339)."""
    answer = get(f"/repos/{repository}/commits/{sha}", env)
    if isinstance(answer, NotRead):
        return answer
    date = ((answer.get("commit") or {}).get("committer") or {}).get("date")
    return date or NotRead(f"GitHub gives no committer date for {repository}@{sha[:12]}")
