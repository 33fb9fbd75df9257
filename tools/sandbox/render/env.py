"""Render env vars and secret files set directly on a service (list, replace-all, get, upsert, delete).

The two families differ only in names, so one ``Keyed`` description of each drives the same five handlers (and
the per-key handlers of env groups, ``tools.sandbox.render.env_groups``). Stored as ``env_vars[serviceId] =
{key: value}`` and ``secret_files[serviceId] = {name: content}``; values come back in plaintext, as the real
API returns them. ``generateValue: true`` stores a random base64 value.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Callable

from ..routing import NotFound, RouteTable
from ..server import Call, Reply
from .common import cursor_for, paginate, service_or_404

routes = RouteTable()


def generated_value() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def value_from_input(body: dict) -> str:
    """The value of an env var input: ``{value}`` or ``{generateValue: true}``."""
    return generated_value() if body.get("generateValue") else body.get("value", "")


@dataclass(frozen=True)
class Keyed:
    """A family of named values: its URL segment, path parameter, JSON field names and stored places."""

    segment: str  # "env-vars"
    param: str  # path parameter of one item
    key_field: str
    value_field: str
    wrapper: str  # key of the item in Render's cursor list
    noun: str
    collection: str  # store collection of the per-service values
    group_attr: str  # where an env group keeps them
    upsert_status: int  # PUT of one item: 200 for env vars, 201 for secret files (spec)
    value_of: Callable[[dict], str]

    def item(self, key: str, value: str) -> dict:
        return {self.key_field: key, self.value_field: value}

    def apply(self, target: dict, inputs: list[dict]) -> None:
        for entry in inputs:
            target[entry[self.key_field]] = self.value_of(entry)

    def get(self, values: dict, key: str) -> dict:
        if key not in values:
            raise NotFound(f"{self.noun} {key} not found")
        return self.item(key, values[key])

    def remove(self, values: dict, key: str) -> None:
        if values.pop(key, None) is None:
            raise NotFound(f"{self.noun} {key} not found")


ENV_VARS = Keyed("env-vars", "envVarKey", "key", "value", "envVar", "env var", "env_vars", "_envVars", 200,
                 value_from_input)
SECRET_FILES = Keyed("secret-files", "secretFileName", "name", "content", "secretFile", "secret file",
                     "secret_files", "_secretFiles", 201, lambda body: body.get("content", ""))


def _register(kind: Keyed) -> None:
    base = f"/services/{{serviceId}}/{kind.segment}"
    one = f"{base}/{{{kind.param}}}"

    def values(call: Call) -> dict:
        return call.store[kind.collection][service_or_404(call)["id"]]

    @routes.get(base)
    def list_all(call: Call) -> Reply:
        return 200, paginate(call, [(k, kind.item(k, v)) for k, v in values(call).items()], kind.wrapper)

    @routes.put(base)
    def replace_all(call: Call) -> Reply:
        current = values(call)
        current.clear()  # items missing from the array are deleted
        kind.apply(current, call.body or [])
        return 200, [{"cursor": cursor_for(k), kind.wrapper: kind.item(k, v)} for k, v in current.items()]

    @routes.get(one)
    def get_one(call: Call) -> Reply:
        return 200, kind.get(values(call), call.params[kind.param])

    @routes.put(one)
    def upsert_one(call: Call) -> Reply:
        current, key = values(call), call.params[kind.param]
        current[key] = kind.value_of(call.body or {})
        return kind.upsert_status, kind.item(key, current[key])

    @routes.delete(one)
    def delete_one(call: Call) -> Reply:
        kind.remove(values(call), call.params[kind.param])
        return Reply(204, empty=True)


_register(ENV_VARS)
_register(SECRET_FILES)
