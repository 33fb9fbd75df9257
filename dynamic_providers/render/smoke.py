"""Smoke checks: GET paths of a web service's public URL and compare each answer's status with the expected one.

Used by release candidates (against the preview) and by a Deploy's watch (against the service). Off Render the
request goes to a traffic gateway with the service's Host kept (``procurement:renderTrafficGatewayUrl``, else
``RENDER_TRAFFIC_GATEWAY_URL``). These are public requests: the Render API token is never sent.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Union
from urllib.parse import urlsplit

GATEWAY_CONFIG_KEY = "procurement:renderTrafficGatewayUrl"
GATEWAY_ENV = "RENDER_TRAFFIC_GATEWAY_URL"
# Per request: a check that needs longer than this is a failed check, not a slow release.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0


def gateway(configured: Optional[Mapping[str, Any]]) -> Optional[str]:
    """The traffic gateway origin: configure()d stack config, then the environment, else None (request directly)."""
    for value in ((configured or {}).get(GATEWAY_CONFIG_KEY), os.environ.get(GATEWAY_ENV)):
        text = str(value).strip() if value is not None else ""
        if text:
            return text.rstrip("/")
    return None


def request_url(public_url: str, path: str, via: Optional[str] = None) -> tuple[str, dict[str, str]]:
    """(URL to request, headers) for ``path`` of the service at ``public_url``; ``via`` a gateway: Host kept."""
    if not via:
        return public_url.rstrip("/") + path, {}
    return via + path, {"Host": urlsplit(public_url).netloc}


@dataclass(frozen=True)
class CheckResult:
    path: str
    expected: int
    got: Union[int, str]  # the status, or "no answer: <why>"
    ok: bool

    def line(self) -> str:
        """``GET /health -> 200 ok`` or ``GET /health -> 503, expected 200``."""
        if self.ok:
            return f"GET {self.path} -> {self.got} ok"
        return f"GET {self.path} -> {self.got}, expected {self.expected}"

    def failure(self) -> str:
        """``GET /health -> 500 (expected 200)``: a failed check inside a longer sentence."""
        return f"GET {self.path} -> {self.got} (expected {self.expected})"

    def as_output(self) -> dict[str, Any]:
        return {"path": self.path, "expected": self.expected, "got": self.got, "ok": self.ok}


def check_once(public_url: str, path: str, expected: int, via: Optional[str] = None) -> CheckResult:
    import requests  # lazy: importing the providers does no I/O and loads no HTTP stack (as core/transport.py)

    url, headers = request_url(public_url, path, via)
    try:
        answer = requests.get(url, headers=headers, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                              allow_redirects=False)
    except requests.RequestException as exc:
        return CheckResult(path, expected, f"no answer: {type(exc).__name__}", False)
    return CheckResult(path, expected, answer.status_code, answer.status_code == expected)


def run_checks(public_url: str, checks: list[Mapping[str, Any]], via: Optional[str] = None) -> list[CheckResult]:
    return [check_once(public_url, c["path"], int(c["status"]), via) for c in checks]


def checks_problem(checks: Any) -> Optional[str]:
    """Why ``checks`` is not a list of {"path": "/...", "status": 100-599}, or None (a check() rule)."""
    if not isinstance(checks, list):
        return "must be a list of {path, status}"
    for i, check in enumerate(checks):
        if not isinstance(check, Mapping) or set(check) != {"path", "status"}:
            return f"[{i}] must be {{\"path\": \"/health\", \"status\": 200}}, got {check!r}"
        path, status = check["path"], check["status"]
        if not isinstance(path, str) or not path.startswith("/"):
            return f"[{i}].path must start with '/', got {path!r}"
        if isinstance(status, bool) or not isinstance(status, (int, float)) or not 100 <= status <= 599 \
                or int(status) != status:
            return f"[{i}].status must be an HTTP status 100-599, got {status!r}"
    return None


def describe_checks(checks: Any) -> str:
    """``GET /health -> 200, GET /api -> 401``: the checks as a plan shows them."""
    if checks_problem(checks) is not None:
        return "its checks"
    return ", ".join(f"GET {c['path']} -> {int(c['status'])}" for c in checks) or "nothing"
