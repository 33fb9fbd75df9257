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
    - ``secret_entries``: a map whose every *value* is secret while its keys are not (secret files):
      each value is wrapped in ``Output.secret`` on its own, so a plan shows which key changed and masks
      only values. A map field that is neither keeps the secretness of each value it is given (env
      vars: ``Output.secret`` values masked, plain ones shown).
    - ``set_like``: a list compared as a set (order is irrelevant; the API may reorder).
    - ``write_only``: the API never returns it (tokens); read keeps the last known value.
    - ``choices``: allowed values (strict encoder: we never send what the spec does not allow).
    - ``managed``: False for inputs that only steer the provider (e.g. ``adopt``) and never diff.
    - ``on_remove``: what removing this optional input does to the live object (``Removal``); every
      optional managed input declares one (tests/dynamic_providers/test_removal_table.py enforces it).
    """

    kind: Optional[type] = None
    required: bool = False
    default: Any = _MISSING
    replace: bool = False
    secret: bool = False
    secret_entries: bool = False
    set_like: bool = False
    write_only: bool = False
    choices: Optional[tuple] = None
    managed: bool = True
    doc: str = ""
    on_remove: Optional["Removal"] = None

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING

    def default_value(self) -> Any:
        return _copied(self.default)


def _copied(value: Any) -> Any:
    """A fresh copy of a mutable declared value, so one resource's inputs never alias another's."""
    return json.loads(json.dumps(value)) if isinstance(value, (list, dict)) else value


# How a removed input reverts (issue 14: "removing a setting reverts it"). The base provider applies it
# in diff and update, so the preview shows the revert and up performs it; the reverted value stays in
# the state as managed, so read keeps watching it for drift.
REVERT_TO_PRIOR = "prior"  # the value remembered from the live object at create/adopt, else ``value``
REVERT_TO_DEFAULT = "default"  # the API's documented default, ``value``
WARN = "warn"  # cannot be reverted: the preview and up warn, naming the field; the live value stays
NO_LIVE_SETTING = "inert"  # not a setting of the live object (a deploy parameter, a fingerprint)


@dataclass(frozen=True)
class Removal:
    mode: str
    value: Any = _MISSING  # the documented default (REVERT_TO_DEFAULT) or fallback (REVERT_TO_PRIOR)
    why: str = ""  # where the default is documented, or why nothing can be reverted

    @property
    def has_value(self) -> bool:
        return self.value is not _MISSING

    def target(self, prior: Any) -> Any:
        """The value removal writes, or ``_MISSING`` when there is none (then it warns)."""
        if self.mode == REVERT_TO_PRIOR and prior is not None:
            return prior
        if self.mode in (REVERT_TO_PRIOR, REVERT_TO_DEFAULT) and self.has_value:
            return _copied(self.value)
        return _MISSING


def to_prior(fallback: Any = _MISSING, why: str = "") -> Removal:
    """Removal restores the value the object had before we managed it (captured at create/adopt);
    without one (set since create, or state from before priors were kept): ``fallback``, else a warning."""
    return Removal(REVERT_TO_PRIOR, fallback, why)


def to_default(value: Any, why: str) -> Removal:
    """Removal writes the API's documented default ``value`` (``why`` cites where it is documented)."""
    return Removal(REVERT_TO_DEFAULT, value, why)


def warn_on_removal(why: str) -> Removal:
    """Removal cannot be reverted (``why`` says why); the live value stays and the preview warns."""
    return Removal(WARN, why=why)


def no_live_setting(why: str) -> Removal:
    """The input steers one operation and is no setting of the live object: removing it changes nothing."""
    return Removal(NO_LIVE_SETTING, why=why)


def is_missing(value: Any) -> bool:
    return value is _MISSING


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
