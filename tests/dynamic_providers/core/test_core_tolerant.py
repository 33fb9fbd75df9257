"""The shared tolerant readers: wrong types and nulls become None (or empty), never errors."""
from __future__ import annotations

import pytest

from dynamic_providers.core.tolerant import boolean, integer, items, obj, text


@pytest.mark.parametrize("value, expected", [(3, 3), (3.0, 3), (3.5, None), (True, None), ("3", None), (None, None)])
def test_integer(value, expected):
    assert integer(value) == expected


def test_text_boolean_obj_items():
    assert text("a") == "a" and text(1) is None and text(None) is None
    assert boolean(False) is False and boolean(0) is None and boolean("true") is None
    assert obj({"a": 1}) == {"a": 1} and obj(None) == {} and obj([1]) == {}
    source = [1, 2]
    copied = items(source)
    assert copied == [1, 2] and copied is not source
    assert items(None) == [] and items({"a": 1}) == []


def test_declared_fields_read_paths_aliases_and_defaults():
    import dataclasses
    from typing import Optional

    from dynamic_providers.core.tolerant import at, decoded_fields, wire

    @dataclasses.dataclass
    class Thing:
        id: str = wire("id", default="")
        size: Optional[int] = wire("details.size", integer)
        runtime: Optional[str] = wire("details.runtime", alias="details.env")
        tags: list = wire("tags", items, default=[])
        note: Optional[str] = None  # not declared: never read

    assert at({"a": {"b": 1}}, "a.b") == 1 and at({"a": None}, "a.b") is None and at(None, "a") is None
    read = Thing(**decoded_fields(Thing, {"id": "t-1", "details": {"size": 2.0, "runtime": "", "env": "node"},
                                          "tags": ["x"], "note": "n"}))
    assert read == Thing(id="t-1", size=2, runtime="node", tags=["x"])
    empty = Thing(**decoded_fields(Thing, {"details": None, "tags": "not a list", "id": 7}))
    assert empty == Thing(id="", size=None, runtime=None, tags=[])
    empty.tags.append("y")
    assert Thing().tags == []  # a declared list default is never shared between instances


def test_a_decoded_model_unwraps_its_envelope_and_reads_its_wire_fields():
    import dataclasses
    from typing import Optional

    from dynamic_providers.core.tolerant import Decoded, unwrap, wire

    @dataclasses.dataclass(frozen=True)
    class Item(Decoded, envelope="item"):
        id: str = wire("id", default="")
        size: Optional[int] = wire("size", integer)

    assert unwrap({"item": {"id": "a"}, "cursor": "c"}, "item") == {"id": "a"}
    assert unwrap({"id": "a", "item": "not an object"}, "item") == {"id": "a", "item": "not an object"}
    assert Item.decode({"item": {"id": "i-1", "size": 3}, "cursor": "x"}) == Item(id="i-1", size=3)
    assert Item.decode({"id": "i-2"}) == Item(id="i-2")  # a bare object passes through
    assert Item.decode(None) == Item() and Item.envelope == "item" and Decoded.envelope is None
