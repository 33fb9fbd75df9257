"""Render provider tests: the sandbox's token in RENDER_API_KEY, where a provider process reads it.

Tokens are never configure()d (stack config is stored in the state), so every test that talks to a
sandbox gets the token through the environment, as the real provider does.
"""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def render_token_from_the_environment(request, monkeypatch):
    if "sandbox" in request.fixturenames:
        monkeypatch.setenv("RENDER_API_KEY", request.getfixturevalue("sandbox").render.token)
