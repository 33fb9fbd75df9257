"""What a plan shows for a changed resource: the changed properties and why it is replaced.

The engine prints a step's property diff from the provider's *detailed diff*. ``pulumi.dynamic``
(SDK 3.272) sends none: its ``DiffResult`` has no ``diffs``/``detailed_diff`` and its servicer builds
the ``DiffResponse`` from ``changes``, ``replaces`` and ``delete_before_replace`` only. The engine then
prints the old *outputs* against the new *inputs* (a preview's stand-in outputs), so a plan shows
``[diff: ]`` with no changed key, and every output-only field (``finished_at``, ``status``, ...) as a
removal line, which is what a reviewer saw on every replaced Deploy.

So the base provider's ``diff`` computes the detail itself (``detailed_diff``: one entry per changed
field, one per changed key of a map field, replace kinds for create-only fields) and hands it to the
servicer through ``install``: like ``install_concise_errors``, it swaps one global of the host's
``__main__`` (``proto``) for a proxy whose ``DiffResponse`` adds the detail that ``diff`` left for
this thread (each gRPC call runs on its own thread; diff and the response are built on the same one).
The engine then prints ``[diff: ~triggers]``, the changed keys with old and new *input* values (secret
ones masked), and the JSON steps carry ``diffReasons``, ``replaceReasons`` and ``detailedDiff``.
Outside the provider host (unit tests) nothing is installed and ``diff`` behaves as before.
"""
from __future__ import annotations

import re
import sys
import threading
from typing import Any, Mapping, Optional

from .fields import Field, contains_unknown, same
from .host import in_provider_host

ADD, DELETE, UPDATE = "add", "delete", "update"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_pending = threading.local()


def path_of(field: str, key: Optional[str] = None) -> Optional[str]:
    """A property path the engine parses (``variables.LOG_LEVEL``, ``files["app.json"]``), or None
    for a key it cannot parse back (a ``"`` or ``\\``: its parser unescapes only ``\\"``, and a path it
    cannot parse fails the whole preview)."""
    if key is None:
        return field
    if _IDENTIFIER.match(key):
        return f"{field}.{key}"
    if '"' in key or "\\" in key:
        return None
    return f'{field}["{key}"]'


def _kind(old: Any, new: Any) -> str:
    if old is None:
        return ADD
    if new is None:
        return DELETE
    return UPDATE


def detailed_diff(fields: Mapping[str, Field], olds: Mapping[str, Any], news: Mapping[str, Any],
                  changed: set[str], replaced: set[str]) -> dict[str, tuple[str, bool, bool]]:
    """{property path: (kind, replaces, input diff)} for the ``changed`` input fields; a map field whose
    old and new values are both maps with known keys is itemised per key, so a reviewer sees which
    entry was added, changed or removed."""
    detail: dict[str, tuple[str, bool, bool]] = {}
    entry = Field(kind=None)
    for name in sorted(changed):
        if name not in fields:
            continue
        old, new, replace = olds.get(name), news.get(name), name in replaced
        if isinstance(old, dict) and isinstance(new, dict) and not contains_unknown(list(new)):
            entries = {path_of(name, key): (_kind(old.get(key), new.get(key)), replace, True)
                       for key in sorted(set(old) | set(new))
                       if contains_unknown(new.get(key)) or not same(entry, old.get(key), new.get(key))}
            if entries and None not in entries:
                detail.update(entries)
                continue
        detail[path_of(name)] = (_kind(old, new), replace, True)
    return detail


def owed(path: str) -> dict[str, tuple[str, bool, bool]]:
    """The entry for work owed with no input changed, shown on the output that records it (old
    output value against "known after update")."""
    return {path: (UPDATE, False, False)}


def offer(detail: Optional[dict[str, tuple[str, bool, bool]]], reasons: list[str]) -> None:
    """Leaves this diff's detail for the response the servicer is about to build (None: clear)."""
    _pending.value = (detail, reasons) if detail else None


def _take() -> Optional[tuple[dict[str, tuple[str, bool, bool]], list[str]]]:
    value = getattr(_pending, "value", None)
    _pending.value = None
    return value


class _DetailedDiffResponse:
    """Builds ``DiffResponse`` messages with the pending detail; anything else (``DIFF_SOME``, ...)
    is the real message class's."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real.DiffResponse, name)

    def __call__(self, **fields: Any) -> Any:
        pending = _take()
        if pending and fields.get("changes") == self._real.DiffResponse.DIFF_SOME:
            detail, reasons = pending
            kinds = self._real.PropertyDiff
            by_kind = {(ADD, False): kinds.ADD, (ADD, True): kinds.ADD_REPLACE,
                       (DELETE, False): kinds.DELETE, (DELETE, True): kinds.DELETE_REPLACE,
                       (UPDATE, False): kinds.UPDATE, (UPDATE, True): kinds.UPDATE_REPLACE}
            fields["diffs"] = reasons
            fields["detailedDiff"] = {path: kinds(kind=by_kind[(kind, replace)], inputDiff=input_diff)
                                      for path, (kind, replace, input_diff) in detail.items()}
            fields["hasDetailedDiff"] = True
        return self._real.DiffResponse(**fields)


class _DetailedProto:
    """Stands in for ``pulumi.runtime.proto`` inside the dynamic-provider host's ``__main__``."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.DiffResponse = _DetailedDiffResponse(real)  # noqa: N815 - the proto message's name

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def install() -> None:
    """In the dynamic-provider host process only (a no-op anywhere else, idempotent)."""
    if not in_provider_host():
        return
    host = sys.modules["__main__"]
    current = getattr(host, "proto", None)
    if current is not None and not isinstance(current, _DetailedProto) and hasattr(current, "DiffResponse"):
        host.proto = _DetailedProto(current)
