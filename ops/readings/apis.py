"""The vendors' typed clients for a stack: tokens from the environment (RENDER_API_KEY, SUPABASE_ACCESS_TOKEN),
base URLs from the stack's config (procurement:renderApiUrl / supabaseApiUrl; else the real APIs)."""
from __future__ import annotations

from typing import Mapping

from dynamic_providers.render.api import RENDER
from dynamic_providers.render.client import RenderApi
from dynamic_providers.supabase.api import SUPABASE_API, SupabaseApi


def render(config: Mapping[str, object]) -> RenderApi:
    return RenderApi(RENDER.transport(config))


def supabase(config: Mapping[str, object]) -> SupabaseApi:
    return SupabaseApi(SUPABASE_API.transport(config))
