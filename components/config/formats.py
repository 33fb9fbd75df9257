"""Format checks for config strings. Each returns None when fine, else what is wrong."""
from __future__ import annotations

import ipaddress
import re
from typing import Optional
from urllib.parse import urlparse

from dynamic_providers.supabase.project import ORG_SLUG as SUPABASE_ORG_SLUG

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,28}[a-z0-9]$")
_PG_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_GITHUB_TEAM = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_RENDER_OWNER = re.compile(r"^(?:tea|usr)-[0-9a-z]{20}$")
# Postgres duration / memory settings as the Supabase API validates them
# (UpdatePostgresConfigBody.statement_timeout.pattern); memory sizes use Postgres units.
_PG_DURATION = re.compile(r"^(-?[0-9]+(?:\.[0-9]+)?)(us|ms|s|min|h|d)?$")
_PG_MEMORY = re.compile(r"^[0-9]+(?:kB|MB|GB|TB)?$")
_IMAGE_REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
_REGISTRY_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?$")
_DIGEST_REF = re.compile(r"^(?P<name>[a-z0-9.:-]+/[a-z0-9._/-]+)@sha256:[0-9a-f]{64}$")
_STACK_REF = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_GIT_BRANCH = re.compile(r"^(?!/)(?!.*//)(?!.*\.\.)(?!.*@\{)[A-Za-z0-9._/-]+(?<![./])$")
_FILE_EXTENSION = re.compile(r"^[a-z0-9]{1,10}$")
_HOST_PORT = re.compile(r"^[A-Za-z0-9.-]+:[0-9]{1,5}$")
# POSIX's portable environment variable name (IEEE Std 1003.1, 8.1): what shells, Docker and every
# language runtime read. Render's API documents no rule of its own and stores any string.
_ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# One file name in /etc/secrets (where Render mounts a secret file): no directories, no dot names.
_SECRET_FILE_NAME = re.compile(r"^(?!\.{1,2}$)[A-Za-z0-9._-]{1,255}$")
_SUPABASE_REF = re.compile(r"^[a-z]{20}$")
# An age X25519 recipient (public key): "age1" + 58 bech32 characters (age-encryption.org/v1).
_AGE_RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")


def domain(value: str) -> Optional[str]:
    """A lowercase fully qualified domain name with at least two labels, no trailing dot."""
    if value != value.lower():
        return f"'{value}' must be lowercase"
    if len(value) > 253:
        return f"'{value}' is longer than 253 characters"
    labels = value.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return f"'{value}' is not a domain name (like acme-procurement.com)"
    if labels[-1].isdigit():
        return f"'{value}' is an IP address, not a domain name"
    return None


def dns_label(value: str) -> Optional[str]:
    """One DNS label: what goes before the domain in `api.<domain>`."""
    if not _LABEL.match(value):
        return f"'{value}' is not a subdomain label (lowercase letters, digits and '-', at most 63)"
    return None


def url_path(value: str) -> Optional[str]:
    if not value.startswith("/") or any(c.isspace() for c in value) or "?" in value or "#" in value:
        return f"'{value}' is not a URL path (it must start with '/', without spaces, query or fragment)"
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


def cidr(value: str) -> Optional[str]:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        return f"'{value}' is not a CIDR block ({exc})"
    if "/" not in value:
        return f"'{value}' needs a prefix length (e.g. {value}/32)"
    return None


def service_name(value: str) -> Optional[str]:
    if not _SERVICE_NAME.match(value):
        return f"'{value}' must be 2-30 characters: lowercase letters, digits and '-', starting with a letter"
    return None


def pg_identifier(value: str) -> Optional[str]:
    if not _PG_IDENTIFIER.match(value):
        return f"'{value}' is not a plain Postgres identifier (lowercase letters, digits, '_', at most 63)"
    return None


def github_login(value: str) -> Optional[str]:
    if not _GITHUB_LOGIN.match(value):
        return f"'{value}' is not a GitHub user or organization name"
    return None


def github_repo(value: str) -> Optional[str]:
    if not _GITHUB_REPO.match(value) or value in (".", ".."):
        return f"'{value}' is not a GitHub repository name"
    return None


def github_reviewer(value: str) -> Optional[str]:
    """`login` for a user, `org/team-slug` for a team."""
    if "/" in value:
        org, _, team = value.partition("/")
        if github_login(org) is None and _GITHUB_TEAM.match(team):
            return None
        return f"'{value}' is not a GitHub team (org/team-slug)"
    return github_login(value)


def github_repo_url(value: str) -> Optional[str]:
    parsed = urlparse(value)
    parts = parsed.path.strip("/").split("/")
    if parsed.scheme != "https" or parsed.hostname != "github.com" or len(parts) != 2 or value.endswith(".git"):
        return f"'{value}' is not a GitHub repository URL (https://github.com/<owner>/<repo>)"
    if github_login(parts[0]) or github_repo(parts[1]):
        return f"'{value}' is not a GitHub repository URL (https://github.com/<owner>/<repo>)"
    return None


def git_branch(value: str) -> Optional[str]:
    if not _GIT_BRANCH.match(value) or value.endswith(".lock"):
        return f"'{value}' is not a git branch name"
    return None


