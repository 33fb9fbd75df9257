"""Field maps of the typed settings resources: our input names -> the API's keys, with the types and
ranges the spec allows, so ``check`` rejects bad values at preview (naming the input) instead of the
API rejecting them mid-``up``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from ..core import formats, postgres_values as pg

# A check returns None when the string is fine, else the reason (the config's checks have the same shape).
Check = Callable[[str], Optional[str]]


def _no_comma(value: str) -> Optional[str]:
    return "must be a non-empty string without commas" if not value or "," in value else None


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # "int" | "bool" | "str"
    minimum: Optional[int] = None
    maximum: Optional[int] = None
    check: Optional[Check] = None
    choices: Optional[tuple[str, ...]] = None


def validate(spec: FieldSpec, value: Any) -> Optional[str]:
    """None when ``value`` fits ``spec``, else the reason (for a CheckFailure)."""
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                return "must be an integer"
        if spec.minimum is not None and value < spec.minimum:
            return f"must be >= {spec.minimum}"
        if spec.maximum is not None and value > spec.maximum:
            return f"must be <= {spec.maximum}"
        return None
    if spec.kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if not isinstance(value, str):
        return "must be a string"
    if spec.choices is not None and value not in spec.choices:
        return f"must be one of {', '.join(spec.choices)}"
    return spec.check(value) if spec.check is not None else None


def normalise(spec: FieldSpec, value: Any) -> Any:
    """Engine values arrive as floats for whole numbers sometimes; send ints as ints."""
    if spec.kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --- PostgresConfig: PUT /v1/projects/{ref}/config/database/postgres ----------------------------
# Input names equal the API keys (they are Postgres GUC names users already know).
POSTGRES_FIELDS: dict[str, FieldSpec] = {
    "effective_cache_size": FieldSpec("str", check=pg.memory),
    "logical_decoding_work_mem": FieldSpec("str", check=pg.memory),
    "maintenance_work_mem": FieldSpec("str", check=pg.memory),
    "track_activity_query_size": FieldSpec("str", check=pg.memory),
    "max_connections": FieldSpec("int", 1, 262143),
    "max_locks_per_transaction": FieldSpec("int", 10, 2147483640),
    "max_parallel_maintenance_workers": FieldSpec("int", 0, 1024),
    "max_parallel_workers": FieldSpec("int", 0, 1024),
    "max_parallel_workers_per_gather": FieldSpec("int", 0, 1024),
    "max_replication_slots": FieldSpec("int", 0),
    "max_slot_wal_keep_size": FieldSpec("str", check=pg.signed_memory),
    "max_standby_archive_delay": FieldSpec("str", check=pg.duration),
    "max_standby_streaming_delay": FieldSpec("str", check=pg.duration),
    "max_wal_size": FieldSpec("str", check=pg.memory),
    "max_wal_senders": FieldSpec("int", 0),
    "max_worker_processes": FieldSpec("int", 0, 262143),
    "session_replication_role": FieldSpec("str", choices=("origin", "replica", "local")),
    "shared_buffers": FieldSpec("str", check=pg.memory),
    "statement_timeout": FieldSpec("str", check=pg.duration),
    "track_commit_timestamp": FieldSpec("bool"),
    "wal_keep_size": FieldSpec("str", check=pg.memory),
    "wal_sender_timeout": FieldSpec("str", check=pg.duration),
    "work_mem": FieldSpec("str", check=pg.memory),
    "checkpoint_timeout": FieldSpec("str", check=pg.duration),
    "hot_standby_feedback": FieldSpec("bool"),
}


# --- PoolerConfig: PATCH /v1/projects/{ref}/config/database/pooler ------------------------------
POOLER_FIELDS: dict[str, FieldSpec] = {
    "default_pool_size": FieldSpec("int", 0, 3000),
    "pool_mode": FieldSpec("str", choices=("transaction", "session")),
}


# --- AuthConfig: PATCH /v1/projects/{ref}/config/auth -------------------------------------------
# Top-level scalar inputs -> API key.
AUTH_SCALARS: dict[str, tuple[str, FieldSpec]] = {
    "site_url": ("site_url", FieldSpec("str", check=_no_comma)),
    "jwt_expiry": ("jwt_exp", FieldSpec("int", 0, 604800)),
    "disable_signup": ("disable_signup", FieldSpec("bool")),
    "email_signup_enabled": ("external_email_enabled", FieldSpec("bool")),
    "email_autoconfirm": ("mailer_autoconfirm", FieldSpec("bool")),
    "anonymous_sign_ins_enabled": ("external_anonymous_users_enabled", FieldSpec("bool")),
    "password_min_length": ("password_min_length", FieldSpec("int", 6, 32767)),
    # TOTP multi-factor auth: enrolling new factors and verifying (challenging) enrolled ones are
    # separate switches (the dashboard's "enabled" = both, "verify only" = verify alone).
    "mfa_totp_enroll_enabled": ("mfa_totp_enroll_enabled", FieldSpec("bool")),
    "mfa_totp_verify_enabled": ("mfa_totp_verify_enabled", FieldSpec("bool")),
    "mfa_max_enrolled_factors": ("mfa_max_enrolled_factors", FieldSpec("int", 0, 2147483647)),
}
# ``redirect_urls`` (a list) is sent as the comma-separated ``uri_allow_list``.
REDIRECT_URLS_KEY = "uri_allow_list"

# ``smtp`` object keys -> API key. ``port`` is an int for us and a string for the API.
SMTP_FIELDS: dict[str, tuple[str, FieldSpec]] = {
    "admin_email": ("smtp_admin_email", FieldSpec("str", check=formats.email)),
    "host": ("smtp_host", FieldSpec("str")),
    "port": ("smtp_port", FieldSpec("int", 1, 65535)),
    "user": ("smtp_user", FieldSpec("str")),
    "password": ("smtp_pass", FieldSpec("str")),
    "sender_name": ("smtp_sender_name", FieldSpec("str")),
    "max_frequency": ("smtp_max_frequency", FieldSpec("int", 0, 32767)),
}

# OAuth providers the API knows (``external_<name>_*``) and the per-provider keys each accepts.
_OAUTH = ("enabled", "client_id", "secret", "email_optional")
AUTH_PROVIDERS: dict[str, tuple[str, ...]] = {
    "apple": _OAUTH + ("additional_client_ids",),
    "azure": _OAUTH + ("url",),
    "bitbucket": _OAUTH,
    "discord": _OAUTH,
    "facebook": _OAUTH,
    "figma": _OAUTH,
    "github": _OAUTH,
    "gitlab": _OAUTH + ("url",),
    "google": _OAUTH + ("additional_client_ids", "skip_nonce_check"),
    "kakao": _OAUTH,
    "keycloak": _OAUTH + ("url",),
    "linkedin_oidc": _OAUTH,
    "notion": _OAUTH,
    "slack_oidc": _OAUTH,
    "spotify": _OAUTH,
    "twitch": _OAUTH,
    "twitter": _OAUTH,
    "workos": ("enabled", "client_id", "secret", "url"),
    "x": _OAUTH,
    "zoom": _OAUTH,
}
PROVIDER_FIELD_SPECS: dict[str, FieldSpec] = {
    "enabled": FieldSpec("bool"),
    "client_id": FieldSpec("str"),
    "secret": FieldSpec("str"),
    "email_optional": FieldSpec("bool"),
    "url": FieldSpec("str"),
    "additional_client_ids": FieldSpec("str"),
    "skip_nonce_check": FieldSpec("bool"),
}


def provider_key(provider: str, field_name: str) -> str:
    return f"external_{provider}_{field_name}"


def is_auth_secret_key(api_key: str) -> bool:
    """API keys whose value the API reports hashed (never in plaintext)."""
    return api_key == "smtp_pass" or (api_key.startswith("external_") and api_key.endswith("_secret"))
