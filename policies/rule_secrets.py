"""No plain-text secret in any resource input.

Reports a string input not marked secret whose key names a secret (not something *about* one) or whose value looks
like one; the report names the resource and the input path, never the value. The key and value patterns and why:
policies/README.md, "No plain-text secrets".
"""
from __future__ import annotations

import re
from typing import Any, Iterator, Optional

from pulumi_policy import ReportViolation, ResourceValidationArgs, Secret

from .inputs import UNKNOWN, plain

NAME = "no-plaintext-secrets"
DESCRIPTION = ("No resource input holds a secret-looking value in plain text; secrets are passed as secrets "
               "(Output.secret, `pulumi config set --secret`, ESC fn::secret).")

SECRET_WORDS = frozenset({"password", "passwd", "passphrase", "secret", "secrets", "token", "tokens",
                          "credential", "credentials", "plaintext", "apikey"})
SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key"), ("signing", "key"),
                          ("encryption", "key"), ("master", "key"), ("auth", "key")})
# A key ending in one of these describes a secret (its name, where it lives, its policy), it is not one.
DESCRIBING_WORDS = frozenset({"name", "names", "id", "ids", "path", "paths", "url", "urls", "uri", "ref", "arn",
                              "length", "count", "type", "types", "kind", "enabled", "expiry", "exp", "seconds",
                              "ttl", "scanning", "protection", "version", "policy", "rotation", "status", "hint",
                              "header", "location", "field",
                              # the environment variable a provider reads a secret from, and the one-way
                              # fingerprint it keeps to notice a rotation (`auth_token_env`, `token_fingerprint`)
                              "env", "fingerprint"})

VALUE_PATTERNS = (
    ("a private key block", re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")),
    ("a URL with a password", re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
    ("a JWT", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})")),
    ("a Render API key", re.compile(r"\brnd_[A-Za-z0-9_]{16,}")),
    ("a Supabase token", re.compile(r"\b(?:sbp_[A-Za-z0-9_]{16,}|sb_secret_[A-Za-z0-9_-]{16,})")),
    ("an AWS access key", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
)

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def key_words(key: str) -> list[str]:
    """`dbPassword` / `db_password` / `DB-PASSWORD` -> ['db', 'password']."""
    return [w.lower() for w in _WORD.findall(key)]


def secret_key(key: str) -> bool:
    """Whether a value stored under `key` is a secret by its name."""
    words = key_words(key)
    if not words or words[-1] in DESCRIBING_WORDS:
        return False
    if SECRET_WORDS.intersection(words):
        return True
    return any(pair in SECRET_PAIRS for pair in zip(words, words[1:]))


def value_pattern(value: str) -> Optional[str]:
    """What a value looks like, when it looks like a secret whatever its key."""
    for label, pattern in VALUE_PATTERNS:
        if pattern.search(value):
            return label
    return None


def findings(props: Any, path: str = "", key: Optional[str] = None) -> Iterator[tuple[str, str]]:
    """(input path, why) for every plain-text secret-looking string in `props` (already `plain()`)."""
    if isinstance(props, Secret) or props is UNKNOWN:
        return
    if isinstance(props, dict):
        for name, value in props.items():
            if isinstance(name, str) and name.startswith("__"):
                continue  # engine-internal (the dynamic provider's pickled code)
            yield from findings(value, f"{path}.{name}" if path else str(name), str(name))
        return
    if isinstance(props, list):
        for index, value in enumerate(props):
            yield from findings(value, f"{path}[{index}]", key)
        return
    if not isinstance(props, str) or props.strip() in ("", "{}", "[]"):
        return  # nothing, or an empty object/list as config text (an unset `procurement:appSecrets`)
    if key is not None and secret_key(key):
        yield path, f"its name '{key}' says it is a secret"
        return
    label = value_pattern(props)
    if label is not None:
        yield path, f"its value looks like {label}"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for path, why in findings(plain(args.props)):
        report_violation(f"'{args.name}' ({args.resource_type}): input '{path}' is plain text but {why}; pass it as a "
                         f"secret (pulumi.Output.secret, `pulumi config set --secret`, or ESC fn::secret).")
