"""What every Render resource provider shares on top of the core ``DeclarativeProvider``: the API
settings (config keys / env vars) and the typed client its hooks call."""
from __future__ import annotations

from ..core.provider import DeclarativeProvider
from ..core.transport import Transport
from .api import RENDER
from .client import RenderApi


class RenderProvider(DeclarativeProvider):
    api = RENDER

    @staticmethod
    def client(transport: Transport) -> RenderApi:
        return RenderApi(transport)
