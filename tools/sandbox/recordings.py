"""Read the real recorded traffic in ``$PROCUREMENT_SHARED_DIR/recordings`` (see its SOURCE.md).

Used by the realism tests: for every endpoint the sandbox serves that the recordings cover, the sandbox's answer
must carry the keys the real API's answer carried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlsplit

from .specs import shared_dir

RENDER_RECORDED_BASE = "/v1"  # cassettes talk to https://api.testing.render.com/v1


@dataclass(frozen=True)
class Exchange:
    vendor: str  # "render" or "supabase"
    source: str  # file (and interaction) it came from
    method: str
    path: str  # relative to the API base: "/services/srv-..." (Render) or "/v1/projects/..." (Supabase)
    query: tuple
    request_body: Any
    status: int
    response_body: Any
    # Render: the first value of each response header (Ratelimit-*, Date ...); Supabase: not kept.
    response_headers: dict = field(default_factory=dict, compare=False, hash=False)
    request_text: str | None = None  # Render: the request body exactly as sent ("" when none, "null" ...)


def recordings_dir() -> Path:
    return shared_dir() / "recordings"


def _json_or_none(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


@lru_cache(maxsize=1)
def render_exchanges() -> tuple[Exchange, ...]:
    import yaml

    try:  # the C loader parses the 6 MB of cassettes several times faster
        loader = yaml.CSafeLoader
    except AttributeError:  # pragma: no cover
        loader = yaml.SafeLoader
    found = []
    for cassette in sorted((recordings_dir() / "render").glob("*.yaml")):
        data = yaml.load(cassette.read_text(), Loader=loader)
        for interaction in data.get("interactions") or []:
            request, response = interaction["request"], interaction["response"]
            url = urlsplit(request["url"])
            path = url.path[len(RENDER_RECORDED_BASE):] if url.path.startswith(RENDER_RECORDED_BASE) else url.path
            found.append(Exchange(
                "render", f"{cassette.name}#{interaction.get('id')}", request["method"].upper(), path,
                tuple(parse_qsl(url.query, keep_blank_values=True)), _json_or_none(request.get("body")),
                int(response["code"]), _json_or_none(response.get("body")),
                {name: values[0] for name, values in (response.get("headers") or {}).items() if values},
                request.get("body") or "",
            ))
    return tuple(found)


@lru_cache(maxsize=1)
def supabase_exchanges() -> tuple[Exchange, ...]:
    found = []
    for folder in sorted((recordings_dir() / "supabase").iterdir()):
        for response_file in sorted(folder.glob("*.response.json")):
            request_file = response_file.with_name(response_file.name.replace(".response.", ".request."))
            request = json.loads(request_file.read_text()) if request_file.exists() else {}
            response = json.loads(response_file.read_text())
            query = request.get("query") or {}
            query_items = tuple((k, v) for k, vs in query.items() for v in (vs if isinstance(vs, list) else [vs]))
            found.append(Exchange(
                "supabase", f"{folder.name}/{response_file.name}", (request.get("method") or "GET").upper(),
                request.get("path") or "", query_items, request.get("body"), int(response["status"]),
                response.get("body"),
            ))
    return tuple(found)


def exchanges(vendor: str) -> tuple[Exchange, ...]:
    return render_exchanges() if vendor == "render" else supabase_exchanges()


def key_shape(body: Any) -> tuple[frozenset, frozenset] | None:
    """(top-level keys, keys of list items) of a JSON body; for Render's cursor lists the wrapper and the
    wrapped item both count: ``[{"cursor", "service": {...}}]`` gives item keys of the wrapper and of the item."""
    if isinstance(body, dict):
        return frozenset(body), frozenset()
    if isinstance(body, list):
        item_keys: set = set()
        for item in body:
            if isinstance(item, dict):
                item_keys |= {f"[].{k}" for k in item}
                if "cursor" in item:
                    for key, value in item.items():
                        if key != "cursor" and isinstance(value, dict):
                            item_keys |= {f"[].{key}.{k}" for k in value}
        return frozenset(), frozenset(item_keys)
    return None


def iter_json_items(body: Any) -> Iterator[dict]:
    if isinstance(body, list):
        yield from (item for item in body if isinstance(item, dict))