def email(value: str) -> Optional[str]:
    if not _EMAIL.match(value):
        return f"'{value}' is not an email address"
    return None


def hex32(value: str) -> Optional[str]:
    if not _HEX32.match(value):
        return f"'{value}' is not a Cloudflare zone id (32 lowercase hex characters)"
    return None


def render_owner(value: str) -> Optional[str]:
    if not _RENDER_OWNER.match(value):
        return f"'{value}' is not a Render workspace id (tea-… or usr-… followed by 20 characters)"
    return None


def supabase_ref(value: str) -> Optional[str]:
    if not _SUPABASE_REF.match(value):
        return f"'{value}' is not a Supabase project ref (20 lowercase letters)"
    return None


def age_recipient(value: str) -> Optional[str]:
    """An age X25519 recipient: bech32 with HRP "age", a 32-byte key and a valid checksum (pyrage decodes it),
    so a hand-typed or truncated key is refused here, not discovered at the first restore."""
    if value.startswith("AGE-SECRET-KEY-"):
        return "is an age identity (the private key); give its public recipient (age1...) and keep the identity offline"
    try:
        from pyrage import x25519  # noqa: F401  (in the project's venv: requirements-dev.txt, `make venv`)
    except ImportError:
        return "cannot be checked: pyrage is not installed in this venv (`make venv` installs it)"
    if not _AGE_RECIPIENT.match(value) or not _age_checksum_ok(value):
        return (f"'{value}' is not an age recipient (age1 + 58 bech32 characters with a valid checksum): generate a "
                "key pair with `age-keygen -o key.txt` and give the age1... it prints (docs/how-to/operations.md \"Backup keys\")")
    return None


def _age_checksum_ok(value: str) -> bool:
    from pyrage import x25519  # decodes bech32 and checks the sum

    try:
        x25519.Recipient.from_str(value)
    except Exception:  # pyrage raises its own RecipientError; any failure means "not a recipient"
        return False
    return True


def one_line(value: str) -> Optional[str]:
    """Free text that stays on one line (it travels in a line-per-entry environment variable)."""
    if not value.strip() or any(c in value for c in "\r\n") or len(value) > 200:
        return f"{value!r} must be one line of text (at most 200 characters)"
    return None


def supabase_org(value: str) -> Optional[str]:
    if not SUPABASE_ORG_SLUG.match(value):
        return f"'{value}' is not a Supabase organization slug (letters, digits, '_' and '-')"
    return None


def pg_duration(value: str) -> Optional[str]:
    if not _PG_DURATION.match(value):
        return f"'{value}' is not a Postgres duration (e.g. 30s, 500ms, 5min)"
    return None


def pg_memory(value: str) -> Optional[str]:
    if not _PG_MEMORY.match(value):
        return f"'{value}' is not a Postgres memory size (e.g. 8MB, 64kB)"
    return None


def image_repository(value: str) -> Optional[str]:
    if not _IMAGE_REPOSITORY.match(value):
        return f"'{value}' is not an image repository path (e.g. acme-procurement/procurement-system)"
    return None


def registry_host(value: str) -> Optional[str]:
    if "/" in value or not _REGISTRY_HOST.match(value) or "." not in value.split(":")[0]:
        return f"'{value}' is not a registry host name (e.g. ghcr.io)"
    return None


def digest_reference(value: str) -> Optional[str]:
    if not _DIGEST_REF.match(value):
        return f"'{value}' is not an image pinned by digest (<registry>/<repository>@sha256:<64 hex>)"
    return None


def digest_image_name(value: str) -> str:
    """`ghcr.io/acme/app` from `ghcr.io/acme/app@sha256:…` (value already checked)."""
    match = _DIGEST_REF.match(value)
    return match.group("name") if match else ""


def stack_reference(value: str) -> Optional[str]:
    if not _STACK_REF.match(value):
        return f"'{value}' is not a fully qualified stack name (<organization>/<project>/<stack>)"
    return None


def file_extension(value: str) -> Optional[str]:
    if not _FILE_EXTENSION.match(value):
        return f"'{value}' is not a file extension (lowercase, without the dot)"
    return None


def host_port(value: str) -> Optional[str]:
    if not _HOST_PORT.match(value) or not 0 < int(value.rsplit(":", 1)[1]) < 65536:
        return f"'{value}' is not host:port"
    return None


def http_status_codes(value: str) -> Optional[str]:
    """Cloudflare health checks' expected_codes: a code or a class like 2xx."""
    if not re.match(r"^[1-5](?:[0-9]{2}|xx)$", value):
        return f"'{value}' is not an HTTP status code or class (e.g. 200 or 2xx)"
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


def env_var_name(value: str) -> Optional[str]:
    if not _ENV_VAR_NAME.match(value):
        return (f"'{value}' is not an environment variable name (letters, digits and '_', not starting with a "
                "digit, at most 128)")
    return None


def secret_file_name(value: str) -> Optional[str]:
    if not _SECRET_FILE_NAME.match(value):
        return (f"'{value}' is not a secret file name (one file in /etc/secrets: letters, digits, '.', '_' and "
                "'-', no '/')")
    return None
