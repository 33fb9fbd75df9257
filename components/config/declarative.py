"""A small declarative reader for structured config values: the kinds a field can have, and the typed model.

Every check records a `Problem` and carries on, so one run reports everything; an invalid or missing value
reads as None, and later rules skip None so one mistake is not reported twice.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence

from .errors import Problems

# A check returns None when the value is fine, else a message such as "must be a path".
Check = Callable[[Any], Optional[str]]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def suggest(name: str, candidates: Sequence[str], known: str = "known fields") -> str:
    """' did you mean X?' for a near miss, else the list of what is allowed (`known`: what they are)."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; {known}: {', '.join(sorted(candidates))}"


# What a YAML value is, in words (bool first: it is an int in Python).
_TYPE_NAMES = ((bool, "a boolean"), ((int, float), "a number"), (str, "a string"), (list, "a list"),
               (dict, "an object"))


def _type_name(value: Any) -> str:
    return next((name for types, name in _TYPE_NAMES if isinstance(value, types)), type(value).__name__)


class Kind:
    """How one field's value is checked. `parse` returns the value, or None after recording a problem."""

    label = "value"

    def parse(self, value: Any, key: str, problems: Problems, active: bool) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Kind):
    choices: tuple[str, ...] = ()
    check: Optional[Check] = None
    allow_empty: bool = False
    label: str = "string"

    def parse(self, value, key, problems, active):
        if not isinstance(value, str):
            problems.add(key, f"must be a string (got {_type_name(value)})")
            return None
        if not value.strip() and not self.allow_empty:
            problems.add(key, "must not be empty")
            return None
        if self.choices and value not in self.choices:
            problems.add(key, f"'{value}' is not one of: {', '.join(self.choices)}")
            return None
        if self.check is not None:
            message = self.check(value)
            if message:
                problems.add(key, message)
                return None
        return value


@dataclass(frozen=True)
class Integer(Kind):
    minimum: int = 0
    maximum: int = 2**31 - 1
    choices: tuple[int, ...] = ()
    label: str = "integer"

    def parse(self, value, key, problems, active):
        # bool is an int in Python; `minInstances: true` is a mistake, not 1.
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                problems.add(key, f"must be a whole number (got {_type_name(value)} {value!r})")
                return None
        if self.choices and value not in self.choices:
            problems.add(key, f"{value} is not one of: {', '.join(map(str, self.choices))}")
            return None
        if not self.minimum <= value <= self.maximum:
            problems.add(key, f"must be between {self.minimum} and {self.maximum} (got {value})")
            return None
        return value


@dataclass(frozen=True)
class Number(Kind):
    minimum: float = 0.0
    maximum: float = float("inf")
    label: str = "number"

    def parse(self, value, key, problems, active):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.add(key, f"must be a number (got {_type_name(value)} {value!r})")
            return None
        if not math.isfinite(value):
            problems.add(key, f"must be a finite number (got {value!r})")
            return None
        if not self.minimum <= value <= self.maximum:
            problems.add(key, f"must be between {self.minimum:g} and {self.maximum:g} (got {value:g})")
            return None
        return float(value)


@dataclass(frozen=True)
class Flag(Kind):
    label: str = "boolean"

    def parse(self, value, key, problems, active):
        if not isinstance(value, bool):
            problems.add(key, f"must be true or false (got {_type_name(value)} {value!r})")
            return None
        return value


@dataclass(frozen=True)
class ListOf(Kind):
    item: Kind = field(default_factory=Text)
    min_items: int = 0
    max_items: int = 1000
    unique: bool = True

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"list of {self.item.label}"

    def parse(self, value, key, problems, active):
        if not isinstance(value, list):
            problems.add(key, f"must be a list (got {_type_name(value)})")
            return None
        if not self.min_items <= len(value) <= self.max_items:
            problems.add(key, f"must have between {self.min_items} and {self.max_items} entries (got {len(value)})")
        items = tuple(self.item.parse(v, f"{key}[{i}]", problems, active) for i, v in enumerate(value))
        if self.unique and not isinstance(self.item, Nested):
            seen: set = set()
            for i, item in enumerate(items):
                if item is not None and item in seen:
                    problems.add(f"{key}[{i}]", f"duplicate entry {item!r}")
                seen.add(item)
        return items


@dataclass(frozen=True)
class MapOf(Kind):
    """An object whose keys the user chooses (variable names, file names, service names), each key
    checked by ``key_check`` and each value by ``value``. ``key_label`` names a key in docs (``<name>``)."""

    value: Kind = field(default_factory=Text)
    key_check: Optional[Check] = None
    key_label: str = "<name>"
    max_items: int = 500

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"map of {self.key_label} to {self.value.label}"

    def parse(self, value, key, problems, active):
        if not isinstance(value, dict):
            problems.add(key, f"must be an object of {self.key_label}: value (got {_type_name(value)})")
            return None
        if len(value) > self.max_items:
            problems.add(key, f"must have at most {self.max_items} entries (got {len(value)})")
        out: dict[str, Any] = {}
        for name, item in value.items():
            path = f"{key}.{name}"
            message = self.key_check(name) if self.key_check is not None else None
            if message:
                problems.add(path, message)
                continue
            parsed = _given(self.value, item, path, problems, active)
            if parsed is not None:
                out[name] = parsed
        return out


def _given(kind: Kind, value: Any, key: str, problems: Problems, active: bool) -> Any:
    """A field's or map entry's value as `kind` parses it; YAML's `name:` with nothing after it is None."""
    if value is None:
        problems.add(key, "has no value; remove the line or give a value")
        return None
    return kind.parse(value, key, problems, active)


