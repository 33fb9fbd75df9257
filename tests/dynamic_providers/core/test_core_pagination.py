"""Cursor pagination against a local server that pages like Render does."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from dynamic_providers.core import HttpOptions, Transport, iter_pages

from core_http_stub import StubServer

ITEMS = [{"id": f"srv-{i:03d}", "name": f"svc{i}"} for i in range(7)]


def render_like(method, path, body):
    parts = urlsplit(path)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if parts.path == "/bare":
        return 200, {}, [{"id": "evg-1"}, {"id": "evg-2"}]
    if parts.path == "/stuck":  # a buggy server that always returns the same full page
        return 200, {}, [{"thing": {"id": "x"}, "cursor": "same"}, {"thing": {"id": "y"}, "cursor": "same"}]
    limit = int(query.get("limit", 20))
    start = 0
    if "cursor" in query:
        start = int(query["cursor"].split("-")[1]) + 1
    page = ITEMS[start:start + limit]
    return 200, {}, [{"service": item, "cursor": f"c-{start + i}"} for i, item in enumerate(page)]


@pytest.fixture
def api():
    server = StubServer(fallback=render_like).start()
    t = Transport(server.url, "tok", options=HttpOptions(backoff_base=0.01))
    yield server, t
    server.stop()


def test_follows_last_cursor_until_a_short_page(api):
    server, t = api
    got = list(iter_pages(t, "/services", item_key="service", limit=3, params={"ownerId": "tea-1"}))
    assert [s["id"] for s in got] == [s["id"] for s in ITEMS]
    paths = [r["path"] for r in server.requests]
    assert paths[0] == "/services?ownerId=tea-1&limit=3"
    assert "cursor=c-2" in paths[1] and "cursor=c-5" in paths[2]
    assert len(paths) == 3  # 3 + 3 + 1 (short page ends it)


def test_stops_on_empty_page(api):
    server, t = api
    got = list(iter_pages(t, "/services", item_key="service", limit=7))
    assert len(got) == 7
    assert len(server.requests) == 2  # the full page of 7 needs one more (empty) page to be sure


def test_bare_lists_are_one_page(api):
    server, t = api
    assert [e["id"] for e in iter_pages(t, "/bare", item_key="envGroup")] == ["evg-1", "evg-2"]
    assert len(server.requests) == 1


def test_repeated_cursor_does_not_loop_forever(api):
    server, t = api
    got = list(iter_pages(t, "/stuck", item_key="thing", limit=2))
    assert [g["id"] for g in got] == ["x", "y", "x", "y"]
    assert len(server.requests) == 2
