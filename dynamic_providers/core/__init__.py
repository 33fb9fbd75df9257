"""Shared core of the dynamic providers (Render and Supabase). API summary: ``README.md`` here.

Import-safe: no I/O, no environment reads at import time.
"""
from . import plan_detail, progress
from .errors import (
    ApiError,
    AuthError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedStatusError,
    ValidationError,
    error_class_for_status,
    is_ambiguous,
)
from .fields import UNKNOWN, Field, canonical, contains_unknown, integral, same
from .lookup_retry import look_up_then_retry
from .pagination import iter_pages
from .provider import ADOPT, AdoptionRequiredError, DeclarativeProvider, unset
from .resource import DeclarativeResource
from .api_settings import ApiSettings, MissingCredentialsError
from .transport import ApiResponse, HttpOptions, Transport, backoff_delay, server_wait_hint

__all__ = [
    "ADOPT", "AdoptionRequiredError", "ApiError", "ApiResponse", "ApiSettings", "AuthError",
    "ConflictError", "DeclarativeProvider", "DeclarativeResource", "Field", "HttpOptions",
    "MissingCredentialsError", "NotFoundError", "RateLimitedError", "ServerError", "Transport",
    "TransportError", "UNKNOWN", "UnexpectedStatusError", "ValidationError", "backoff_delay",
    "canonical", "contains_unknown", "error_class_for_status", "integral", "is_ambiguous",
    "iter_pages", "look_up_then_retry", "plan_detail", "progress", "same", "server_wait_hint", "unset",
]
