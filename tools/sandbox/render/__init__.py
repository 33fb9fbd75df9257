"""The Render public API emulator (base URL ``http://127.0.0.1:<port>/v1``)."""

from __future__ import annotations

from typing import Any

from ..server import ApiServer, Reply
from ..specs import RENDER_SPEC
from . import (deploys, disks, domains, env, env_groups, instances, log_streams, metric_samples, metrics,
               metrics_control, metrics_streams, notifications, owners, projects, previews, registry_credentials,
               scaling, services, static_site, traffic)
from .owners import SANDBOX_OWNER
from .ratelimits import FAMILIES
from .traffic_gateway import TrafficGateway
from .traffic_ports import TrafficPorts

DEFAULT_TOKEN = "rnd_sandbox_local_token"


class RenderServer(ApiServer):
    name = "render"
    spec = RENDER_SPEC
    base_path = "/v1"
    collections = ("owners", "services", "deploys", "env_vars", "secret_files", "custom_domains", "headers",
                   "routes", "env_groups", "registry_credentials", "projects", "environments", "disks",
                   "log_streams", "resource_log_streams", "notification_settings", "notification_overrides",
                   "metrics_streams", metric_samples.COLLECTION)
    route_tables = (owners.routes, services.routes, deploys.routes, env.routes, static_site.routes, domains.routes,
                    scaling.routes, env_groups.routes, registry_credentials.routes, projects.routes, disks.routes,
                    log_streams.routes, notifications.routes, metrics_streams.routes, previews.routes, metrics.routes,
                    instances.routes)
    rate_limit = 400  # "All other GET: 400/minute" (Render rate-limit docs); only for injected faults' headers
    rate_limit_families = FAMILIES  # enforced per family, as recorded (tools/sandbox/render/ratelimits.py)

    def __init__(self, *, traffic_port: int = 0, **kw: Any):
        super().__init__(**kw)
        self.traffic = TrafficPorts(self)  # web services' traffic, one loopback port each (traffic_ports.py)
        self.gateway = TrafficGateway(self, traffic_port)  # all of it on one port, by Host (traffic_gateway.py)

    def start(self) -> None:
        super().start()
        try:
            self.gateway.start()
        except OSError:
            super().stop()  # nothing left listening: the runner reports the taken port
            raise

    def stop(self) -> None:
        self.gateway.stop()
        super().stop()

    def default_settings(self) -> dict[str, Any]:
        # deploy_delay: seconds a deploy spends in progress before it ends (its phases share them);
        # overlapping_deploys: "wait" (queue, 202) or "override" (cancel the running one, 201), see deploys.py;
        # unpullable_images: glob patterns of image refs whose deploys fail with update_failed;
        # unhealthy_images, slow_images, error_path_images, slow_path_images, failing_after_images,
        # failing_after_requests_images,
        # health_check_timeout: what a web service's instance of an image does, see traffic.py.
        return {"deploy_delay": 2.0, "overlapping_deploys": "wait", "unpullable_images": [],
                **traffic.SETTINGS_DEFAULTS}

    def check_settings(self, changes: dict[str, Any]) -> None:
        super().check_settings(changes)
        traffic.check_settings(changes)
        if "overlapping_deploys" in changes and changes["overlapping_deploys"] not in deploys.POLICIES:
            raise ValueError(f"overlapping_deploys must be one of {', '.join(deploys.POLICIES)}, "
                             f"got {changes['overlapping_deploys']!r}")
        images = changes.get("unpullable_images", [])
        if not (isinstance(images, list) and all(isinstance(p, str) for p in images)):
            raise ValueError(f"unpullable_images must be a list of glob patterns, got {images!r}")

    def seed(self) -> None:
        self.store["owners"][SANDBOX_OWNER["id"]] = dict(SANDBOX_OWNER)

    def shutdown_hook(self) -> None:
        self.traffic.close()

    def reset_hook(self) -> None:
        self.traffic.close()

    def control_route(self, method: str, parts: list[str], payload: Any) -> Any:
        """``GET /_sandbox/traffic/{serviceId}``: where a web service's traffic is served, and its instances;
        ``GET|POST /_sandbox/metrics/{serviceId}``: its metric samples, synthetic history (metrics_control.py)."""
        if parts[:1] == ["traffic"] and len(parts) == 2 and method == "GET":
            return Reply(200, self.traffic.describe(parts[1]))
        if parts[:1] == ["metrics"] and len(parts) == 2 and method == "GET":
            return Reply(200, metrics_control.describe(self.store, parts[1]))
        if parts[:1] == ["metrics"] and len(parts) == 2 and method == "POST":
            recorded = metrics_control.record(self.store, parts[1], payload)
            self._mutated()
            return Reply(201, recorded)
        return None

    def edit(self, collection: str, key: str, set: dict | None = None, unset: list | None = None) -> Any:
        """Out-of-band edits keep a disk and its service's ``serviceDetails.disk`` copy consistent both ways."""
        result = super().edit(collection, key, set, unset)
        with self.store.lock:
            if collection == "disks":
                disks.sync_service(self.store, self.store["disks"][key]["serviceId"])
            elif collection == "services":
                disks.sync_from_service(self.store, key)
        return result

    @property
    def owner_id(self) -> str:
        return SANDBOX_OWNER["id"]

    def error_body(self, status: int, message: str, code: str | None) -> Any:
        return {"id": code or "error", "message": message}

    def rate_limit_headers(self, remaining: int, reset: int, limit: int | None = None) -> dict[str, str]:
        # Render documents Ratelimit-Reset as epoch seconds, but every recorded response carries seconds until
        # the window ends (tools/sandbox/render/ratelimits.py); the sandbox sends what was recorded.
        return {"Ratelimit-Limit": str(limit if limit is not None else self.rate_limit),
                "Ratelimit-Remaining": str(remaining), "Ratelimit-Reset": str(reset)}
