"""The variables and secret files the backend and frontend get from config: plain ones beside what they configure,
secret ones in `procurement:appSecrets` (the rules: docs/reference/configuration.md, "Rules across fields")."""
from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi

from . import constants as c
from .declarative import get, leaves
from .model import AppEnv, Tiers
from .reader import Reader


def read_app_secrets(r: Reader, tiers: Tiers) -> dict[str, Any]:
    """The parsed `procurement:appSecrets` ({} when absent); a part for a tier that is off is a problem."""
    raw = r.obj("appSecrets", False) or {}
    if not tiers.backend:
        for part, path in (("backend", "appSecrets.backend"), ("services", "appSecrets.services")):
            if _has_values(raw.get(part)):
                r.add(path, "tiers.backend is off: no backend service would receive these")
    if not tiers.frontend and _has_values(raw.get("frontend")):
        r.add("appSecrets.frontend", "tiers.frontend is off: no static site would receive these")
    return raw


def _has_values(value: Any) -> bool:
    return any(leaf is not None for _, leaf in leaves(value))


class AppEnvRules:
    """Builds `AppEnv`s for one tier, reporting every problem under its full key."""

    def __init__(self, r: Reader, reserved: tuple[str, ...], reserved_prefixes: tuple[str, ...], tier: str) -> None:
        self.r = r
        self.reserved = reserved + c.RENDER_SET_VARIABLES
        self.reserved_prefixes = reserved_prefixes + c.RENDER_SET_PREFIXES
        self.tier = tier

    def build(self, plain: Optional[Mapping[str, str]], plain_path: str, secrets: Optional[Mapping[str, Any]],
              secrets_path: str, shared: Optional[AppEnv] = None, shared_paths: tuple[str, str] = ("", ""),
              public_build: bool = False) -> AppEnv:
        plain = dict(plain or {})
        secret_env = dict(get(secrets, "env") or {})
        secret_files = dict(get(secrets, "files") or {})
        for name in plain:
            self._name(name, f"{plain_path}.{name}")
        for name in secret_env:
            path = f"{secrets_path}.env.{name}"
            self._name(name, path)
            if name in plain:
                self.r.add(path, f"is also a plain variable ({plain_path}.{name}); give it once")
            if public_build and name.startswith(c.PUBLIC_BUILD_PREFIX):
                self.r.add(path, f"{c.PUBLIC_BUILD_PREFIX}* variables are compiled into the public bundle, so a "
                           "secret one would be published; give public values in frontend.env, keep secrets "
                           f"without the {c.PUBLIC_BUILD_PREFIX} prefix")
        if shared is not None:
            plain_shared, secret_shared = shared_paths
            for name in (*plain, *secret_env):
                if name in shared.variables or name in shared.secret_variables:
                    where = plain_shared if name in shared.variables else f"{secret_shared}.env"
                    path = f"{plain_path}.{name}" if name in plain else f"{secrets_path}.env.{name}"
                    self.r.add(path, f"is also set for every backend service ({where}.{name}); give it in one place")
            for name in secret_files:
                if name in shared.secret_files:
                    self.r.add(f"{secrets_path}.files.{name}", f"is also a file of every backend service "
                               f"({secret_shared}.files.{name}); give it in one place")
        return AppEnv(variables=plain,
                      secret_variables={k: pulumi.Output.secret(v) for k, v in secret_env.items()},
                      secret_files={k: pulumi.Output.secret(v) for k, v in secret_files.items()})

    def _name(self, name: str, path: str) -> None:
        if name in self.reserved or name.startswith(self.reserved_prefixes):
            who = "Render sets it for every service" if (
                name in c.RENDER_SET_VARIABLES or name.startswith(c.RENDER_SET_PREFIXES)) else \
                f"the program sets it for the {self.tier}"
            generated = ", ".join([*self.reserved, *(p + "*" for p in self.reserved_prefixes)])
            self.r.add(path, f"'{name}' is reserved: {who} (reserved here: {generated})")
