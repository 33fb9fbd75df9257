"""The Render API endpoints the providers use, as typed calls over the shared core ``Transport``.

One thin method per endpoint: path, method, body shape and decoder live together here, so providers
never build URLs (as ``supabase/api.py``). The object holds a Transport (and so a token): build it per
provider call (``RenderProvider.client``), never keep it on a provider.
"""
from __future__ import annotations

from typing import Any, Iterator, Optional
from urllib.parse import quote

from ..core.pagination import iter_pages
from ..core.transport import Transport
from . import models


def _seg(value: str) -> str:
    """One path segment, percent-encoded (ids are plain, but env-var keys and domain names need it)."""
    return quote(str(value), safe="")


class RenderApi:
    def __init__(self, transport: Transport) -> None:
        self.http = transport

    def _pages(self, path: str, item_key: str, params: Optional[dict] = None, limit: Optional[int] = 100) -> Iterator[Any]:
        return iter_pages(self.http, path, params=params, item_key=item_key, limit=limit)

    # -- services -----------------------------------------------------------------------------
    def find_services(self, name: str, owner_id: str, service_type: str) -> Iterator[models.Service]:
        return self.list_services(owner_id, name=name, service_type=service_type)

    def list_services(self, owner_id: str, *, name: Optional[str] = None, service_type: Optional[str] = None,
                      created_after: Optional[str] = None, include_previews: Optional[bool] = None
                      ) -> Iterator[models.Service]:
        """The workspace's services, filtered by the API (``createdAfter``: an RFC 3339 time)."""
        params: dict[str, Any] = {"name": [name]} if name else {}
        params["ownerId"] = [owner_id]
        if service_type:
            params["type"] = [service_type]
        if created_after:
            params["createdAfter"] = created_after
        if include_previews is not None:
            params["includePreviews"] = "true" if include_previews else "false"
        return (models.Service.decode(s) for s in self._pages("/services", "service", params))

    def create_service(self, body: dict) -> models.Service:
        return models.Service.decode(self.http.post("/services", body))

    def get_service(self, service_id: str) -> models.Service:
        return models.Service.decode(self.http.get(f"/services/{_seg(service_id)}"))

    def update_service(self, service_id: str, body: dict) -> models.Service:
        return models.Service.decode(self.http.patch(f"/services/{_seg(service_id)}", body, idempotent=True))

    def delete_service(self, service_id: str) -> None:
        self.http.delete(f"/services/{_seg(service_id)}")

    # -- previews (a service of their own running another image of an image-backed service) ---
    def create_preview(self, service_id: str, image_path: str, name: str) -> tuple[models.Service, Optional[str]]:
        """(the preview, the id of its first deploy). Never retried blindly (POST): look the preview up."""
        answer = models.Service.decode(self.http.post(f"/services/{_seg(service_id)}/preview",
                                                      {"imagePath": image_path, "name": name}))
        return answer, answer.deploy_id

    def find_previews(self, service_id: str, name: str, owner_id: str) -> list[models.Service]:
        """The previews named ``name`` whose base is ``service_id``."""
        found = self.list_services(owner_id, name=name, include_previews=True)
        return [s for s in found if s.parent_server_id == service_id]

    def delete_preview(self, preview_id: str) -> None:
        self.http.delete(f"/services/{_seg(preview_id)}", missing_ok=True)  # already gone: done

    def suspend_service(self, service_id: str) -> None:
        self.http.post(f"/services/{_seg(service_id)}/suspend", idempotent=True)

    def resume_service(self, service_id: str) -> None:
        self.http.post(f"/services/{_seg(service_id)}/resume", idempotent=True)

    def scale_service(self, service_id: str, num_instances: int) -> None:
        self.http.post(f"/services/{_seg(service_id)}/scale", {"numInstances": num_instances}, idempotent=True)

    def list_instances(self, service_id: str) -> list[dict[str, Any]]:
        """The service's running instances (``[serviceInstance]``: id, createdAt; one unpaginated array)."""
        found = self.http.get(f"/services/{_seg(service_id)}/instances")
        return [i for i in (found if isinstance(found, list) else []) if isinstance(i, dict) and i.get("id")]

    def put_autoscaling(self, service_id: str, body: dict) -> None:
        self.http.put(f"/services/{_seg(service_id)}/autoscaling", body)

    def delete_autoscaling(self, service_id: str) -> None:
        self.http.delete(f"/services/{_seg(service_id)}/autoscaling", missing_ok=True)

    def list_headers(self, service_id: str) -> list[models.Header]:
        found = (models.Header.decode(h) for h in self._pages(f"/services/{_seg(service_id)}/headers", "header"))
        return [h for h in found if h]

    def put_headers(self, service_id: str, body: list) -> None:
        self.http.put(f"/services/{_seg(service_id)}/headers", body)

    def list_routes(self, service_id: str) -> list[models.Route]:
        found = (models.Route.decode(r) for r in self._pages(f"/services/{_seg(service_id)}/routes", "route"))
        return [r for r in found if r]

    def put_routes(self, service_id: str, body: list) -> None:
        self.http.put(f"/services/{_seg(service_id)}/routes", body)

    def create_disk(self, body: dict) -> None:
        self.http.post("/disks", body)

    def update_disk(self, disk_id: str, body: dict) -> None:
        self.http.patch(f"/disks/{_seg(disk_id)}", body, idempotent=True)

    def move_to_environment(self, environment_id: str, resource_id: str) -> None:
        self.http.post(f"/environments/{_seg(environment_id)}/resources", {"resourceIds": [resource_id]},
                       idempotent=True)

    # -- a service's env vars / secret files (``collection``: "env-vars" | "secret-files") ----
    def list_service_entries(self, service_id: str, collection: str, item_key: str) -> Iterator[Any]:
        return self._pages(f"/services/{_seg(service_id)}/{collection}", item_key)

    def replace_service_entries(self, service_id: str, collection: str, body: list) -> None:
        self.http.put(f"/services/{_seg(service_id)}/{collection}", body)

    def put_service_entry(self, service_id: str, collection: str, key: str, body: dict) -> None:
        self.http.put(f"/services/{_seg(service_id)}/{collection}/{_seg(key)}", body)

    def delete_service_entry(self, service_id: str, collection: str, key: str) -> None:
        self.http.delete(f"/services/{_seg(service_id)}/{collection}/{_seg(key)}", missing_ok=True)

    # -- deploys --------------------------------------------------------------------------------
    def start_deploy(self, service_id: str, body: dict, rollback: bool = False) -> Optional[models.Deploy]:
        """POST a deploy (or a rollback); None when Render answered 202 with no body (queued)."""
        action = "rollback" if rollback else "deploys"
        resp = self.http.request("POST", f"/services/{_seg(service_id)}/{action}", json=body)
        return models.Deploy.decode(resp.body) if resp.body else None

    def recent_deploys(self, service_id: str) -> list[models.Deploy]:
        """The service's newest deploys (one page of 20, newest first)."""
        page = self.http.get(f"/services/{_seg(service_id)}/deploys", params={"limit": 20})
        return [d for d in (models.Deploy.decode(x) for x in (page if isinstance(page, list) else [])) if d.id]

    def list_deploys(self, service_id: str, limit: int = 100, created_after: Optional[str] = None,
                     created_before: Optional[str] = None) -> list[models.Deploy]:
        """Every deploy (paginated); ``created_after``/``created_before`` (RFC 3339) bound them (spec query)."""
        params = {k: v for k, v in (("createdAfter", created_after), ("createdBefore", created_before)) if v}
        return [models.Deploy.decode(d) for d in self._pages(f"/services/{_seg(service_id)}/deploys", "deploy",
                                                             params=params or None, limit=limit)]

    def get_deploy(self, service_id: str, deploy_id: str) -> models.Deploy:
        return models.Deploy.decode(self.http.get(f"/services/{_seg(service_id)}/deploys/{_seg(deploy_id)}"))

    # -- custom domains -------------------------------------------------------------------------
    def _domains(self, service_id: str) -> str:
        return f"/services/{_seg(service_id)}/custom-domains"

    def get_custom_domain(self, service_id: str, id_or_name: str) -> models.CustomDomain:
        return models.CustomDomain.decode(self.http.get(f"{self._domains(service_id)}/{_seg(id_or_name)}"))

    def create_custom_domain(self, service_id: str, name: str) -> list[models.CustomDomain]:
        """The domain and any redirect twin Render added with it."""
        created = self.http.post(self._domains(service_id), {"name": name})
        return [models.CustomDomain.decode(d) for d in (created if isinstance(created, list) else [created])]

    def verify_custom_domain(self, service_id: str, domain_id: str) -> None:
        self.http.post(f"{self._domains(service_id)}/{_seg(domain_id)}/verify", idempotent=True)

    def delete_custom_domain(self, service_id: str, domain_id: str) -> None:
        self.http.delete(f"{self._domains(service_id)}/{_seg(domain_id)}")

    # -- env groups -----------------------------------------------------------------------------
    def find_env_groups(self, name: Optional[str], owner_id: str) -> Iterator[models.EnvGroup]:
        """The workspace's env groups named ``name`` (every one when None)."""
        params = {"name": [name], "ownerId": [owner_id]} if name else {"ownerId": [owner_id]}
        return (models.EnvGroup.decode(g) for g in self._pages("/env-groups", "envGroup", params))

    def get_env_group(self, group_id: str) -> models.EnvGroup:
        return models.EnvGroup.decode(self.http.get(f"/env-groups/{_seg(group_id)}"))

    def create_env_group(self, body: dict) -> models.EnvGroup:
        return models.EnvGroup.decode(self.http.post("/env-groups", body))

    def rename_env_group(self, group_id: str, name: str) -> models.EnvGroup:
        return models.EnvGroup.decode(self.http.patch(f"/env-groups/{_seg(group_id)}", {"name": name},
                                                      idempotent=True))

    def put_env_group_entry(self, group_id: str, collection: str, key: str, body: dict) -> models.EnvGroup:
        return models.EnvGroup.decode(self.http.put(f"/env-groups/{_seg(group_id)}/{collection}/{_seg(key)}", body))

    def delete_env_group_entry(self, group_id: str, collection: str, key: str) -> None:
        self.http.delete(f"/env-groups/{_seg(group_id)}/{collection}/{_seg(key)}", missing_ok=True)

    def delete_env_group(self, group_id: str) -> None:
        self.http.delete(f"/env-groups/{_seg(group_id)}")

    def link_env_group(self, group_id: str, service_id: str) -> models.EnvGroup:
        return models.EnvGroup.decode(self.http.post(f"/env-groups/{_seg(group_id)}/services/{_seg(service_id)}",
                                                     idempotent=True))

    def unlink_env_group(self, group_id: str, service_id: str) -> None:
        self.http.delete(f"/env-groups/{_seg(group_id)}/services/{_seg(service_id)}", missing_ok=True)

    # -- projects and environments --------------------------------------------------------------
    def find_projects(self, name: Optional[str], owner_id: str) -> Iterator[models.Project]:
        """The workspace's projects named ``name`` (every one when None)."""
        params = {"name": [name], "ownerId": [owner_id]} if name else {"ownerId": [owner_id]}
        return (models.Project.decode(p) for p in self._pages("/projects", "project", params))

    def create_project(self, body: dict) -> models.Project:
        return models.Project.decode(self.http.post("/projects", body))

    def get_project(self, project_id: str) -> models.Project:
        return models.Project.decode(self.http.get(f"/projects/{_seg(project_id)}"))

    def rename_project(self, project_id: str, name: str) -> None:
        self.http.patch(f"/projects/{_seg(project_id)}", {"name": name}, idempotent=True)

    def delete_project(self, project_id: str) -> None:
        self.http.delete(f"/projects/{_seg(project_id)}")

    def list_environments(self, project_id: str) -> list[models.Environment]:
        return [models.Environment.decode(e) for e in
                self._pages("/environments", "environment", {"projectId": [project_id]})]

    def create_environment(self, body: dict) -> None:
        # Never retried blindly (POST): the provider looks the environment up by name instead.
        self.http.post("/environments", body)

    def update_environment(self, environment_id: str, body: dict) -> None:
        self.http.patch(f"/environments/{_seg(environment_id)}", body, idempotent=True)

    def delete_environment(self, environment_id: str) -> None:
        self.http.delete(f"/environments/{_seg(environment_id)}", missing_ok=True)

    # -- registry credentials -------------------------------------------------------------------
    def find_registry_credentials(self, name: str, owner_id: str) -> Iterator[models.RegistryCredential]:
        params = {"name": [name], "ownerId": [owner_id]}
        return (models.RegistryCredential.decode(c)
                for c in self._pages("/registrycredentials", "registryCredential", params))

    def create_registry_credential(self, body: dict) -> models.RegistryCredential:
        return models.RegistryCredential.decode(self.http.post("/registrycredentials", body))

    def get_registry_credential(self, credential_id: str) -> models.RegistryCredential:
        return models.RegistryCredential.decode(self.http.get(f"/registrycredentials/{_seg(credential_id)}"))

    def update_registry_credential(self, credential_id: str, body: dict) -> models.RegistryCredential:
        return models.RegistryCredential.decode(
            self.http.patch(f"/registrycredentials/{_seg(credential_id)}", body, idempotent=True))

    def delete_registry_credential(self, credential_id: str) -> None:
        self.http.delete(f"/registrycredentials/{_seg(credential_id)}")

    # -- workspace log and metrics streams ------------------------------------------------------
    def get_log_stream(self, owner_id: str) -> dict[str, Any]:
        return models.decode_log_stream(self.http.get(f"/logs/streams/owner/{_seg(owner_id)}"))

    def put_log_stream(self, owner_id: str, body: dict) -> None:
        self.http.put(f"/logs/streams/owner/{_seg(owner_id)}", body)

    def delete_log_stream(self, owner_id: str) -> None:
        self.http.delete(f"/logs/streams/owner/{_seg(owner_id)}")

    def get_metrics_stream(self, owner_id: str) -> dict[str, Any]:
        return models.decode_metrics_stream(self.http.get(f"/metrics-stream/{_seg(owner_id)}"))

    def put_metrics_stream(self, owner_id: str, body: dict) -> dict[str, Any]:
        return models.decode_metrics_stream(self.http.put(f"/metrics-stream/{_seg(owner_id)}", body))

    def delete_metrics_stream(self, owner_id: str) -> None:
        self.http.delete(f"/metrics-stream/{_seg(owner_id)}")

    # -- notification settings ------------------------------------------------------------------
    def get_owner_notifications(self, owner_id: str) -> dict[str, Any]:
        return models.decode_owner_settings(self.http.get(f"/notification-settings/owners/{_seg(owner_id)}"))

    def patch_owner_notifications(self, owner_id: str, body: dict) -> dict[str, Any]:
        return models.decode_owner_settings(
            self.http.patch(f"/notification-settings/owners/{_seg(owner_id)}", body, idempotent=True))

    def get_notification_override(self, service_id: str) -> dict[str, Any]:
        return models.decode_override(
            self.http.get(f"/notification-settings/overrides/services/{_seg(service_id)}"))

    def patch_notification_override(self, service_id: str, body: dict) -> dict[str, Any]:
        return models.decode_override(
            self.http.patch(f"/notification-settings/overrides/services/{_seg(service_id)}", body, idempotent=True))
