"""Fixtures for driving the Supabase providers against the sandbox over real HTTP.

``supabase_env``: a fresh sandbox (``sandbox`` fixture) with ``SUPABASE_API_URL`` and
``SUPABASE_ACCESS_TOKEN`` pointing at it, exactly how a provider process finds them.
``engine``: an :class:`EngineDriver` that calls provider methods in the order and with the
arguments the Pulumi engine uses (check -> diff -> create/update/delete; read on refresh).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # supabase_shared, supabase_engine

from supabase_engine import EngineDriver  # noqa: E402

from tools.engine.testing import pulumi_engine, pulumi_env, pulumi_home  # noqa: E402,F401  (real-CLI fixtures)


@pytest.fixture
def supabase_env(sandbox, monkeypatch):
    monkeypatch.setenv("SUPABASE_API_URL", sandbox.supabase.base_url)
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", sandbox.supabase.token)
    yield sandbox
    # Strict about what we send: no request of any provider test may break the vendor spec.
    broken = sandbox.request_violations()
    assert not broken, "requests that broke the spec: " + "; ".join(
        f"{e.method} {e.path}: {e.request_violations}" for e in broken)


@pytest.fixture
def engine():
    return EngineDriver()
