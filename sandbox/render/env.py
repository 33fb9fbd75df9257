"""Render env vars and secret files set directly on a service (list, replace-all, get, upsert, delete).

Stored as ``env_vars[serviceId] = {key: value}`` and ``secret_files[serviceId] = {name: content}``; values come
back in plaintext, as the real API returns them. ``generateValue: true`` stores a random base64 value.
"""

from __future__ import annotations

import base64
import secrets

from ..routing import NotFound, RouteTable
from ..server import Call, Reply
from .common import cursor_for, paginate, service_or_404

routes = RouteTable()


def generated_value() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def apply_env_var_inputs(target: dict, inputs: list[dict]) -> None:
    """Apply ``envVarInput`` items (``{key, value}`` or ``{key, generateValue: true}``) to a key->value dict."""
    for item in inputs:
        target[item["key"]] = generated_value() if item.get("generateValue") else item.get("value", "")


def value_from_input(body: dict) -> str:
    return generated_value() if body.get("generateValue") else body.get("value", "")


def _env(call: Call) -> dict:
    return call.store["env_vars"][service_or_404(call)["id"]]


def _files(call: Call) -> dict:
    return call.store["secret_files"][service_or_404(call)["id"]]


@routes.get("/services/{serviceId}/env-vars")
def list_env_vars(call: Call) -> Reply:
    env = _env(call)
    return 200, paginate(call, [(k, {"key": k, "value": v}) for k, v in env.items()], "envVar")


@routes.put("/services/{serviceId}/env-vars")
def replace_env_vars(call: Call) -> Reply:
    env = _env(call)
    env.clear()  # keys missing from the array are deleted
    apply_env_var_inputs(env, call.body or [])
    return 200, [{"cursor": cursor_for(k), "envVar": {"key": k, "value": v}} for k, v in env.items()]


@routes.get("/services/{serviceId}/env-vars/{envVarKey}")
def get_env_var(call: Call) -> Reply:
    env, key = _env(call), call.params["envVarKey"]
    if key not in env:
        raise NotFound(f"env var {key} not found")
    return 200, {"key": key, "value": env[key]}


@routes.put("/services/{serviceId}/env-vars/{envVarKey}")
def put_env_var(call: Call) -> Reply:
    env, key = _env(call), call.params["envVarKey"]
    env[key] = value_from_input(call.body or {})
    return 200, {"key": key, "value": env[key]}


@routes.delete("/services/{serviceId}/env-vars/{envVarKey}")
def delete_env_var(call: Call) -> Reply:
    env, key = _env(call), call.params["envVarKey"]
    if env.pop(key, None) is None:
        raise NotFound(f"env var {key} not found")
    return Reply(204, empty=True)


@routes.get("/services/{serviceId}/secret-files")
def list_secret_files(call: Call) -> Reply:
    files = _files(call)
    return 200, paginate(call, [(n, {"name": n, "content": c}) for n, c in files.items()], "secretFile")


@routes.put("/services/{serviceId}/secret-files")
def replace_secret_files(call: Call) -> Reply:
    files = _files(call)
    files.clear()  # "Any existing secret files not included ... will be deleted."
    for item in call.body or []:
        files[item["name"]] = item["content"]
    return 200, [{"cursor": cursor_for(n), "secretFile": {"name": n, "content": c}} for n, c in files.items()]


@routes.get("/services/{serviceId}/secret-files/{secretFileName}")
def get_secret_file(call: Call) -> Reply:
    files, name = _files(call), call.params["secretFileName"]
    if name not in files:
        raise NotFound(f"secret file {name} not found")
    return 200, {"name": name, "content": files[name]}


@routes.put("/services/{serviceId}/secret-files/{secretFileName}")
def put_secret_file(call: Call) -> Reply:
    files, name = _files(call), call.params["secretFileName"]
    files[name] = (call.body or {}).get("content", "")
    return 201, {"name": name, "content": files[name]}


@routes.delete("/services/{serviceId}/secret-files/{secretFileName}")
def delete_secret_file(call: Call) -> Reply:
    files, name = _files(call), call.params["secretFileName"]
    if files.pop(name, None) is None:
        raise NotFound(f"secret file {name} not found")
    return Reply(204, empty=True)
