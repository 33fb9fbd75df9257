"""Stack outputs that follow from the config alone (non-secret), before any tier is built."""
from __future__ import annotations

from typing import Any

from .model import StackConfig


def stack_facts(config: StackConfig) -> dict[str, Any]:
    """Flat snake_case outputs; keys for tiers that are off are absent, not empty."""
    facts: dict[str, Any] = {
        "environment": config.environment,
        "enabled_tiers": list(config.tiers.enabled()),
    }
    # A review stack has no custom domains: its URLs are the services' own (components/outputs.py).
    if config.backend is not None and config.review is None:
        facts["api_hostname"] = config.api_hostname
    if config.frontend is not None and config.review is None:
        facts["app_hostname"] = config.app_hostname
    if config.render is not None:
        facts["render_region"] = config.render.region
    if config.database is not None:
        facts["supabase_region"] = config.database.region
    return facts
