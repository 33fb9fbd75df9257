"""The stack's Supabase project as it is now: its status, its services' health and its backups (PITR window,
newest backup). GETs only."""
from __future__ import annotations

from dataclasses import dataclass

from dynamic_providers.supabase.api import SupabaseApi
from dynamic_providers.supabase.models import Backups, Project, ServiceHealth

HEALTH_SERVICES = ("db", "pooler", "auth", "rest")  # what the platform uses of a project


@dataclass(frozen=True)
class DatabaseReading:
    project: Project
    health: list[ServiceHealth]
    backups: Backups


def read_database(api: SupabaseApi, ref: str) -> DatabaseReading:
    return DatabaseReading(api.get_project(ref), api.get_health(ref, HEALTH_SERVICES), api.get_backups(ref))
