"""The Render and Supabase API clients of the review tool: the providers' own clients, with each token and URL
from the environment (RENDER_API_KEY / RENDER_API_URL, SUPABASE_ACCESS_TOKEN / SUPABASE_API_URL)."""
from __future__ import annotations

from dynamic_providers.render.api import RENDER
from dynamic_providers.render.client import RenderApi

from ..supabase_api import client as supabase_client  # noqa: F401 - re-exported: the one Supabase client


def render_client() -> RenderApi:
    return RenderApi(RENDER.transport())
