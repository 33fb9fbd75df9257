"""Where a provider finds its API's base URL and its credentials.

Base URL: the ``configure()`` config (``procurement:renderApiUrl``, plain), then the environment, then the vendor's
default. Credentials and the secrets a resource hands to a vendor come from the environment at call time and from
nowhere else (only a ``fingerprint`` enters the state): the engine stores the whole stack config in the state and
configures refresh and destroy from that copy. Why, at length: dynamic_providers/core/README.md, "API settings".
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from .transport import Transport


class MissingCredentialsError(Exception):
    """A credential the call needs is not in the environment.

    ``concise``: shown by the provider host as this one-line message, without a Python traceback
    (see ``sdk_patches.install_concise_errors``); the message says what to set and where.
    """

    concise = True


@dataclass(frozen=True)
class ApiSettings:
    """Static description of one API. Non-secret: lives on the provider class."""

    name: str  # "Render", used in error messages
    url_config_key: str  # fully qualified, e.g. "procurement:renderApiUrl"
    url_env: str  # e.g. "RENDER_API_URL"
    default_url: str
    token_env: str  # e.g. "RENDER_API_KEY": the only place the token is read from
    auth_scheme: str = "Bearer"
    # How list query parameters are sent: False joins them with commas (Render's
    # ``style: form, explode: false``), True repeats the key (OpenAPI's default, Supabase).
    explode_lists: bool = False
    # Longest rate-limit wait per call (seconds): stack config key, then environment variable, else the
    # provider's ``HttpOptions.max_rate_limit_wait``. None: not configurable for this API.
    wait_config_key: Optional[str] = None  # e.g. "procurement:renderMaxRateLimitWaitSeconds"
    wait_env: Optional[str] = None  # e.g. "RENDER_MAX_RATE_LIMIT_WAIT_SECONDS"

    def resolve(self, configured: Optional[Mapping[str, Any]] = None) -> tuple[str, str]:
        """(base_url, token): URL from configure() config, then environment, then default; the
        token from the environment only, read now. Raises MissingCredentialsError without one."""
        configured = configured or {}
        url = _text(configured.get(self.url_config_key)) or _text(os.environ.get(self.url_env)) or self.default_url
        token = _text(os.environ.get(self.token_env))
        if not token:
            raise MissingCredentialsError(
                f"No {self.name} API token: {self.token_env} is not set for this `pulumi` run. Export "
                f"{self.token_env}, or check the stack's ESC environment "
                f"(environmentVariables.{self.token_env}); API tokens are never read from stack config.")
        return url.rstrip("/"), token

    def transport(self, configured: Optional[Mapping[str, Any]] = None, **options: Any) -> Transport:
        """A transport to this API at the URL and with the token `resolve` gives now; `options` are the
        Transport's own (the providers add their HTTP options and hints, the ops tools take the defaults)."""
        url, token = self.resolve(configured)
        return Transport(url, token, api_name=self.name, auth_scheme=self.auth_scheme,
                         explode_lists=self.explode_lists, **options)

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

    @property
    def auth_hint(self) -> str:
        """Appended to 401/403 errors: which variable to fix."""
        return (f"check {self.token_env} (read from this run's environment; the stack's ESC environment "
                f"sets environmentVariables.{self.token_env})")

    def pick(self, config: Any) -> dict[str, Any]:
        """The non-secret values this API needs, taken from a ``pulumi.dynamic.Config`` (or a dict)."""
        getter = config.get if hasattr(config, "get") else (lambda _k: None)
        keys = [k for k in (self.url_config_key, self.wait_config_key) if k]
        return {key: getter(key) for key in keys}


def env_secret(variable: str, purpose: str) -> str:
    """The value of environment variable ``variable``, read now; MissingCredentialsError without it.

    ``purpose`` says what it is for in the message ("the registry token Render pulls images with").
    """
    value = _text(os.environ.get(variable))
    if not value:
        raise MissingCredentialsError(
            f"No {purpose}: {variable} is not set for this `pulumi` run. Export {variable}, or check the "
            f"stack's ESC environment (environmentVariables.{variable}); it is never stored in config or state.")
    return value


def fingerprint(variable: str, value: str) -> str:
    """A short, one-way fingerprint of a secret (SHA-256 of the variable name and the value, 16 hex
    digits): changes when the value is rotated, reveals nothing usable about a random token."""
    return "sha256:" + hashlib.sha256(f"{variable}\0{value}".encode()).hexdigest()[:16]


def _text(value: Any) -> Optional[str]:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
