"""Where a file backend (`file://<dir>`) keeps its stacks and locks."""
from __future__ import annotations

from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlparse


def backend_dir(backend_url: str, kind: str) -> Optional[Path]:
    """`<dir>/.pulumi/<kind>` (`stacks`, `locks`); None when the backend is not a local directory."""
    parsed = urlparse(backend_url)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path)) / ".pulumi" / kind
