"""The Supabase Management API for the ops tools: the providers' own client and transport, with the token
(SUPABASE_ACCESS_TOKEN) and URL (SUPABASE_API_URL, default https://api.supabase.com) from the environment."""
from __future__ import annotations

from dynamic_providers.supabase.api import SUPABASE_API, SupabaseApi


def client() -> SupabaseApi:
    return SupabaseApi(SUPABASE_API.transport())
