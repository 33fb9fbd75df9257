"""A list that request threads append to while tests read it: every access under one lock."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LockedList(Generic[T]):
    def __init__(self) -> None:
        self._items: list[T] = []
        self._lock = threading.Lock()

    def add(self, item: T) -> T:
        with self._lock:
            self._items.append(item)
        return item

    def snapshot(self) -> list[T]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
