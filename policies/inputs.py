"""How the rules read resource inputs: plain Python values, unknowns and secrets still visible.

pulumi-policy hands a validation `args.props` wrapped in proxies that raise on values unknown during
preview, and its default deserializer drops the engine's secret marker (the value arrives bare).
The rules need both facts: an unknown is "cannot tell yet", not a violation, and a secret value is
exactly what the plaintext-secrets rule must skip. So:

- `keep_secret_markers()` swaps pulumi-policy's deserializer for one that keeps every engine
  secret as a `pulumi_policy.Secret` (the class the library itself uses for secrets);
- `plain()` turns the proxies into dicts and lists without tripping on unknowns, mapping each
  unknown sentinel to `UNKNOWN`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Callable

from pulumi_policy import Secret
from pulumi_policy import deserialize as _deserialize
from pulumi_policy import proxy as _proxy


class _Unknown:
    """A value the engine does not know yet (preview before a dependency exists)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()

_SENTINELS = frozenset({
    _proxy.UNKNOWN_BOOLEAN_VALUE, _proxy.UNKNOWN_NUMBER_VALUE, _proxy.UNKNOWN_STRING_VALUE,
    _proxy.UNKNOWN_ARRAY_VALUE, _proxy.UNKNOWN_ASSET_VALUE, _proxy.UNKNOWN_ARCHIVE_VALUE,
    _proxy.UNKNOWN_OBJECT_VALUE,
})


def _marked(value: Any) -> Any:
    if isinstance(value, list):
        return [_marked(v) for v in value]
    if isinstance(value, dict):
        sig = value.get(_deserialize.SPECIAL_SIG_KEY)
        if sig == _deserialize.SPECIAL_SECRET_SIG:
            return Secret(_marked(value.get("value")))
        if sig is not None:  # assets and archives: the library's own decoding
            return _deserialize._deserialize_property(value)  # noqa: SLF001
        return {k: _marked(v) for k, v in value.items()}
    return value


def deserialize_keeping_secrets(props: dict, proxy_secrets: bool = False) -> dict:
    """Drop-in for `pulumi_policy.deserialize.deserialize_properties` that keeps secret markers."""
    if proxy_secrets:  # remediation path: we remediate nothing, keep the library's behaviour
        return _deserialize.deserialize_properties(props, proxy_secrets)
    return {key: _marked(value) for key, value in props.items()}


def keep_secret_markers() -> Callable[..., dict]:
    """Install `deserialize_keeping_secrets` where the analyzer looks it up; returns the previous one.

    Checked against pulumi-policy 1.21.0 (requirements-dev.txt pins it); the real-engine tests in
    tests/policies/ fail if a later version stops calling it, because a secret input would then be
    reported as plaintext.
    """
    from pulumi_policy import policy as _policy_module

    previous = _policy_module.deserialize_properties
    _policy_module.deserialize_properties = deserialize_keeping_secrets
    return previous


def _target(value: Any) -> Any:
    """The wrapped container of a pulumi-policy proxy, or the value itself."""
    try:
        return value["__target"]
    except (KeyError, TypeError, IndexError):
        return value


def plain(value: Any) -> Any:
    """Proxies -> dicts/lists, unknown sentinels -> UNKNOWN, `Secret` kept (its content made plain)."""
    if isinstance(value, Secret):
        return Secret(plain(value.value))
    if isinstance(value, str):
        return UNKNOWN if value in _SENTINELS else value
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in _target(value).items()}
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [plain(item) for item in _target(value)]
    return value


def reveal(value: Any) -> Any:
    """The value behind a secret marker (rules that check a setting do not care about secrecy)."""
    return reveal(value.value) if isinstance(value, Secret) else value


def lookup(props: Mapping[str, Any], *path: str) -> Any:
    """`props[a][b]...` revealing secrets on the way; None when a step is missing or not a dict."""
    current: Any = props
    for key in path:
        current = reveal(current)
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return reveal(current)
