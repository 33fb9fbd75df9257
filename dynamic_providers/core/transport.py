"""The one HTTP transport every dynamic provider uses.

Timeouts on every call; retries only where the server cannot have acted (or the call is idempotent); a create is
never retried blindly (ambiguous -> look up first); 429 waits bounded per call, shown while they last; errors
carry method, path, status and the API's message, never the token. The rules and why each exists:
dynamic_providers/core/README.md, "Transport". The transport holds a token, so never store one on a provider
(providers are pickled into the state): build one per call with ``DeclarativeProvider.transport()``.
"""
from __future__ import annotations

import email.utils
import json as jsonlib
import logging
import random
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional
from urllib.parse import urlsplit

from . import errors, progress

# requests and urllib3 load at the first Transport, not with this module: the program imports every
# provider module but calls no API on a no-op run (~0.08 s of CPU, docs/explanation/benchmarks.md).
if TYPE_CHECKING:
    import requests

log = logging.getLogger("dynamic_providers.http")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Server errors worth another try; 501 (not implemented) or 505 never get better by retrying.
RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})
_RESET_HEADERS = ("Retry-After", "Ratelimit-Reset", "RateLimit-Reset", "X-RateLimit-Reset")
# Rate-limit reset headers count whole seconds rounded down (Render's recorded Ratelimit-Reset: 0 occurs while
# the window still has a fraction of a second to run): wait this much longer than they say.
_RESET_MARGIN = 1.0
MAX_RATE_LIMITED_TRIES = 50  # 429s in a row for one call, whatever the waits (a server that never recovers)
LONG_WAIT = 10.0  # rate-limit waits at least this long also leave a permanent note in the CLI output
_ID_SEGMENT = re.compile(r"^([a-z]{3,4}-[0-9a-z]{8,}|[a-z]{20}|[0-9a-f]{8}-[0-9a-f-]{27}|\d+)$")
# Reset values at or above this are epoch seconds (2001-09-09); below it, seconds from now.
_EPOCH_THRESHOLD = 1_000_000_000


@dataclass(frozen=True)
class HttpOptions:
    """Timeouts and retry budget. Plain numbers only: safe to keep on a (pickled) provider."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 5  # total tries per call, first one included
    backoff_base: float = 0.5  # first backoff step, doubled per retry
    backoff_cap: float = 30.0
    # Longest total rate-limit wait per call, in seconds. Providers read it from their API's config key /
    # environment variable (``ApiSettings.wait_config_key`` / ``wait_env``) when set.
    max_rate_limit_wait: float = 900.0


@dataclass
class ApiResponse:
    status: int
    body: Any  # decoded JSON, or None for an empty/non-JSON body
    headers: Mapping[str, str] = field(default_factory=dict)
    text: str = ""


def backoff_delay(attempt: int, options: HttpOptions, rng: Callable[[], float] = random.random) -> float:
    """Delay before retry number ``attempt`` (1-based): "equal jitter" exponential backoff.

    Half the exponential step is fixed and half is random, so concurrent clients spread out but
    never retry immediately.
    """
    step = min(options.backoff_cap, options.backoff_base * (2 ** (attempt - 1)))
    return step / 2 + rng() * step / 2


def server_wait_hint(headers: Mapping[str, str], now: Optional[float] = None) -> Optional[float]:
    """Seconds the server asked us to wait, from the first rate-limit header it sent, or None."""
    now = time.time() if now is None else now
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in _RESET_HEADERS:
        raw = lowered.get(name.lower())
        if raw is None or str(raw).strip() == "":
            continue
        raw = str(raw).strip()
        try:
            value = float(raw)
        except ValueError:
            if name == "Retry-After":
                try:
                    when = email.utils.parsedate_to_datetime(raw)
                except (TypeError, ValueError):
                    continue
                return max(0.0, when.timestamp() - now)
            continue
        if value >= _EPOCH_THRESHOLD:
            value -= now
        return max(0.0, value)
    return None


def rate_limit_wait(headers: Mapping[str, str], now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait after a 429: ``server_wait_hint`` plus a margin when the hint is a rate-limit
    reset header (whole seconds, rounded down) rather than ``Retry-After``."""
    hint = server_wait_hint(headers, now)
    if hint is None:
        return None
    lowered = {k.lower() for k, v in headers.items() if str(v).strip()}
    return hint if "retry-after" in lowered else hint + _RESET_MARGIN


def path_family(path: str) -> str:
    """The path with object ids replaced by ``{id}``: what a rate-limit bucket is named by
    (``/v1/services/srv-ct6v.../deploys`` -> ``/v1/services/{id}/deploys``)."""
    return "/".join("{id}" if _ID_SEGMENT.match(part) else part for part in path.split("/"))


