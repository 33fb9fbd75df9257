"""The stack's config plus `procurement:adopt` entries, written to a temporary file for one `up`."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import yaml

ADOPT_KEY = "procurement:adopt"


def with_adopt(stack_file: Path, entries: Iterable[str], out: Path) -> list[str]:
    """Writes `stack_file` (or an empty config when it does not exist) with `entries` added to
    `procurement:adopt` (an entry for a name already listed replaces it). Everything else (encrypted
    values, the secrets provider, ESC imports) is copied as is. Returns the resulting list."""
    doc = yaml.safe_load(stack_file.read_text()) if stack_file.exists() else None
    doc = doc if isinstance(doc, dict) else {}
    config = doc.setdefault("config", {}) or {}
    doc["config"] = config
    current = config.get(ADOPT_KEY) or []
    by_name = {str(e).split("@", 1)[0]: str(e) for e in (current if isinstance(current, list) else [current])}
    for entry in entries:
        by_name[entry.split("@", 1)[0]] = entry
    config[ADOPT_KEY] = sorted(by_name.values())
    out.write_text(yaml.safe_dump(doc, sort_keys=False))
    return config[ADOPT_KEY]
