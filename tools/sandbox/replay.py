"""Replay the recorded real Render traffic against a sandbox and compare the outcomes.

Each cassette in ``recordings/render`` is replayed in order with the recorded ids mapped to the sandbox's; a
request Render answered 2xx must be answered 2xx, with (``limit_headers``) the same ``Ratelimit-Limit``. What is
skipped is in ``SKIPPED``, each with its reason. How ids are mapped: tools/sandbox/README.md, "Render fidelity".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .recordings import Exchange, render_exchanges

# First path segment -> why the project does not emulate it.
SKIPPED: dict[str, str] = {
    "postgres": "Render Postgres: the project's database is Supabase, so no component creates one",
    "redis": "Render Redis (legacy Key Value): not part of the platform",
    "key-value": "Render Key Value: not part of the platform",
    "dedicated-ips": "dedicated outbound IPs: not in the vendor spec copy and not used by the platform",
    "webhooks": "webhooks: not used by the platform; answered 501",
}
# Recorded answers whose Ratelimit-Limit a newer recording of the same request contradicts: Render moved the
# family since. Their status is still compared; their limit is not (the newer one is, see
# tools/sandbox/render/ratelimits.py).
SUPERSEDED_LIMITS: dict[str, str] = {
    f"notifications__resource__notifications_resource_cassette.yaml#{i}":
        "GET owner notification settings: 500 on 2024-05-29, the common 400 read bucket on 2024-09-03"
    for i in (1, 2, 4)
}
OWNER_PLACEHOLDER = "some-owner-id"  # what the cassettes call the workspace (recordings/SOURCE.md)
_ID = re.compile(r"^[a-z]{3}-[a-z0-9]{20}(-[a-z])?$")  # Render ids (Postgres ids carry a -a/-b suffix)


@dataclass
class Outcome:
    source: str
    method: str
    path: str  # the recorded path
    recorded: int
    status: int | None  # the sandbox's answer; None when skipped
    skipped: str | None = None
    recorded_limit: str | None = None
    limit: str | None = None


@dataclass
class Replay:
    outcomes: list[Outcome] = field(default_factory=list)
    # Sandbox answers that broke the vendor spec (journal entries), kept before each cassette's reset.
    response_violations: list = field(default_factory=list)

    def mismatches(self) -> list[Outcome]:
        """Requests Render answered 2xx that the sandbox did not."""
        return [o for o in self.outcomes if o.skipped is None and 200 <= o.recorded < 300
                and not (o.status is not None and 200 <= o.status < 300)]

    def limit_mismatches(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.skipped is None and o.recorded_limit and o.limit != o.recorded_limit]

    def compared(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.skipped is None]

    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.skipped is not None]


def _cassettes(exchanges: Iterable[Exchange]) -> dict[str, list[Exchange]]:
    grouped: dict[str, list[Exchange]] = {}
    for exchange in exchanges:
        grouped.setdefault(exchange.source.split("#", 1)[0], []).append(exchange)
    return grouped


def _learn(recorded: Any, actual: Any, ids: dict[str, str]) -> None:
    """Map recorded ids to the sandbox's by walking both answers in parallel."""
    if isinstance(recorded, str) and isinstance(actual, str):
        if _ID.match(recorded) and _ID.match(actual) and recorded not in ids:
            ids[recorded] = actual
    elif isinstance(recorded, dict) and isinstance(actual, dict):
        for key, value in recorded.items():
            if key == "cursor" and isinstance(value, str) and isinstance(actual.get(key), str):
                ids.setdefault(value, actual[key])  # list cursors are opaque: the same item's cursor
            elif key in actual:
                _learn(value, actual[key], ids)
    elif isinstance(recorded, list) and isinstance(actual, list):
        def label(item: Any) -> Any:
            inner = item
            if isinstance(item, dict) and "cursor" in item and len(item) == 2:
                inner = next(v for k, v in item.items() if k != "cursor")
            return (inner.get("name") or inner.get("key")) if isinstance(inner, dict) else None

        by_label = {label(a): a for a in actual if label(a) is not None}
        for index, item in enumerate(recorded):
            match = by_label.get(label(item)) if label(item) is not None else None
            if match is None and index < len(actual) and label(item) is None:
                match = actual[index]
            if match is not None:
                _learn(item, match, ids)


def _substitute(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ",".join(ids.get(part, part) for part in value.split(",")) if value else value
    if isinstance(value, list):
        return [_substitute(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, ids) for k, v in value.items()}
    return value


def _unknown_ids(exchange: Exchange, ids: dict[str, str]) -> list[str]:
    """Recorded ids the request names that the sandbox never handed out (made by a skipped endpoint)."""
    names = [p for p in exchange.path.split("/") if _ID.match(p)]
    names += [v for _, value in exchange.query for v in value.split(",") if _ID.match(v)]

    def walk(value: Any) -> None:
        if isinstance(value, str) and _ID.match(value):
            names.append(value)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    walk(exchange.request_body)
    return [n for n in names if n not in ids]


def replay_render(server: Any, exchanges: Iterable[Exchange] | None = None) -> Replay:
    """Replay every cassette against the running Render emulator ``server`` (reset before each cassette)."""
    from .testing import ApiClient

    result = Replay()
    for source, sequence in sorted(_cassettes(exchanges or render_exchanges()).items()):
        server.reset()
        api = ApiClient(server)
        ids = {OWNER_PLACEHOLDER: server.owner_id}
        for exchange in sequence:
            outcome = Outcome(exchange.source, exchange.method, exchange.path, exchange.status, None)
            result.outcomes.append(outcome)
            family = exchange.path.split("/")[1] if exchange.path.count("/") else ""
            if family in SKIPPED:
                outcome.skipped = SKIPPED[family]
                continue
            unknown = _unknown_ids(exchange, ids)
            if unknown:
                outcome.skipped = f"names {unknown[0]}, made by a skipped endpoint or a skipped request"
                continue
            path = "/".join(ids.get(part, part) for part in exchange.path.split("/"))
            params = [(k, _substitute(v, ids)) for k, v in exchange.query]
            kwargs: dict[str, Any] = {"params": params}
            if exchange.request_text:  # as sent: a JSON body (possibly the literal null), else none at all
                kwargs["data"] = json.dumps(_substitute(exchange.request_body, ids))
                kwargs["headers"] = {"Content-Type": "application/json"}
            response = api.request(exchange.method, path, **kwargs)
            outcome.status = response.status_code
            outcome.limit = response.headers.get("Ratelimit-Limit")
            if exchange.source not in SUPERSEDED_LIMITS:
                outcome.recorded_limit = exchange.response_headers.get("Ratelimit-Limit")
            if response.content and 200 <= response.status_code < 300:
                try:
                    _learn(exchange.response_body, response.json(), ids)
                except ValueError:
                    pass
        result.response_violations += server.journal.response_violations()
    return result
