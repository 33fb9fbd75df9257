"""Supabase Auth (GoTrue) config: GET and partial-update PATCH.

The full key set comes from the spec's ``AuthConfigResponse`` (every property is required there): unset nullable
properties are ``null``, the rest take ``AUTH_DEFAULTS`` or their type's zero value. The real API also returns a
few keys the spec copy lacks (``EXTRA_KEYS``, seen in the recorded traffic). Secret fields come back as
hex HMAC-SHA256 of the value keyed by the project ref, which is how the Supabase CLI compares them.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from ..routing import RouteTable
from ..server import Call, Reply
from .common import settings_of

routes = RouteTable()

AUTH_DEFAULTS: dict[str, Any] = {
    "site_url": "http://localhost:3000", "uri_allow_list": "", "jwt_exp": 3600, "disable_signup": False,
    "external_email_enabled": True, "external_phone_enabled": False, "mailer_autoconfirm": False,
    "mailer_otp_exp": 3600, "mailer_otp_length": 6, "mailer_secure_email_change_enabled": True,
    "password_min_length": 6, "refresh_token_rotation_enabled": True, "security_refresh_token_reuse_interval": 10,
    "mfa_max_enrolled_factors": 10, "mfa_totp_enroll_enabled": True, "mfa_totp_verify_enabled": True,
    "rate_limit_email_sent": 2, "rate_limit_sms_sent": 30, "rate_limit_token_refresh": 150,
    "rate_limit_verify": 30, "rate_limit_otp": 30, "rate_limit_anonymous_users": 30, "smtp_max_frequency": 60,
    "db_max_pool_size": 10, "api_max_request_duration": 10,
}
EXTRA_KEYS: dict[str, Any] = {
    "audit_log_disable_postgres": False, "index_worker_ensure_user_search_indexes_exist": True,
    "mfa_allow_low_aal": False, "security_update_password_require_current_password": False,
}
SECRET_SUFFIXES = ("_secret", "_secrets", "_auth_token", "_api_key", "_api_secret", "_access_key")


def is_secret(key: str) -> bool:
    return key == "smtp_pass" or key.endswith(SECRET_SUFFIXES)


def hashed(ref: str, value: str) -> str:
    return hmac.new(ref.encode(), value.encode(), hashlib.sha256).hexdigest()


def _zero(schema: dict) -> Any:
    if schema.get("nullable"):
        return None
    return {"boolean": False, "integer": 0, "number": 0, "string": ""}.get(schema.get("type"), None)


def default_auth_config(spec_document: dict) -> dict:
    properties = spec_document["components"]["schemas"]["AuthConfigResponse"]["properties"]
    config = {key: AUTH_DEFAULTS.get(key, _zero(schema)) for key, schema in properties.items()}
    config.update(EXTRA_KEYS)
    return config


def view(ref: str, config: dict) -> dict:
    return {k: (hashed(ref, v) if is_secret(k) and isinstance(v, str) and v else v) for k, v in config.items()}


@routes.get("/v1/projects/{ref}/config/auth")
def get_auth_config(call: Call) -> Reply:
    return 200, view(call.params["ref"], settings_of(call, "auth_config"))


@routes.patch("/v1/projects/{ref}/config/auth")
def patch_auth_config(call: Call) -> Reply:
    config = settings_of(call, "auth_config")
    config.update(call.body or {})  # any subset of keys; others keep their values
    return 200, view(call.params["ref"], config)
