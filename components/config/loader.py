"""Read the stack config once, validate all of it, and return the typed `StackConfig`.

`load_config()` is what `__main__.py` calls before declaring anything; `parse_config()` is the same
logic on plain data, for tests that do not need a Pulumi runtime.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Callable, Optional

import pulumi
import yaml

from . import constants as c
from . import formats
from .build_app import read_app_secrets
from .build_backup import backup_given, check_backup
from .build_adopt import build_adopt
from .build_cloudflare import build_edge, check_observability
from .build_github import check_source_control
from .build_render import build_backend, build_frontend, build_images, check_release
from .build_review import build_review
from .build_supabase import build_database
from .errors import ConfigError, Problems
from . import schema
from .declarative import Text, attribute, build, get, leaves, model_of
from .keys import BY_NAME, KEYS
from .model import ApiEndpoints, StackConfig, Tiers
from .reader import RawConfig, Reader, full_key


def read_runtime_config() -> RawConfig:
    """The `procurement:` config of the running program, with which keys were stored encrypted.

    Declared keys are read through `pulumi.Config`; the rest of the namespace is listed from the
    runtime's config map only to report unknown keys (typos), which pulumi.Config cannot list.
    """
    config = pulumi.Config(c.NAMESPACE)
    values: dict[str, str] = {}
    for key in KEYS:
        value = config.get(key.name)
        if value is not None:
            values[full_key(key.name)] = value
    present = set(pulumi.runtime.config.CONFIG.get()) | set(pulumi.runtime.get_config_env())
    for name in present:
        if name.startswith(c.NAMESPACE + ":") and name not in values:
            values[name] = pulumi.runtime.get_config(name) or ""
    secret = frozenset(name for name in values if pulumi.runtime.is_config_secret(name))
    stack_file = Path.cwd() / f"Pulumi.{pulumi.get_stack()}.yaml"
    return RawConfig(values=values, secret_keys=secret, plaintext_secret_paths=plaintext_secret_values(stack_file))


def plaintext_secret_values(stack_file: Path) -> frozenset[str]:
    """Full paths of the values under a secret object key that the stack file keeps in plain text.

    The engine reports secrecy per key, so `procurement:appSecrets` with one `secure:` value and one
    plain one arrives all secret; the file shows the plain one. (A `--config-file` elsewhere or an
    ESC environment is not read here: ESC values are plain unless `fn::secret`, so say so in docs.)
    """
    try:
        doc = yaml.safe_load(stack_file.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return frozenset()
    config = doc.get("config") if isinstance(doc, dict) else None
    secret = [full_key(k.name) for k in KEYS if k.secret and k.type == "object"]
    # A leaf that is a dict is a `secure:` value; None is no value at all.
    return frozenset(path for key in secret if isinstance(config, dict) and key in config
                     for path, value in leaves(config[key], key) if value is not None and not isinstance(value, dict))


def load_config() -> StackConfig:
    """Validate the running stack's config; raise `ConfigError` listing every problem."""
    return parse_config(read_runtime_config(), project=pulumi.get_project(), stack=pulumi.get_stack())