@dataclass(frozen=True)
class Field:
    """One field of a structured value. `required` applies only while the owning tier is on."""

    name: str
    kind: Kind
    doc: str
    default: Any = MISSING
    required: bool = False
    # Production stacks only: the parsed value -> None when allowed, else what is wrong (README reference lists it).
    production: Optional[Callable[[Any], Optional[str]]] = None
    production_doc: str = ""
    # Production stacks only: why the field must be set there (empty: it may be absent).
    production_required: str = ""


@dataclass(frozen=True)
class ObjectSpec:
    fields: tuple[Field, ...]
    # Field names this program no longer reads -> the one line saying what replaced them.
    retired: Mapping[str, str] = field(default_factory=dict)

    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def parse(self, value: Any, key: str, problems: Problems, active: bool) -> Optional[dict[str, Any]]:
        if not isinstance(value, dict):
            problems.add(key, f"must be an object with fields {', '.join(self.names())} (got {_type_name(value)})")
            return None
        known = self.names()
        for name in value:
            if name in self.retired:
                problems.add(f"{key}.{name}", self.retired[name])
            elif name not in known:
                problems.add(f"{key}.{name}", "unknown field" + suggest(name, known))
        out = defaults_of(self)
        for f in self.fields:
            path = f"{key}.{f.name}"
            if f.name in value:
                out[f.name] = _given(f.kind, value[f.name], path, problems, active)
            elif f.required and active:
                problems.add(path, f"is required ({f.doc})")
        return out

    def check_production(self, parsed: Optional[Mapping[str, Any]], key: str, problems: Problems) -> None:
        """The fields' production rules, on the values that parsed (an invalid one is reported already)."""
        if parsed is None:
            return  # the object itself is invalid: reported already
        for f in self.fields:
            path = f"{key}.{f.name}"
            value = parsed.get(f.name)
            if value is None:
                if f.production_required and not any(p.key == path for p in problems):
                    problems.add(path, f"is required in production: {f.production_required}")
                continue
            message = f.production(value) if f.production is not None else None
            if message:
                problems.add(path, message)
            if isinstance(f.kind, Nested):
                f.kind.spec.check_production(value, path, problems)

    def walk(self, prefix: str) -> Iterator[tuple[str, Field]]:
        """Every field path below `prefix` (lists shown as `name[]`), for docs and tests."""
        for f in self.fields:
            path = f"{prefix}.{f.name}"
            yield path, f
            if isinstance(f.kind, ListOf):
                kind, below = f.kind.item, path + "[]"
            elif isinstance(f.kind, MapOf):
                kind, below = f.kind.value, f"{path}.{f.kind.key_label}"
            else:
                kind, below = f.kind, path
            if isinstance(kind, Nested):
                yield from kind.spec.walk(below)


@dataclass(frozen=True)
class Nested(Kind):
    spec: ObjectSpec = field(default_factory=lambda: ObjectSpec(()))
    label: str = "object"

    def parse(self, value, key, problems, active):
        return self.spec.parse(value, key, problems, active)


def defaults_of(spec: ObjectSpec) -> dict[str, Any]:
    """The value an absent nested object reads as: every field at its default."""
    return {f.name: (None if f.default is MISSING else f.default) for f in spec.fields}


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) of every leaf (`procurement:backend.services[0].minInstances`); a `secure:` object is one leaf."""
    if isinstance(value, dict) and set(value) != {"secure"}:
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def get(mapping: Optional[Mapping[str, Any]], name: str) -> Any:
    """Field of a parsed object, tolerating an object that was itself invalid (None)."""
    return None if mapping is None else mapping.get(name)


# --- The typed model, derived from the declaration ------------------------------------------------
# A section whose typed form is a plain rename of its fields (`maxAgeSeconds` -> `max_age_seconds`) gets its
# dataclass from the spec: `@model(spec)` adds one attribute per field (after any the class declares itself
# with a default), and `build(cls, parsed)` fills them. Adding a field to the spec adds it to the model.
_MODELS: dict[int, type] = {}


def attribute(name: str) -> str:
    """`includeSubdomains` -> `include_subdomains`; `tls13` stays."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def model(spec: ObjectSpec) -> Callable[[type], type]:
    def derive(cls: type) -> type:
        own = cls.__dict__.get("__annotations__", {})
        cls.__annotations__ = {**{attribute(f.name): f.kind.label for f in spec.fields}, **own}
        cls.spec = spec  # type: ignore[attr-defined]
        derived = dataclass(frozen=True)(cls)
        _MODELS[id(spec)] = derived
        return derived
    return derive


def model_of(spec: ObjectSpec) -> type:
    """The `@model` class of a spec (KeyError: none is declared)."""
    return _MODELS[id(spec)]


def build(cls: type, parsed: Optional[Mapping[str, Any]], **given: Any) -> Any:
    """An instance of a `@model` class from a parsed (possibly invalid: None) object; `given` wins."""
    values = dict(given)
    for f in cls.spec.fields:  # type: ignore[attr-defined]
        name = attribute(f.name)
        if name not in values:
            values[name] = _typed(f.kind, get(parsed, f.name))
    return cls(**values)


def _typed(kind: Kind, value: Any) -> Any:
    if isinstance(kind, Nested) and id(kind.spec) in _MODELS:
        return build(_MODELS[id(kind.spec)], value)
    if isinstance(kind, ListOf):
        return tuple(_typed(kind.item, item) for item in value or () if item is not None)
    return value
