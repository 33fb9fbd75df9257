"""Declarative field specs and the value canonicalisation the diff relies on.

A provider declares its inputs as ``{name: Field(...)}``. The base provider derives check
(types, required, choices, defaults), diff (managed vs replace fields, set-like lists, unknowns)
and read (which inputs are refreshed from the live object) from these declarations.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Optional

from pulumi.output import Unknown

# The value the Pulumi engine sends for "not known until apply" during preview (pulumi.runtime.rpc).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

_MISSING = object()


@dataclass(frozen=True)
class Field:
    """One input property.

    - ``kind``: expected Python type after decoding (str, int, float, bool, list, dict) or None (any).
    - ``required``: check fails when absent. ``default``: filled in by check when absent.
    - ``replace``: create-only; a change forces replacement.
    - ``secret``: value must stay secret (the Resource class wraps it in ``Output.secret`` and lists
      it in ``additional_secret_outputs``); check messages never quote it.
    - ``set_like``: a list compared as a set (order is irrelevant; the API may reorder).
    - ``write_only``: the API never returns it (tokens); read keeps the last known value.
    - ``choices``: allowed values (strict encoder: we never send what the spec does not allow).
    - ``managed``: False for inputs that only steer the provider (e.g. ``adopt``) and never diff.
    """

    kind: Optional[type] = None
    required: bool = False
    default: Any = _MISSING
    replace: bool = False
    secret: bool = False
    set_like: bool = False
    write_only: bool = False
    choices: Optional[tuple] = None
    managed: bool = True
    doc: str = ""

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING

    def default_value(self) -> Any:
        # Copy mutable defaults so one resource's inputs never alias another's.
        value = self.default
        return json.loads(json.dumps(value)) if isinstance(value, (list, dict)) else value


def normalise_unknowns(value: Any) -> Any:
    """Engine unknowns -> the ``UNKNOWN`` sentinel, recursively.

    The dynamic-provider server deserializes check/diff properties with ``keep_unknowns=True``,
    which yields ``pulumi.output.Unknown`` *objects* (e.g. the id of a resource not created yet),
    while other paths carry the wire string. One representation keeps every later check simple.
    """
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: normalise_unknowns(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise_unknowns(v) for v in value]
    return value


def contains_unknown(value: Any) -> bool:
    """True if the value, or anything nested in it, is not known yet (preview)."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False


def integral(value: Any) -> Any:
    """Turns integral floats into ints, recursively.

    The engine passes every number as a protobuf double, so ``2`` arrives as ``2.0``; APIs
    and our comparisons want ``2``.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral(v) for v in value]
    return value


def canonical(value: Any, set_like: bool = False) -> Any:
    """A comparable form: integral numbers, dict keys sorted, None-valued keys dropped, and for
    set-like lists the elements sorted (duplicates kept once)."""
    value = integral(value)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in sorted(value.items()) if v is not None}
    if isinstance(value, (list, tuple)):
        items = [canonical(v) for v in value]
        if set_like:
            unique = {json.dumps(i, sort_keys=True): i for i in items}
            return [unique[k] for k in sorted(unique)]
        return items
    return value


def same(field: Field, old: Any, new: Any) -> bool:
    """Whether two values of ``field`` are equal for diff purposes."""
    return canonical(old, field.set_like) == canonical(new, field.set_like)


KindCheck = Callable[[Any], bool]


def kind_ok(kind: Optional[type], value: Any) -> bool:
    if kind is None or value is None:
        return True
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, kind)