def parse_config(raw: RawConfig, *, project: str, stack: str) -> StackConfig:
    problems = Problems()
    r = Reader(raw, problems)

    environment = r.text("environment")
    r.production = environment == "production"
    domain = r.text("domain")
    api_label = r.text("apiSubdomain")
    app_label = r.text("appSubdomain")
    if api_label is not None and api_label == app_label:
        r.add("appSubdomain", f"must differ from apiSubdomain (both are '{api_label}')")
    api_host = f"{api_label}.{domain}" if api_label and domain else None
    app_host = f"{app_label}.{domain}" if app_label and domain else None
    for key, host in (("apiSubdomain", api_host), ("appSubdomain", app_host)):
        # A valid label under a valid domain can only make the name too long.
        if host is not None and (message := formats.domain(host)):
            r.add(key, message)

    raw_tiers = r.obj("tiers", True)
    # An absent or invalid switch (reported) reads as off.
    tiers = build(Tiers, raw_tiers, **{attribute(n): bool(get(raw_tiers, n)) for n in schema.TIERS.names()})
    apis = _apis(r, environment)
    _environment_rules(r, environment, tiers)
    review = build_review(r, environment, stack, tiers)

    render = _section(r, "render", tiers.backend or tiers.frontend)
    images = build_images(r, tiers, environment)
    app_secrets = read_app_secrets(r, tiers)
    backend = build_backend(r, tiers, environment, app_secrets)
    release = _section(r, "release", tiers.backend, check_release)
    frontend = build_frontend(r, tiers, app_secrets)
    database = build_database(r, tiers, app_host, backend)
    edge = build_edge(r, tiers, environment, domain, backend)
    source_control = _section(r, "sourceControl", tiers.source_control,
                              partial(check_source_control, frontend=frontend))
    observability = _section(r, "observability", tiers.observability, partial(check_observability, edge=edge))
    backup = _section(r, "backup", backup_given(r),
                      partial(check_backup, tiers=tiers, environment=environment, database=database))
    # Last: it checks entries against the resources the tiers above declare.
    # The backup job exists only with its database, Render workspace and Cloudflare zone (components/platform.py).
    backup_job = backup if database is not None and render is not None and edge is not None else None
    adopt = build_adopt(r, project=project, stack=stack, images=images, backend=backend, frontend=frontend,
                        database=database, observability=observability, backup=backup_job,
                        render_on=render is not None)

    if problems:
        raise ConfigError(stack, problems)
    return StackConfig(
        project=project, stack=stack, environment=environment, domain=domain, api_hostname=api_host,
        app_hostname=app_host, tiers=tiers, apis=apis, render=render, images=images, backend=backend,
        frontend=frontend, database=database, edge=edge, source_control=source_control,
        observability=observability, backup=backup, release=release, adopt=adopt, review=review,
    )


def _section(r: Reader, key: str, active: bool, rules: Optional[Callable[[Reader, Any, Any], None]] = None) -> Any:
    """A section typed as the `@model` of its key's spec once a tier that reads it is on (else None), after
    `rules` (build_*.py: the rules across its fields, given its parsed and its typed value)."""
    raw = r.obj(key, active)
    if not active:
        return None
    section = build(model_of(BY_NAME[key].spec), raw)
    if rules is not None:
        rules(r, raw, section)
    return section


def _apis(r: Reader, environment: Optional[str]) -> ApiEndpoints:
    # Outside `local` the (environment's) tokens travel to real vendors: plain http would expose them. A review
    # stack derived from the local one talks to the sandbox on this machine: http to a loopback host exposes nothing.
    check = formats.http_url if environment in (None, "local") else \
        formats.https_or_loopback_url if environment == c.REVIEW else formats.https_url
    gateway = r.text("renderTrafficGatewayUrl")
    if gateway is not None and environment == "production":
        # The checks would judge whatever answers there, not the services production users reach.
        r.add("renderTrafficGatewayUrl", "must not be set in production: the release checks request the services' "
              "public URLs; remove it")
    return ApiEndpoints(
        render_api_url=r.text("renderApiUrl", Text(check=check)),
        render_max_rate_limit_wait_seconds=int(wait) if (wait := r.text("renderMaxRateLimitWaitSeconds")) else None,
        supabase_api_url=r.text("supabaseApiUrl", Text(check=check)),
        render_traffic_gateway_url=gateway,
    )


def _environment_rules(r: Reader, environment: Optional[str], tiers: Tiers) -> None:
    if environment == "local":
        # The sandbox emulates Render and Supabase only; these tiers would need real accounts.
        for name, flag, why in (("images", tiers.images, "a container registry"),
                                ("edge", tiers.edge, "a Cloudflare account"),
                                ("sourceControl", tiers.source_control, "a GitHub organization")):
            if flag:
                r.add(f"tiers.{name}", f"must be false on a local stack: it needs {why}, which the sandbox "
                      "does not emulate")
    if environment == "production" and tiers.images:
        r.add("tiers.images", "must be false in production: production deploys the digest staging verified "
              "(procurement:promoteFromStack) or a pinned procurement:backendImageDigest, never a fresh build")
