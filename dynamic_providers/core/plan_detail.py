"""What a plan shows for a changed resource: the changed properties and why it is replaced.

``pulumi.dynamic``'s ``DiffResult`` carries no detailed diff, so a plan showed ``[diff: ]`` and every
output-only field as removed. The base provider's ``diff`` computes the detail here (``detailed_diff``)
and ``offer``s it for this thread; the host's ``DiffResponse`` picks it up through the proto swap in
``sdk_patches.py``. Outside the provider host nothing is installed and ``diff`` behaves as before.
"""
from __future__ import annotations

import re
import threading
from typing import Any, Mapping, Optional

from .fields import Field, contains_unknown, same

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


def take() -> Optional[tuple[dict[str, tuple[str, bool, bool]], list[str]]]:
    value = getattr(_pending, "value", None)
    _pending.value = None
    return value
