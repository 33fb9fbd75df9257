"""Format checks for config strings. Each returns None when fine, else what is wrong."""
from __future__ import annotations

import ipaddress
import re
from typing import Callable, Optional
from urllib.parse import urlparse

from dynamic_providers.core import formats as shared, postgres_values
from dynamic_providers.supabase.project import ORG_SLUG as SUPABASE_ORG_SLUG

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_DIGEST_REF = re.compile(r"^(?P<name>[a-z0-9.:-]+/[a-z0-9._/-]+)@sha256:[0-9a-f]{64}$")


def _matching(pattern: "str | re.Pattern[str]", what: str) -> Callable[[str], Optional[str]]:
    """A check: None when the whole value matches `pattern`, else "'<value>' <what>" (fullmatch: a `$` alone would
    let a value ending in a newline through)."""
    compiled = re.compile(pattern)
    return _quoting(lambda value: None if compiled.fullmatch(value) else what)


def _quoting(reason_of: Callable[[str], Optional[str]]) -> Callable[[str], Optional[str]]:
    """A check from one that says only what is wrong: the message leads with the value."""
    def check(value: str) -> Optional[str]:
        reason = reason_of(value)
        return f"'{value}' {reason}" if reason else None
    return check


# --- Checks that are one pattern ----------------------------------------------------------------
dns_label = _matching(_LABEL, "is not a subdomain label (lowercase letters, digits and '-', at most 63)")
service_name = _matching(r"^[a-z][a-z0-9-]{0,28}[a-z0-9]$",
                         "must be 2-30 characters: lowercase letters, digits and '-', starting with a letter")
github_login = _matching(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$",
                         "is not a GitHub user or organization name")
github_repo = _matching(r"^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$", "is not a GitHub repository name")
hex32 = _matching(r"^[0-9a-f]{32}$", "is not a Cloudflare zone id (32 lowercase hex characters)")
render_owner = _matching(r"^(?:tea|usr)-[0-9a-z]{20}$",
                         "is not a Render workspace id (tea-… or usr-… followed by 20 characters)")
supabase_org = _matching(SUPABASE_ORG_SLUG, "is not a Supabase organization slug (letters, digits, '_' and '-')")
image_repository = _matching(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$",
                             "is not an image repository path (e.g. acme-procurement/procurement-system)")
# A host name with a dot (before any port), so `ghcr.io` and `localhost.local:5000`, never a bare `ghcr`.
registry_host = _matching(r"^(?=[^:]*\.)[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?$",
                          "is not a registry host name (e.g. ghcr.io)")
digest_reference = _matching(_DIGEST_REF, "is not an image pinned by digest (<registry>/<repository>@sha256:<64 hex>)")
stack_reference = _matching(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
                            "is not a fully qualified stack name (<organization>/<project>/<stack>)")
file_extension = _matching(r"^[a-z0-9]{1,10}$", "is not a file extension (lowercase, without the dot)")
url_path = _matching(r"^/[^\s?#]*$", "is not a URL path (it must start with '/', without spaces, query or fragment)")
git_branch = _matching(r"^(?!/)(?!.*//)(?!.*\.\.)(?!.*@\{)(?!.*\.lock$)[A-Za-z0-9._/-]+(?<![./])$",
                       "is not a git branch name")
# Cloudflare health checks' expected_codes: a code or a class like 2xx.
http_status_codes = _matching(r"^[1-5](?:[0-9]{2}|xx)$", "is not an HTTP status code or class (e.g. 200 or 2xx)")
# One file name in /etc/secrets (where Render mounts a secret file): no directories, no dot names.
secret_file_name = _matching(r"^(?!\.{1,2}$)[A-Za-z0-9._-]{1,255}$",
                             "is not a secret file name (one file in /etc/secrets: letters, digits, '.', '_' and '-', "
                             "no '/')")


def domain(value: str) -> Optional[str]:
    """A lowercase fully qualified domain name with at least two labels, no trailing dot."""
    if value != value.lower():
        return f"'{value}' must be lowercase"
    if len(value) > 253:
        return f"'{value}' is longer than 253 characters"
    labels = value.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return f"'{value}' is not a domain name (like acme-procurement.com)"
    if labels[-1].isdigit():
        return f"'{value}' is an IP address, not a domain name"
    return None


def relative_path(value: str) -> Optional[str]:
    """A path inside its base directory: relative, '/' separators, and no '..' (it cannot escape)."""
    if value.startswith("/") or "\\" in value or any(part == "" for part in value.split("/")[:-1]):
        return f"'{value}' must be a relative path with '/' separators"
    if ".." in value.split("/"):
        return f"'{value}' must stay inside its directory (no '..' segments)"
    return None


def workspace_path(value: str) -> Optional[str]:
    """A directory of this checkout or of a sibling checkout beside it (`../procurement-system`, as
    CI checks repositories out side by side), never further up."""
    parts = value.split("/")
    inner = "/".join(parts[1:]) if parts[0] == ".." else value
    if value == "..":
        return f"'{value}' must name a directory of this checkout or of one beside it, not their parent"
    message = relative_path(inner) if inner else None
    if message:
        return f"'{value}' must be a relative path to this checkout or a sibling one ('../<repository>/...'), " \
               "with '/' separators and no further '..'"
    return None


def http_url(value: str) -> Optional[str]:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return f"'{value}' is not an http(s) URL"
    return None


def https_url(value: str) -> Optional[str]:
    message = http_url(value)
    if message is None and urlparse(value).scheme != "https":
        return f"'{value}' must use https"
    return message