def _split_transport_failure(exc: requests.RequestException) -> tuple[bool, bool]:
    """(request_sent, timeout) for a requests exception that produced no response."""
    import requests
    import urllib3

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False, True
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return True, True
    if isinstance(exc, requests.exceptions.SSLError):
        return False, False
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    # NewConnectionError subclasses ConnectTimeoutError: refused/unreachable before sending.
    if isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError,
                           urllib3.exceptions.NameResolutionError)):
        return False, isinstance(reason, urllib3.exceptions.ConnectTimeoutError) and not isinstance(
            reason, urllib3.exceptions.NewConnectionError)
    return True, False


class Transport:
    """Authenticated JSON-over-HTTP client for one API (one base URL, one token).

    ``request()`` returns an ``ApiResponse`` for 2xx and raises an ``errors.ApiError`` subclass
    otherwise; ``get/post/put/patch/delete`` return the decoded body only.
    """

    def __init__(
        self,
        base_url: str,
        token: Optional[str],
        *,
        api_name: str = "API",
        options: Optional[HttpOptions] = None,
        user_agent: str = "procurement-infra-dynamic-providers/1",
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        session: Optional[requests.Session] = None,
        auth_scheme: str = "Bearer",
        explode_lists: bool = False,
        wait_setting: str = "",
        credential_hint: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Appended to 401/403 messages: which credential to fix and where it comes from.
        self.credential_hint = credential_hint
        self._token = token
        self.api_name = api_name
        self.options = options or HttpOptions()
        self.explode_lists = explode_lists
        # Where a user raises ``max_rate_limit_wait`` (named in the rate-limit error).
        self.wait_setting = wait_setting or "HttpOptions.max_rate_limit_wait"
        self._sleep = sleep
        self._rng = rng
        import requests

        self._session = session or requests.Session()
        self._session.headers.update({"Accept": "application/json", "User-Agent": user_agent})
        if token:
            self._session.headers["Authorization"] = f"{auth_scheme} {token}"
        # Journal of (method, path, status-or-None) for this transport's calls: benches and tests
        # read it; it never holds headers or bodies.
        self.calls: list[tuple[str, str, Optional[int]]] = []

    # -- public API -------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        json: Any = None,
        idempotent: Optional[bool] = None,
    ) -> ApiResponse:
        import requests  # loaded by __init__ already

        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url = self.base_url + path
        shown_path = urlsplit(url).path  # what errors show: no host, no query string
        attempt = 0
        limited, waited = 0, 0.0  # 429s so far and the time spent waiting for them
        while True:
            attempt += 1
            last = attempt >= self.options.max_attempts
            try:
                resp = self._session.request(
                    method,
                    url,
                    params=_clean_params(params, explode_lists=self.explode_lists),
                    json=json,
                    timeout=(self.options.connect_timeout, self.options.read_timeout),
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                sent, timed_out = _split_transport_failure(exc)
                self.calls.append((method, shown_path, None))
                reason = "timed out" if timed_out else f"connection failed ({type(exc).__name__})"
                if sent:
                    reason += " after the request was sent; the outcome is unknown"
                err = errors.TransportError(self.api_name, method, shown_path, reason,
                                            request_sent=sent, timeout=timed_out)
                if last or (sent and not idempotent):
                    raise err from None
                self._pause(backoff_delay(attempt, self.options, self._rng), err)
                continue

            self.calls.append((method, shown_path, resp.status_code))
            if 200 <= resp.status_code < 300:
                return ApiResponse(resp.status_code, _decode(resp), dict(resp.headers), resp.text)

            err = self._error_for(method, shown_path, resp)
            if resp.status_code == 429:
                limited += 1
                attempt -= 1  # a refused request is not a failed attempt; the wait budget bounds these
                hint = rate_limit_wait(resp.headers)
                wait = hint if hint is not None else backoff_delay(limited, self.options, self._rng)
                if waited + wait > self.options.max_rate_limit_wait or limited > MAX_RATE_LIMITED_TRIES:
                    raise self._rate_limit_exhausted(method, shown_path, resp, err, wait, waited, limited)
                # A small jitter on top of the server's hint so parallel steps do not stampede.
                wait += self._rng() * min(1.0, self.options.backoff_base)
                self._wait_for_rate_limit(method, shown_path, resp, wait)
                waited += wait
                continue
            if resp.status_code in RETRYABLE_SERVER_STATUSES and idempotent and not last:
                # Only Retry-After speaks about a server error; the rate-limit reset headers some
                # APIs send on every response (Supabase) describe the quota window, not this error.
                hint = server_wait_hint({k: v for k, v in resp.headers.items() if k.lower() == "retry-after"})
                delay = backoff_delay(attempt, self.options, self._rng)
                if hint is not None and hint <= self.options.max_rate_limit_wait:
                    delay = max(delay, hint)
                self._pause(delay, err)
                continue
            raise err

    def get(self, path: str, *, params: Optional[Mapping[str, Any]] = None) -> Any:
        return self.request("GET", path, params=params).body

    def post(self, path: str, json: Any = None, *, params=None, idempotent: Optional[bool] = None) -> Any:
        return self.request("POST", path, json=json, params=params, idempotent=idempotent).body

    def put(self, path: str, json: Any = None, *, params=None) -> Any:
        return self.request("PUT", path, json=json, params=params).body

    def patch(self, path: str, json: Any = None, *, params=None, idempotent: Optional[bool] = None) -> Any:
        return self.request("PATCH", path, json=json, params=params, idempotent=idempotent).body

    def delete(self, path: str, *, params=None, missing_ok: bool = False) -> Any:
        """DELETE; with ``missing_ok`` a 404 counts as done (returns None)."""
        try:
            return self.request("DELETE", path, params=params).body
        except errors.NotFoundError:
            if missing_ok:
                return None
            raise

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __reduce__(self):  # a transport holds a token: refuse to be pickled into state
        raise TypeError("Transport holds a credential and must not be pickled; build it per call")

    # -- internals ------------------------------------------------------------------------
    def scrub(self, text: str) -> str:
        """Removes the token from text the server sent back (some APIs echo the header)."""
        if self._token and text:
            text = text.replace(self._token, "***")
        return text

    def _error_for(self, method: str, path: str, resp: requests.Response) -> errors.ApiError:
        message, code = _error_message(resp)
        cls = errors.error_class_for_status(resp.status_code)
        retry_after = server_wait_hint(resp.headers) if resp.status_code == 429 else None
        message = self.scrub(message)
        if cls is errors.AuthError and self.credential_hint:
            message = f"{message}; {self.credential_hint}" if message else self.credential_hint
        return cls(self.api_name, method, path, resp.status_code, message,
                   api_code=self.scrub(code) if code else None, retry_after=retry_after)

    def _pause(self, seconds: float, because: errors.ApiError) -> None:
        log.info("retrying in %.2fs: %s", seconds, because)
        progress.report(f"retrying in {progress.duration(seconds)}: {because}")
        self._sleep(max(0.0, seconds))

    def _bucket(self, method: str, path: str, resp: requests.Response) -> str:
        limit = resp.headers.get("Ratelimit-Limit") or resp.headers.get("X-RateLimit-Limit")
        shown = f"{method} {path_family(path)}"
        return f"{shown} (limit {limit} per window)" if limit and str(limit).strip().isdigit() else shown

    def _wait_for_rate_limit(self, method: str, path: str, resp: requests.Response, seconds: float) -> None:
        bucket = self._bucket(method, path, resp)
        until = _utc(time.time() + seconds)
        log.info("rate limited on %s: waiting %.1fs until %s", bucket, seconds, until)
        if seconds >= LONG_WAIT:
            progress.note(f"{self.api_name} API rate limit on {bucket}: waiting {progress.duration(seconds)} "
                          f"until {until}")
        progress.sleep(seconds, lambda left: f"{self.api_name} API rate limit on {bucket}: waiting, "
                                             f"{progress.duration(left)} left (until {until})",
                       sleeper=self._sleep)

    def _rate_limit_exhausted(self, method: str, path: str, resp: requests.Response, err: errors.ApiError,
                              wait: float, waited: float, limited: int) -> errors.RateLimitedError:
        """One line: which bucket, when it resets, why we stop, what to do."""
        bucket = self._bucket(method, path, resp)
        if limited > MAX_RATE_LIMITED_TRIES:
            why = (f"still refused after {limited - 1} tries over {progress.duration(waited)}")
        else:
            why = (f"resets at {_utc(time.time() + wait)} (in {progress.duration(wait)}), beyond the "
                   f"{self.options.max_rate_limit_wait:.0f}s this stack waits"
                   + (f" (already waited {progress.duration(waited)})" if waited else "")
                   + f"; raise it with {self.wait_setting}")
        said = " ".join((err.api_message or "").split())
        message = (f"{self.api_name} API rate limit for {bucket} is used up: {why}. The refused call changed "
                   f"nothing; re-run after the reset (HTTP 429{': ' + said if said else ''})")
        return errors.RateLimitedError(self.api_name, method, path, 429, err.api_message,
                                       api_code=err.api_code, retry_after=wait, summary=message)


def _utc(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _clean_params(params: Optional[Mapping[str, Any]], *, explode_lists: bool = False) -> Optional[dict]:
    """Drops None values; lists are joined with commas (``style: form, explode: false``) or, with
    ``explode_lists``, sent as repeated keys (requests does that for list values)."""
    if not params:
        return None
    out = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            value = [str(v) for v in value] if explode_lists else ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        out[key] = value
    return out


def _decode(resp: requests.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return None


def _error_message(resp: requests.Response) -> tuple[str, Optional[str]]:
    """The API's own message and error id from an error body, tolerant of every shape seen."""
    body: Any = None
    try:
        body = resp.json()
    except ValueError:
        pass
    if isinstance(body, dict):
        message = body.get("message") or body.get("error_description") or body.get("msg") or body.get("error")
        code = body.get("id") or body.get("code") or body.get("error_code")
        if isinstance(message, (dict, list)):
            message = jsonlib.dumps(message)[:500]
        if message:
            return str(message)[:1000], (str(code) if code is not None else None)
    text = (resp.text or "").strip()
    if not text:
        text = resp.reason or ""
    return text[:500], None
