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

    def pick(self, config: Any) -> dict[str, Any]:
        """The values this API needs, taken from a ``pulumi.dynamic.Config`` (or a plain dict)."""
        getter = config.get if hasattr(config, "get") else (lambda _k: None)
        return {key: getter(key) for key in (self.url_config_key, self.token_config_key)}


def _text(value: Any) -> Optional[str]:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
