"""One exception class per failure class of a REST call.

Callers catch by meaning (``except NotFoundError``) instead of comparing status codes. Every
message names the API, method, path and status plus the API's own message, and never the token:
the transport scrubs the credential from anything the server echoes back before building these.
"""
from __future__ import annotations

from typing import Optional


class ApiError(Exception):
    """Base class of every failed API call.

    Attributes: ``api`` (e.g. "Render"), ``method``, ``path`` (no query string), ``status`` (None for
    transport failures), ``api_message`` (the server's message, scrubbed), ``api_code`` (the server's
    error id/code if it sent one), ``retry_after`` (seconds, for rate limits).
    """

    def __init__(
        self,
        api: str,
        method: str,
        path: str,
        status: Optional[int],
        api_message: str,
        *,
        api_code: Optional[str] = None,
        retry_after: Optional[float] = None,
        summary: Optional[str] = None,
    ) -> None:
        self.summary = summary  # a complete one-line message that replaces the generated one
        self.api = api
        self.method = method
        self.path = path
        self.status = status
        self.api_message = api_message
        self.api_code = api_code
        self.retry_after = retry_after
        super().__init__(self._render())

    def _render(self) -> str:
        if self.summary:
            return self.summary
        status = f"HTTP {self.status}" if self.status is not None else "no response"
        text = f"{self.api} API {self.method} {self.path} failed ({status})"
        if self.api_message:
            text += f": {self.api_message}"
        if self.retry_after is not None:
            text += f" (server asked to retry after {self.retry_after:.0f}s)"
        return text

    def __reduce__(self):  # keep the exception picklable (pytest-xdist, gRPC tracebacks)
        return (
            _rebuild,
            (type(self), self.api, self.method, self.path, self.status, self.api_message,
             self.api_code, self.retry_after, self.summary),
        )


def _rebuild(cls, api, method, path, status, api_message, api_code, retry_after, summary=None):
    return cls(api, method, path, status, api_message, api_code=api_code, retry_after=retry_after,
               summary=summary)


class AuthError(ApiError):
    """401 or 403: missing, wrong or insufficient credentials."""


class NotFoundError(ApiError):
    """404: the object does not exist (read: gone; delete: already done)."""


class ConflictError(ApiError):
    """409: the request conflicts with the current state (e.g. a name already taken)."""


class ValidationError(ApiError):
    """400 or 422: the API rejected the request body or parameters."""


class RateLimitedError(ApiError):
    """429 that outlasted the rate-limit wait budget (or asked for a wait longer than we accept); its message
    names the bucket (method + path family) and when it resets."""


class ServerError(ApiError):
    """5xx: the server failed. For non-idempotent calls the outcome is unknown."""


class UnexpectedStatusError(ApiError):
    """Any other non-2xx status (402, 406, 410, ...)."""


class TransportError(ApiError):
    """No HTTP response: connection refused/reset, TLS failure or timeout.

    ``request_sent`` is False only when the failure happened before the request could reach the
    server (connect errors); then even a non-idempotent call is known not to have taken effect.
    """

    def __init__(self, api, method, path, reason, *, request_sent: bool = True, timeout: bool = False):
        self.request_sent = request_sent
        self.timeout = timeout
        super().__init__(api, method, path, None, reason)

    def __reduce__(self):
        return (_rebuild_transport, (self.api, self.method, self.path, self.api_message,
                                     self.request_sent, self.timeout))


def _rebuild_transport(api, method, path, reason, request_sent, timeout):
    return TransportError(api, method, path, reason, request_sent=request_sent, timeout=timeout)


def error_class_for_status(status: int) -> type[ApiError]:
    """Maps an HTTP status to its exception class."""
    if status in (401, 403):
        return AuthError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status in (400, 422):
        return ValidationError
    if status == 429:
        return RateLimitedError
    if 500 <= status <= 599:
        return ServerError
    return UnexpectedStatusError


def is_ambiguous(exc: BaseException) -> bool:
    """True when a failed write may nevertheless have taken effect on the server.

    That is a 5xx, or a transport failure after the request was sent (reset, read timeout). A
    create that fails this way must look the object up by natural key before trying again.
    """
    if isinstance(exc, ServerError):
        return True
    if isinstance(exc, TransportError):
        return exc.request_sent
    return False
