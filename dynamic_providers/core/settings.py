"""Where a provider finds its API's base URL and token: configure() config, then environment.

Pulumi calls ``ResourceProvider.configure(req)`` once per unpickled provider in the dynamic-provider
process, with the whole stack config (every namespace, secrets already unwrapped). We keep the two
values we need in a runtime-only slot that is excluded from pickling (see ``RuntimeConfig`` use in
``provider.py``); the environment is read at call time, never at import.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional


class MissingCredentialsError(Exception):
    """No token in the stack config nor in the environment."""


@dataclass(frozen=True)
class ApiSettings:
    """Static description of one API. Non-secret: lives on the provider class."""

    name: str  # "Render", used in error messages
    url_config_key: str  # fully qualified, e.g. "procurement:renderApiUrl"
    url_env: str  # e.g. "RENDER_API_URL"
    default_url: str
    token_config_key: str  # e.g. "procurement:renderApiKey"
    token_env: str  # e.g. "RENDER_API_KEY"
    auth_scheme: str = "Bearer"
    # How list query parameters are sent: False joins them with commas (Render's
    # ``style: form, explode: false``), True repeats the key (OpenAPI's default, Supabase).
    explode_lists: bool = False
    # Longest rate-limit wait per call (seconds): stack config key, then environment variable, else the
    # provider's ``HttpOptions.max_rate_limit_wait``. None: not configurable for this API.
    wait_config_key: Optional[str] = None  # e.g. "procurement:renderMaxRateLimitWaitSeconds"
    wait_env: Optional[str] = None  # e.g. "RENDER_MAX_RATE_LIMIT_WAIT_SECONDS"

    def resolve(self, configured: Optional[Mapping[str, Any]] = None) -> tuple[str, str]:
        """(base_url, token) with precedence configure() config, then environment, then default.

        Raises MissingCredentialsError naming both places a token can come from.
        """
        configured = configured or {}
        url = _text(configured.get(self.url_config_key)) or _text(os.environ.get(self.url_env)) or self.default_url
        token = _text(configured.get(self.token_config_key)) or _text(os.environ.get(self.token_env))
        if not token:
            raise MissingCredentialsError(
                f"No {self.name} API token: set it with `pulumi config set --secret "
                f"{self.token_config_key} <token>` or export {self.token_env}."
            )
        return url.rstrip("/"), token

    def max_rate_limit_wait(self, configured: Optional[Mapping[str, Any]] = None) -> Optional[float]:
        """The configured rate-limit wait limit in seconds (config, then environment), or None.

        Raises ValueError naming the key or variable when the value is not a number >= 0."""
        configured = configured or {}
        for source, value in ((self.wait_config_key, configured.get(self.wait_config_key or "")),
                              (self.wait_env, os.environ.get(self.wait_env or ""))):
            text = _text(value)
            if source and text is not None:
                try:
                    seconds = float(text)
                except ValueError:
                    seconds = -1.0
                if not seconds >= 0:
                    raise ValueError(f"{source} must be a number of seconds >= 0, got {text!r}")
                return seconds
        return None

    def wait_setting(self) -> str:
        """Where a user changes the rate-limit wait limit, for messages."""
        places = [p for p in (self.wait_config_key, self.wait_env) if p]
        return " or ".join(places)

    def pick(self, config: Any) -> dict[str, Any]:
        """The values this API needs, taken from a ``pulumi.dynamic.Config`` (or a plain dict)."""
        getter = config.get if hasattr(config, "get") else (lambda _k: None)
        keys = [k for k in (self.url_config_key, self.token_config_key, self.wait_config_key) if k]
        return {key: getter(key) for key in keys}


def _text(value: Any) -> Optional[str]:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
