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
