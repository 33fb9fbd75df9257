"""Locating the shared reference material (recordings, spec) for the Supabase provider tests.

``$PROCUREMENT_SHARED_DIR`` wins; the default is ``<project root>/../shared`` (CI copies shared/
beside the clone). Nothing from there is ever copied into the repository.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def shared_dir() -> Path:
    configured = os.environ.get("PROCUREMENT_SHARED_DIR")
    return Path(configured) if configured else (PROJECT_ROOT.parent / "shared").resolve()


def recordings_dir() -> Path:
    return shared_dir() / "recordings" / "supabase"


def recorded_responses(folder: str) -> list[tuple[str, dict]]:
    """[(file name, {status, headers, body})] of ``recordings/supabase/<folder>/N.response.json``."""
    path = recordings_dir() / folder
    return [(p.name, json.loads(p.read_text())) for p in sorted(path.glob("*.response.json"))]


@lru_cache(maxsize=1)
def supabase_spec() -> dict:
    return json.loads((shared_dir() / "specs" / "supabase" / "openapi.json").read_text())


def _without_discriminators(node):
    # The spec's inline ``oneOf`` unions (region_selection) carry a ``discriminator`` without a
    # mapping; a validator then looks for schemas named after the values ("#/components/schemas/
    # specific"), which do not exist. ``oneOf`` alone still checks the branches strictly.
    if isinstance(node, dict):
        return {k: _without_discriminators(v) for k, v in node.items() if k != "discriminator"}
    if isinstance(node, list):
        return [_without_discriminators(v) for v in node]
    return node


@lru_cache(maxsize=1)
def _registry():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    spec = _without_discriminators(supabase_spec())
    return spec, Registry().with_resource("spec.json", Resource.from_contents(spec, default_specification=DRAFT4))


def request_body_errors(method: str, path_template: str, body) -> list[str]:
    """Spec violations of a request body for ``method path_template`` (e.g. "POST", "/v1/projects").

    The spec is loaded as plain JSON and only the operation's body schema is checked (no strict
    validation of the spec document itself, which has non-standard keys).
    """
    from openapi_schema_validator import OAS30Validator

    spec, registry = _registry()
    operation = spec["paths"][path_template][method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return [] if body is None else [f"{method} {path_template} takes no JSON body"]
    schema = content["application/json"]["schema"]
    if "$ref" in schema:
        schema = {"$ref": "spec.json" + schema["$ref"]}
    else:
        schema = _rebase_refs(schema)
    validator = OAS30Validator(schema, registry=registry)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}" for e in validator.iter_errors(body)]


def _rebase_refs(node):
    if isinstance(node, dict):
        return {k: ("spec.json" + v if k == "$ref" and v.startswith("#") else _rebase_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase_refs(v) for v in node]
    return node


def operation_exists(method: str, path_template: str) -> bool:
    return method.lower() in supabase_spec()["paths"].get(path_template, {})
