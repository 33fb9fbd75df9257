"""Validates request bodies we send against Render's OpenAPI spec, strictly.

"Strict" means: the body validates against the operation's request schema AND carries no
property the schema does not declare (the spec does not set additionalProperties: false, so plain
validation would let an invented field through). Render's ``serviceDetails`` is a oneOf without a
discriminator whose variants overlap; clients pick the variant by service type, so the caller may
name the variant to use.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from openapi_schema_validator import OAS30Validator

ROOT = Path(__file__).resolve().parents[3]


def shared_dir() -> Path:
    return Path(os.environ.get("PROCUREMENT_SHARED_DIR") or ROOT.parent / "shared")


@lru_cache(maxsize=1)
def spec() -> dict:
    return json.loads((shared_dir() / "specs" / "render" / "render-openapi.json").read_text())


def resolve(schema: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        node: Any = spec()
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def request_schema(method: str, template: str) -> dict:
    op = spec()["paths"][template][method.lower()]
    return op["requestBody"]["content"]["application/json"]["schema"]


def _one_of_as_any_of(node: Any) -> Any:
    """Render's discriminator-less oneOfs overlap (``dockerDetailsPOST`` requires nothing, so every
    native body matches it too): read them as anyOf; ``undeclared`` then insists the body fits one
    variant exactly."""
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _one_of_as_any_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_one_of_as_any_of(v) for v in node]
    return node


@lru_cache(maxsize=1)
def _components() -> dict:
    return _one_of_as_any_of(spec()["components"])


def schema_errors(schema: dict, body: Any) -> list[str]:
    doc = _one_of_as_any_of(dict(schema))
    doc["components"] = _components()  # lets "#/components/..." refs resolve
    validator = OAS30Validator(doc)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}" for e in validator.iter_errors(body)]


def undeclared(schema: dict, body: Any, where: str = "") -> list[str]:
    """Properties present in ``body`` that ``schema`` does not declare (recursively)."""
    schema = resolve(schema)
    if isinstance(body, list):
        items = schema.get("items")
        return [p for i, v in enumerate(body) for p in (undeclared(items, v, f"{where}[{i}]") if items else [])]
    if not isinstance(body, dict):
        return []
    if "oneOf" in schema or "anyOf" in schema:
        variants = schema.get("oneOf") or schema.get("anyOf")
        best = min((undeclared(v, body, where) for v in variants), key=len)
        return best
    props: dict = {}
    for part in schema.get("allOf", []) + [schema]:
        props.update(resolve(part).get("properties", {}))
    if not props and "allOf" not in schema and "properties" not in schema:
        return []  # free-form object
    out = []
    for key, value in body.items():
        if key not in props:
            out.append(f"{where}/{key}")
        else:
            out.extend(undeclared(props[key], value, f"{where}/{key}"))
    return out


SERVICE_DETAILS_POST = {"web_service": "webServiceDetailsPOST", "private_service": "privateServiceDetailsPOST",
                        "background_worker": "backgroundWorkerDetailsPOST", "cron_job": "cronJobDetailsPOST",
                        "static_site": "staticSiteDetailsPOST"}
SERVICE_DETAILS_PATCH = {k: v.replace("POST", "PATCH") for k, v in SERVICE_DETAILS_POST.items()}


def violations(method: str, template: str, body: Any, service_type: Optional[str] = None) -> list[str]:
    """All spec problems of one request body (empty list = conforms)."""
    schema = request_schema(method, template)
    problems: list[str] = []
    details = None
    if service_type and isinstance(body, dict) and "serviceDetails" in body:
        body = dict(body)
        details = body.pop("serviceDetails")
        table = SERVICE_DETAILS_POST if method.upper() == "POST" else SERVICE_DETAILS_PATCH
        variant = {"$ref": f"#/components/schemas/{table[service_type]}"}
        problems += [f"serviceDetails: {e}" for e in schema_errors(variant, details)]
        problems += [f"undeclared serviceDetails{p}" for p in undeclared(variant, details)]
    problems += schema_errors(schema, body)
    problems += [f"undeclared {p}" for p in undeclared(schema, body) if not p.startswith("/serviceDetails")]
    return problems
