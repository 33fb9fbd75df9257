"""Stands in for supautils, which the sandbox's Postgres lacks (it is not packaged for Debian).

On Supabase's PostgreSQL 15, supautils runs ``postgres``' CREATE ROLE and ALTER ROLE as superuser, which is what
lets ``postgres`` (no superuser) give or take BYPASSRLS; from PostgreSQL 16 a CREATEROLE role holding BYPASSRLS
(``postgres``) may do it itself. On a PG15 sandbox a test that needs it makes ``postgres`` a superuser meanwhile.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


def server_version(sb, ref: str) -> int:
    with sb.supabase.databases[ref].admin_connect(autocommit=True) as conn:
        return int(conn.execute("SHOW server_version_num").fetchone()[0])


def needs_supautils(sb, ref: str) -> bool:
    """Whether ``postgres`` alone is refused BYPASSRLS changes here (PostgreSQL before 16)."""
    return server_version(sb, ref) < 160000


def set_postgres_superuser(sb, ref: str, on: bool) -> None:
    with sb.supabase.databases[ref].admin_connect(autocommit=True) as conn:
        conn.execute(f"ALTER ROLE postgres WITH {'SUPERUSER' if on else 'NOSUPERUSER'}")


@contextmanager
def supautils_role_elevation(sb, ref: str) -> Iterator[None]:
    """``postgres`` may set BYPASSRLS inside the block, as on Supabase."""
    elevate = needs_supautils(sb, ref)
    if elevate:
        set_postgres_superuser(sb, ref, True)
    try:
        yield
    finally:
        if elevate:
            set_postgres_superuser(sb, ref, False)
