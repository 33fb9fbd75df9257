"""The one cursor-pagination helper.

Render lists return a JSON array of wrappers ``[{"<item_key>": {...}, "cursor": "..."}]``; the next
page is requested with the cursor of the last wrapper, and the list ends with an empty or short
page (there is no hasMore flag). Some lists (Render ``/env-groups``, ``/registrycredentials``,
most Supabase lists) return bare objects without cursors: those end after one page.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping, Optional

from .transport import Transport

MAX_PAGES = 1000  # a server that keeps returning the same cursor must not loop us forever


def iter_pages(
    transport: Transport,
    path: str,
    *,
    params: Optional[Mapping[str, Any]] = None,
    item_key: Optional[str] = None,
    limit: Optional[int] = 100,
    cursor_param: str = "cursor",
    limit_param: str = "limit",
) -> Iterator[Any]:
    """Yields every item of a (possibly paginated) list endpoint, unwrapped.

    ``item_key``: the wrapper key (``"service"`` for ``[{"service": ..., "cursor": ...}]``). Items
    without that key are yielded as they are, so the same call works for bare lists.
    ``limit=None`` sends no limit parameter (for APIs that reject it).
    """
    query = dict(params or {})
    if limit is not None:
        query[limit_param] = limit
    seen_cursors: set[str] = set()
    for _ in range(MAX_PAGES):
        page = transport.get(path, params=query)
        if page is None:
            return
        if isinstance(page, dict):
            # Some APIs wrap the array: {"data": [...]} / {"items": [...]}.
            page = page.get("data", page.get("items", [page]))
        if not isinstance(page, list) or not page:
            return
        cursor = None
        for entry in page:
            if isinstance(entry, dict) and item_key and item_key in entry:
                yield entry[item_key]
            else:
                yield entry
            if isinstance(entry, dict) and entry.get("cursor"):
                cursor = entry["cursor"]
        if cursor is None or cursor in seen_cursors:
            return
        if limit is not None and len(page) < limit:
            return
        seen_cursors.add(cursor)
        query[cursor_param] = cursor
    raise RuntimeError(f"{transport.api_name} API GET {path}: more than {MAX_PAGES} pages")