def https_or_loopback_url(value: str) -> Optional[str]:
    """https, or http to this machine (127.0.0.0/8, ::1, localhost), where nothing crosses a network."""
    message = http_url(value)
    if message is not None or urlparse(value).scheme == "https":
        return message
    host = urlparse(value).hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return None if loopback else f"'{value}' must use https (http only to this machine: 127.0.0.1, localhost)"


def github_reviewer(value: str) -> Optional[str]:
    """`login` for a user, `org/team-slug` for a team."""
    if "/" in value:
        org, _, team = value.partition("/")
        if github_login(org) is None and re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,99}", team):
            return None
        return f"'{value}' is not a GitHub team (org/team-slug)"
    return github_login(value)


def github_repo_url(value: str) -> Optional[str]:
    parsed = urlparse(value)
    parts = parsed.path.strip("/").split("/")
    if parsed.scheme != "https" or parsed.hostname != "github.com" or len(parts) != 2 or value.endswith(".git") \
            or github_login(parts[0]) or github_repo(parts[1]):
        return f"'{value}' is not a GitHub repository URL (https://github.com/<owner>/<repo>)"
    return None


def utc_timestamp(value: str) -> Optional[str]:
    """ISO-8601 in UTC with its zone said: 2026-12-09T23:40:00Z (or +00:00)."""
    from datetime import datetime, timedelta
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.utcoffset() != timedelta(0):
        return f"'{value}' is not an ISO-8601 UTC time (e.g. 2026-12-09T23:40:00Z)"
    return None


def age_recipient(value: str) -> Optional[str]:
    """An age X25519 recipient: bech32 with HRP "age", a 32-byte key and a valid checksum (pyrage decodes it),
    so a hand-typed or truncated key is refused here, not discovered at the first restore."""
    if value.startswith("AGE-SECRET-KEY-"):
        return "is an age identity (the private key); give its public recipient (age1...) and keep the identity offline"
    try:
        from pyrage import x25519  # decodes bech32 and checks the sum (in the project's venv: `make venv`)
    except ImportError:
        return "cannot be checked: pyrage is not installed in this venv (`make venv` installs it)"
    try:
        valid = bool(re.fullmatch(r"age1[02-9ac-hj-np-z]{58}", value)) and bool(x25519.Recipient.from_str(value))
    except Exception:  # pyrage raises its own RecipientError; any failure means "not a recipient"
        valid = False
    if not valid:
        return (f"'{value}' is not an age recipient (age1 + 58 bech32 characters with a valid checksum): generate a "
                "key pair with `age-keygen -o key.txt` and give the age1... it prints (docs/how-to/operations.md \"Backup keys\")")
    return None


def whole_seconds(value: str) -> Optional[str]:
    return None if value.strip().isdigit() else f"must be a whole number of seconds such as 900 (got {value!r})"


def one_line(value: str) -> Optional[str]:
    """Free text that stays on one line (it travels in a line-per-entry environment variable)."""
    if not value.strip() or any(c in value for c in "\r\n") or len(value) > 200:
        return f"{value!r} must be one line of text (at most 200 characters)"
    return None


pg_duration = _quoting(postgres_values.duration)
pg_memory = _quoting(postgres_values.memory)

# --- Checks the Supabase provider makes too (one rule each: dynamic_providers/core/formats.py) ---
pg_identifier = _quoting(shared.pg_identifier)
pg_extension = _quoting(shared.extension_name)
supabase_ref = _quoting(shared.supabase_ref)
email = _quoting(shared.email)
cidr = _quoting(shared.cidr)
public_cidr = _quoting(shared.public_cidr)
ENV_VAR_NAME_MAX = 128  # ours: Render's API documents no limit and stores any string


def env_var_name(value: str) -> Optional[str]:
    """A POSIX name (the shared rule) of at most ENV_VAR_NAME_MAX characters."""
    if shared.env_var_name(value) is None and len(value) <= ENV_VAR_NAME_MAX:
        return None
    return (f"'{value}' is not an environment variable name (letters, digits and '_', not starting with a digit, "
            f"at most {ENV_VAR_NAME_MAX})")


def digest_image_name(value: str) -> str:
    """`ghcr.io/acme/app` from `ghcr.io/acme/app@sha256:…` (value already checked)."""
    match = _DIGEST_REF.fullmatch(value)
    return match.group("name") if match else ""


def host_port(value: str) -> Optional[str]:
    if not re.fullmatch(r"[A-Za-z0-9.-]+:[0-9]{1,5}", value) or not 0 < int(value.rsplit(":", 1)[1]) < 65536:
        return f"'{value}' is not host:port"
    return None


_CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 6))


def cron_schedule(value: str) -> Optional[str]:
    """Five-field cron (Render's cron jobs run in UTC): numbers, *, ranges, lists and /steps."""
    fields = value.split()
    if len(fields) != 5:
        return f"'{value}' is not a cron schedule (five fields: minute hour day-of-month month day-of-week)"
    for text, (name, low, high) in zip(fields, _CRON_FIELDS):
        for part in text.split(","):
            base, _, step = part.partition("/")
            if step and (not step.isdigit() or int(step) == 0):
                return f"'{value}': bad step '{part}' in the {name} field"
            if base == "*":
                continue
            bounds = base.split("-")
            if len(bounds) > 2 or not all(b.isdigit() for b in bounds):
                return f"'{value}': '{part}' is not valid in the {name} field"
            numbers = [int(b) for b in bounds]
            if any(not low <= n <= high for n in numbers) or numbers != sorted(numbers):
                return f"'{value}': '{part}' is outside {low}-{high} in the {name} field"
    return None
