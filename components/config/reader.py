"""Raw stack config in, checked Python values out, with every problem recorded under its full key."""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from .constants import NAMESPACE
from .errors import Problems
from .declarative import Kind, ObjectSpec, leaves
from .keys import BY_NAME, KEYS, RETIRED, SECRET_KEYS


def full_key(path: str) -> str:
    """`backend.minInstances` -> `procurement:backend.minInstances`."""
    return f"{NAMESPACE}:{path}"


def json_or_text(text: str) -> Any:
    """A stored value as the engine hands it over: objects and lists as JSON text, anything else as itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def holds_values(stored: str) -> bool:
    """Whether a stored value holds anything: `pulumi config rm --path` of a map's last entry leaves the empty
    map (`env: {}`) behind, which is no plain-text secret (and nothing to encrypt)."""
    return stored != "" and any(True for _ in leaves(json_or_text(stored)))


@dataclass(frozen=True)
class RawConfig:
    """Config as the engine hands it to a program: full key -> string (objects as JSON text).

    `secret_keys` are the full keys whose stored value was encrypted (`secure:` or ESC fn::secret).
    `values` may also hold keys this program does not know; those are reported as typos.
    """

    values: Mapping[str, str]
    secret_keys: frozenset[str] = field(default_factory=frozenset)
    # Full paths of values inside a secret key that the stack file stores in plain text (the engine
    # marks a key secret as soon as one value in it is; only the file tells the rest apart).
    plaintext_secret_paths: frozenset[str] = field(default_factory=frozenset)


class Reader:
    def __init__(self, raw: RawConfig, problems: Problems) -> None:
        self.raw = raw
        self.problems = problems
        self.production = False  # set once `environment` is read: the fields' production rules then apply
        self._report_unknown_and_secrecy()

    def _report_unknown_and_secrecy(self) -> None:
        prefix = NAMESPACE + ":"
        for key in self.raw.values:
            if not key.startswith(prefix):
                continue  # provider namespaces (cloudflare:, github:) are the providers' business
            name = key[len(prefix):]
            spec = BY_NAME.get(name)
            if name in RETIRED:
                # Never stored: the whole config lands in the state (the default provider's inputs).
                self.problems.add(key, f"is no longer read: credentials never live in stack config (the engine "
                                  f"stores the config in the state). Remove it (`pulumi config rm {key}`) and "
                                  f"export {RETIRED[name]} instead (the stack's ESC environment: "
                                  f"environmentVariables.{RETIRED[name]})")
            elif spec is None:
                close = difflib.get_close_matches(name, [k.name for k in KEYS], n=1, cutoff=0.6)
                hint = f"; did you mean '{prefix}{close[0]}'?" if close else "; see docs/reference/configuration.md"
                self.problems.add(key, "unknown key" + hint)
            elif spec.secret and holds_values(self.raw.values[key]) and key not in self.raw.secret_keys:
                self.problems.add(key, "is a secret but is stored in plain text; store it encrypted with "
                                  f"`{_set_secret(key, spec.type)}` (or fn::secret in ESC)")
            elif not spec.secret and key in self.raw.secret_keys:
                where = " (a secure: value inside the object?)" if spec.type == "object" else ""
                self.problems.add(key, f"is encrypted{where}, but it is not secret config: its values end up "
                                  "in resource names and stack outputs. Store it in plain text; secrets have "
                                  f"their own keys ({', '.join(SECRET_KEYS)})")

        for path in sorted(self.raw.plaintext_secret_paths):
            if path.split(".", 1)[0] not in self.raw.secret_keys:
                continue  # the whole key is plain: reported once, above
            self.problems.add(path, "is stored in plain text in the stack file although it is a secret; encrypt it "
                              f"with `{_set_secret(path, 'string')}` (the value is never shown)")

    def _value(self, name: str) -> Optional[str]:
        spec = BY_NAME[name]  # KeyError here means a key read without being declared
        value = self.raw.values.get(full_key(name))
        if value is None:
            if spec.required:
                self.problems.add(full_key(name), f"is required: {spec.description}")
                return None
            return json.dumps(spec.default) if spec.type in ("object", "array") else spec.default
        return value

    def text(self, name: str, kind: Optional[Kind] = None) -> Optional[str]:
        """A string key, checked by `kind` or else its declared one; an empty optional string (the declared
        default "") reads as None."""
        kind = kind or BY_NAME[name].kind
        value = self._value(name)
        if value is None or (value == "" and BY_NAME[name].default == ""):
            return None
        return kind.parse(value, full_key(name), self.problems, True)

    def has(self, name: str) -> bool:
        return bool(self._value(name))

    def obj(self, name: str, active: bool) -> Optional[dict[str, Any]]:
        """A structured key, parsed against its spec. `active`: its tier is on (required fields apply)."""
        spec: ObjectSpec = BY_NAME[name].spec  # type: ignore[assignment]
        text, value = self._decoded(name)
        if text is not None and value is text:
            self.problems.add(full_key(name), f"must be an object with fields {', '.join(spec.names())} "
                              "(got a plain string)")
            return None
        if text is None:
            return None
        parsed = spec.parse(value, full_key(name), self.problems, active)
        if self.production and active:
            spec.check_production(parsed, full_key(name), self.problems)
        return parsed

    def items(self, name: str) -> Optional[tuple]:
        """An array key, checked by its declared kind (a ``ListOf``)."""
        text, value = self._decoded(name)  # a plain string is reported as "must be a list"
        return None if text is None else BY_NAME[name].kind.parse(value, full_key(name), self.problems, True)

    def _decoded(self, name: str) -> tuple[Optional[str], Any]:
        """The key's text and its JSON value: None for both when absent, the text itself when it is not JSON."""
        text = self._value(name)
        return (None, None) if text is None else (text, json_or_text(text))

    def add(self, path: str, message: str) -> None:
        self.problems.add(full_key(path), message)

    def reported(self, path: str) -> bool:
        """Whether `path` already has a problem (so a follow-on rule stays quiet)."""
        return any(p.key == full_key(path) for p in self.problems)

    def reported_under(self, name: str) -> bool:
        """Whether the key `name` or any field inside it already has a problem."""
        key = full_key(name)
        return any(p.key == key or p.key.startswith((key + ".", key + "[")) for p in self.problems)


def _set_secret(key: str, kind: str) -> str:
    if kind == "object":
        return f"pulumi config set --secret --path '{key}.<field>' <value>"
    if "." in key.split(":", 1)[-1]:
        return f"pulumi config set --secret --path '{key}' <value>"
    return f"pulumi config set --secret {key} <value>"
