"""The stored objects of one emulated API, and out-of-band edits to them.

A ``Store`` is a dict of named collections (``services``, ``env_vars`` ...), each a dict from an object's id to a
JSON-serialisable object. Handlers run under the store's lock, so one request sees a consistent state. Everything
in it is plain JSON so the sandbox can persist it to a file and pick it up after a restart.
"""

from __future__ import annotations

import copy
import threading
from typing import Any, Iterable


class NotFoundInStore(KeyError):
    pass


def _split(path: str | list) -> list:
    return list(path) if isinstance(path, list) else path.split(".")


def set_path(obj: Any, path: str | list, value: Any) -> None:
    """Set ``a.b.c`` (or ``["a", "b", "c"]``) in nested dicts, creating dicts on the way."""
    parts = _split(path)
    for part in parts[:-1]:
        if isinstance(obj, list):
            obj = obj[int(part)]
        else:
            obj = obj.setdefault(part, {})
    if isinstance(obj, list):
        obj[int(parts[-1])] = value
    else:
        obj[parts[-1]] = value


def unset_path(obj: Any, path: str | list) -> None:
    parts = _split(path)
    for part in parts[:-1]:
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    if isinstance(obj, list):
        del obj[int(parts[-1])]
    else:
        obj.pop(parts[-1], None)


class Store:
    def __init__(self, collections: Iterable[str]):
        self.collection_names = tuple(collections)
        self.lock = threading.RLock()
        self.data: dict[str, dict[str, Any]] = {name: {} for name in self.collection_names}

    def __getitem__(self, collection: str) -> dict[str, Any]:
        return self.data[collection]

    def reset(self) -> None:
        with self.lock:
            self.data = {name: {} for name in self.collection_names}

    def to_json(self) -> dict:
        with self.lock:
            return copy.deepcopy(self.data)

    def load(self, data: dict) -> None:
        with self.lock:
            self.data = {name: dict(data.get(name, {})) for name in self.collection_names}

    def edit(self, collection: str, key: str, set_: dict | None = None, unset: Iterable | None = None) -> Any:
        """Out-of-band edit: change a stored object without the public API (a change made in the dashboard).

        ``set_`` maps dotted paths inside the object to new values; ``unset`` lists dotted paths to remove.
        Returns a copy of the object after the edit."""
        with self.lock:
            if collection not in self.data:
                raise NotFoundInStore(f"no collection {collection!r}; known: {', '.join(self.collection_names)}")
            if key not in self.data[collection]:
                raise NotFoundInStore(f"no object {key!r} in {collection!r}")
            target = self.data[collection][key]
            for path, value in (set_ or {}).items():
                set_path(target, path, value)
            for path in unset or ():
                unset_path(target, path)
            return copy.deepcopy(target)
