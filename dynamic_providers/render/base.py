"""What every Render resource provider shares on top of the core ``DeclarativeProvider``: the API
settings (config keys / env vars) and the typed client its hooks call."""
from __future__ import annotations

from typing import Any, ClassVar, Mapping, Optional

from pulumi.dynamic import ConfigureRequest

from ..core.provider import _RUNTIME_SLOT, DeclarativeProvider
from ..core.transport import Transport
from . import smoke
from .api import RENDER
from .client import RenderApi


class RenderProvider(DeclarativeProvider):
    api = RENDER

    @staticmethod
    def client(transport: Transport) -> RenderApi:
        return RenderApi(transport)

    def configure(self, req: ConfigureRequest) -> None:
        super().configure(req)
        # Where public traffic is sent off Render (smoke.py); kept in the slot the state's pickle drops.
        getattr(self, _RUNTIME_SLOT)[smoke.GATEWAY_CONFIG_KEY] = req.config.get(smoke.GATEWAY_CONFIG_KEY)

    def traffic_gateway(self) -> Optional[str]:
        return smoke.gateway(getattr(self, _RUNTIME_SLOT, None))


class WorkspaceStreamProvider(RenderProvider):
    """A workspace's one log or metrics stream, keyed by ``owner_id``: create and update are the same PUT,
    and a stream to another ``target`` (its endpoint input) is someone else's (taking it over needs adopt)."""

    target: ClassVar[str]  # "endpoint" | "url"

    def _get(self, api: Transport, owner_id: str) -> Optional[dict]:
        """The stream as live state; None when the owner has none."""
        raise NotImplementedError

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"of owner {inputs.get('owner_id')}"

    def _owner_of(self, id_: str, props: Mapping[str, Any]) -> str:
        return props.get("owner_id") or id_.split("/", 1)[0]

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        current = self._get(api, inputs["owner_id"])
        return current if current and current[self.target] != inputs[self.target] else None

    def find_created(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        current = self._get(api, inputs["owner_id"])
        return current if current and current[self.target] == inputs[self.target] else None

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Optional[dict]:
        return self._get(api, self._owner_of(id_, props))

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> dict:
        return self.create_remote(api, news)  # a PUT of the whole stream (the token is re-sent: Render cannot echo it)
