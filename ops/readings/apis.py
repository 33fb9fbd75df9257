"""The vendors' typed clients for a stack: tokens from the environment (RENDER_API_KEY, SUPABASE_ACCESS_TOKEN),
base URLs from the stack's config (procurement:renderApiUrl / supabaseApiUrl; else the real APIs)."""
from __future__ import annotations

from typing import Mapping

from dynamic_providers.core.api_settings import ApiSettings
from dynamic_providers.core.transport import Transport
from dynamic_providers.render.api import RENDER
from dynamic_providers.render.client import RenderApi
from dynamic_providers.supabase.api import SUPABASE_API, SupabaseApi


def _transport(settings: ApiSettings, config: Mapping[str, object]) -> Transport:
    url, token = settings.resolve(config)
    return Transport(url, token, api_name=settings.name, auth_scheme=settings.auth_scheme,
                     explode_lists=settings.explode_lists)


def render(config: Mapping[str, object]) -> RenderApi:
    return RenderApi(_transport(RENDER, config))


def supabase(config: Mapping[str, object]) -> SupabaseApi:
    return SupabaseApi(_transport(SUPABASE_API, config))
