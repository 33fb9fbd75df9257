"""Tolerant readers for API responses: a wrong type or a missing value becomes None, never an error.

The real Render and Supabase APIs return ``null`` where their specs promise values, omit fields the
specs call required, and grow fields and enum values over time (``shared/recordings``). Decoders
read every value through these helpers, so the shape of what comes back can never crash a
deployment; only the provider decides which missing value is fatal.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, ClassVar, Mapping, Optional, Union


def obj(value: Any) -> dict:
    """A JSON object, or ``{}``."""
    return value if isinstance(value, Mapping) else {}


def text(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def integer(value: Any) -> Optional[int]:
    # bool is an int subclass in Python; a JSON true is not a number here. Integral floats
    # (the engine sends every number as a double) are numbers.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def boolean(value: Any) -> Optional[bool]:
    return value if isinstance(value, bool) else None


def items(value: Any) -> list:
    """A JSON array (as a new list), or ``[]``."""
    return list(value) if isinstance(value, list) else []


# --- declared decoding ---------------------------------------------------------------------------
# A decoded model declares each field once: where it is in the JSON object, how it reads, its default.
# ``decoded_fields`` then reads them all, so no model hand-writes ``text(data.get("name"))`` per field.

_WIRE = "wire"


@dataclasses.dataclass(frozen=True)
class Wire:
    """Where a field is read from: dotted paths (``"serviceDetails.plan"``) tried in order while the value
    read is empty (a deprecated twin such as ``env`` for ``runtime``), the reader, and the default for None."""

    paths: tuple[str, ...]
    read: Callable[[Any], Any]
    default: Any


def wire(path: str, read: Callable[[Any], Any] = text, *, default: Any = None,
         alias: Union[str, tuple[str, ...]] = ()) -> Any:
    """A dataclass field decoded from ``path`` (then ``alias``) with ``read``; ``default`` when it reads None."""
    aliases = (alias,) if isinstance(alias, str) else tuple(alias)
    spec = Wire((path, *aliases), read, default)
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata={_WIRE: spec})
    return dataclasses.field(default=default, metadata={_WIRE: spec})


def at(data: Any, path: str) -> Any:
    """The value at a dotted path of nested objects; None where any step is missing or not an object."""
    value: Any = data
    for key in path.split("."):
        value = obj(value).get(key)
    return value


def decoded_fields(cls: type, data: Any) -> dict[str, Any]:
    """Every ``wire`` field of the dataclass ``cls`` read from ``data``, by field name."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        spec: Optional[Wire] = f.metadata.get(_WIRE)
        if spec is None:
            continue
        value = None
        for path in spec.paths:
            value = spec.read(at(data, path))
            if value:
                break
        out[f.name] = spec.default if value is None else value
    return out


def unwrap(value: Any, key: str) -> dict:
    """``{"service": {...}, "cursor": ...}`` (a list page's item) -> the inner object; a bare object passes through."""
    value = obj(value)
    inner = value.get(key)
    return inner if isinstance(inner, dict) else value


class Decoded:
    """Base of a dataclass read by its ``wire`` fields: ``Model.decode(body)``. ``envelope`` (a class keyword):
    the key list pages wrap each item in, unwrapped first when present."""

    envelope: ClassVar[Optional[str]] = None

    def __init_subclass__(cls, envelope: Optional[str] = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if envelope is not None:
            cls.envelope = envelope

    @classmethod
    def decode(cls, body: Any) -> Any:
        return cls(**decoded_fields(cls, unwrap(body, cls.envelope) if cls.envelope else body))
