"""One Render service as it is now: the service, its newest deploys (one list call), its running instances and
its notification override. GETs only."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from dynamic_providers.core.errors import NotFoundError
from dynamic_providers.render.client import RenderApi
from dynamic_providers.render.models import Deploy, Service

STATIC_SITE = "static_site"  # served from Render's CDN: no instances of its own


@dataclass(frozen=True)
class ServiceReading:
    name: str  # the stack's name for it (backend_service_ids key, or "frontend")
    service: Service
    deploys: list[Deploy]  # newest first
    instances: Optional[list[dict]]  # None: the type has none (a static site)
    notifications_to_send: Optional[str]  # the override's, None without one
    rollbacks: list[str] = field(default_factory=list)  # ids of the deploys a rollback started

    @property
    def live(self) -> Optional[Deploy]:
        return next((d for d in self.deploys if d.status == "live"), None)

    @property
    def latest(self) -> Optional[Deploy]:
        return self.deploys[0] if self.deploys else None


def read_service(api: RenderApi, name: str, service_id: str) -> ServiceReading:
    service = api.get_service(service_id)
    deploys = api.recent_deploys(service_id)
    instances = None if service.type == STATIC_SITE else api.list_instances(service_id)
    try:
        override = api.get_notification_override(service_id).get("notifications_to_send")
    except NotFoundError:
        override = None
    rollbacks = [d.id for d in deploys if d.trigger == "rollback"]
    return ServiceReading(name, service, deploys, instances, override, rollbacks)



def deploys_between(api: RenderApi, service_id: str, start: str, end: str) -> list[Deploy]:
    """The service's deploys created in [start, end) (RFC 3339), newest first: one paginated list with the window
    in the query (spec: createdAfter/createdBefore). The report keeps only those inside its window itself."""
    return api.list_deploys(service_id, created_after=start, created_before=end)
