"""Values of env vars and secret files that the program does not declare never reach the state.

Secrecy is per value (a plan shows keys and plain values, and masks secret ones): the engine knows
a value is secret only because the program said so for that key. A key someone added out of band
has no such record, so ``read`` would store its value in plain text and print it in the refresh
diff. Its value is not needed: owning the full set, the next ``up`` removes the key whatever it
holds. ``read`` keeps the key (drift stays visible) with this placeholder instead of the value.
"""
from __future__ import annotations

from typing import Any, Mapping

PLACEHOLDER = "(set outside this program; value not read)"


def redact(live: Mapping[str, Any], declared: Any) -> dict[str, Any]:
    """``live`` with the value of every key that ``declared`` (the state's map) lacks replaced."""
    known = declared if isinstance(declared, Mapping) else {}
    return {k: (v if k in known else PLACEHOLDER) for k, v in live.items()}
