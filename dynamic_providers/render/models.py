"""Typed decoders for what Render returns: tolerant readers.

Real Render responses carry ``null`` where the spec promises values, omit "required" fields and grow
fields and enum values (``shared/recordings``): every field is declared with ``wire`` (core/tolerant.py)
and read tolerantly, so no shape raises. Models hold only what the API returned. Encoders: ``encoders.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional

from ..core.tolerant import Decoded, boolean, integer, items, obj, text, unwrap, wire

DEPLOY_IN_PROGRESS = frozenset({"created", "queued", "build_in_progress", "update_in_progress",
                                "pre_deploy_in_progress"})
DEPLOY_FAILED = frozenset({"deactivated", "build_failed", "update_failed", "canceled", "pre_deploy_failed"})


def _enabled_percentage(value: Any) -> Optional[int]:
    """An autoscaling criterion's percentage; None when the criterion is disabled."""
    return integer(obj(value).get("percentage")) if obj(value).get("enabled") else None


@dataclass
class Autoscaling(Decoded):
    enabled: bool = wire("enabled", bool, default=False)
    min: Optional[int] = wire("min", integer)
    max: Optional[int] = wire("max", integer)
    cpu_percent: Optional[int] = wire("criteria.cpu", _enabled_percentage)  # None: CPU criterion disabled
    memory_percent: Optional[int] = wire("criteria.memory", _enabled_percentage)

    @classmethod
    def decode(cls, value: Any) -> Optional["Autoscaling"]:
        return super().decode(value) if obj(value) else None

    def as_input(self) -> Optional[dict]:
        if not self.enabled:
            return None
        # "enabled" as check() fills it in, so a refreshed autoscaling compares equal to the declared one.
        return {"enabled": True, "min": self.min, "max": self.max, "cpu_percent": self.cpu_percent,
                "memory_percent": self.memory_percent}


@dataclass
class Disk(Decoded):
    id: Optional[str] = wire("id")
    name: Optional[str] = wire("name")
    mount_path: Optional[str] = wire("mountPath")
    size_gb: Optional[int] = wire("sizeGB", integer)

    @classmethod
    def decode(cls, value: Any) -> Optional["Disk"]:
        return super().decode(value) if obj(value) else None

    def as_input(self) -> dict:
        return {"name": self.name, "mount_path": self.mount_path, "size_gb": self.size_gb}


def _auto_deploy(value: Any) -> Optional[bool]:
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else None


def _maintenance_mode(value: Any) -> Optional[dict]:
    return {"enabled": bool(obj(value).get("enabled")), "uri": text(obj(value).get("uri")) or ""} \
        if isinstance(value, dict) else None


def _ip_allow_list(value: Any) -> Optional[list]:
    return [{"cidr_block": text(obj(e).get("cidrBlock")), "description": text(obj(e).get("description")) or ""}
            for e in value] if isinstance(value, list) else None


_DETAILS, _ENV_SPECIFIC = "serviceDetails", "serviceDetails.envSpecificDetails"


@dataclass
class Service(Decoded, envelope="service"):
    """``#/components/schemas/service`` plus the type-specific ``serviceDetails`` flattened."""

    id: str = wire("id", default="")
    name: Optional[str] = wire("name")
    owner_id: Optional[str] = wire("ownerId")
    type: Optional[str] = wire("type")
    slug: Optional[str] = wire("slug")
    dashboard_url: Optional[str] = wire("dashboardUrl")
    suspended: bool = wire("suspended", lambda v: v == "suspended", default=False)
    repo: Optional[str] = wire("repo")
    branch: Optional[str] = wire("branch")
    root_dir: Optional[str] = wire("rootDir")
    auto_deploy: Optional[bool] = wire("autoDeploy", _auto_deploy)
    image_path: Optional[str] = wire("imagePath")
    registry_credential_id: Optional[str] = wire("registryCredential.id")
    environment_id: Optional[str] = wire("environmentId")
    # serviceDetails
    url: Optional[str] = wire(f"{_DETAILS}.url")
    plan: Optional[str] = wire(f"{_DETAILS}.plan")
    region: Optional[str] = wire(f"{_DETAILS}.region")
    runtime: Optional[str] = wire(f"{_DETAILS}.runtime", alias=f"{_DETAILS}.env")  # env: deprecated alias
    num_instances: Optional[int] = wire(f"{_DETAILS}.numInstances", integer)
    health_check_path: Optional[str] = wire(f"{_DETAILS}.healthCheckPath")
    pre_deploy_command: Optional[str] = wire(f"{_DETAILS}.preDeployCommand", alias=f"{_ENV_SPECIFIC}.preDeployCommand")
    build_command: Optional[str] = wire(f"{_ENV_SPECIFIC}.buildCommand", alias=f"{_DETAILS}.buildCommand")
    start_command: Optional[str] = wire(f"{_ENV_SPECIFIC}.startCommand")
    docker_command: Optional[str] = wire(f"{_ENV_SPECIFIC}.dockerCommand")
    docker_context: Optional[str] = wire(f"{_ENV_SPECIFIC}.dockerContext")
    dockerfile_path: Optional[str] = wire(f"{_ENV_SPECIFIC}.dockerfilePath")
    publish_path: Optional[str] = wire(f"{_DETAILS}.publishPath")
    schedule: Optional[str] = wire(f"{_DETAILS}.schedule")
    autoscaling: Optional[Autoscaling] = wire(f"{_DETAILS}.autoscaling", lambda v: Autoscaling.decode(v))
    disk: Optional[Disk] = wire(f"{_DETAILS}.disk", lambda v: Disk.decode(v))
    maintenance_mode: Optional[dict] = wire(f"{_DETAILS}.maintenanceMode", _maintenance_mode)
    render_subdomain_policy: Optional[str] = wire(f"{_DETAILS}.renderSubdomainPolicy")
    max_shutdown_delay_seconds: Optional[int] = wire(f"{_DETAILS}.maxShutdownDelaySeconds", integer)
    previews_generation: Optional[str] = wire(f"{_DETAILS}.previews.generation")
    ip_allow_list: Optional[list] = wire(f"{_DETAILS}.ipAllowList", _ip_allow_list)
    parent_server_id: Optional[str] = wire(f"{_DETAILS}.parentServer.id")  # set on previews: their base service
    deploy_id: Optional[str] = None  # only on the create response, beside the service

    @classmethod
    def decode(cls, value: Any) -> "Service":
        """Accepts a service, a list wrapper ``{service, cursor}`` or the create response
        ``{service, deployId}``."""
        return replace(super().decode(value), deploy_id=text(obj(value).get("deployId")))

    @property
    def host(self) -> Optional[str]:
        """``api-x.onrender.com`` from the URL: the CNAME target for custom domains."""
        if not self.url:
            return None
        return self.url.split("://", 1)[-1].split("/", 1)[0] or None


@dataclass
class Deploy(Decoded, envelope="deploy"):
    id: str = wire("id", default="")
    status: Optional[str] = wire("status")
    trigger: Optional[str] = wire("trigger")
    commit_id: Optional[str] = wire("commit.id")
    commit_created_at: Optional[str] = wire("commit.createdAt")  # a repository deploy's commit time
    image_ref: Optional[str] = wire("image.ref")
    image_sha: Optional[str] = wire("image.sha")
    created_at: Optional[str] = wire("createdAt")
    finished_at: Optional[str] = wire("finishedAt")

    @property
    def finished(self) -> bool:
        return self.status == "live" or self.status in DEPLOY_FAILED

    @property
    def in_progress(self) -> bool:
        # Unknown (new) statuses count as in progress until they resolve or we time out.
        return not self.finished


@dataclass
class KeyValue:
    """An env var (``key``/``value``) or a secret file (``name``/``content``)."""

    key: str
    value: Optional[str]

    @classmethod
    def env_var(cls, value: Any) -> Optional["KeyValue"]:
        data = unwrap(value, "envVar")
        key = text(data.get("key"))
        return cls(key=key, value=text(data.get("value"))) if key else None

    @classmethod
    def secret_file(cls, value: Any) -> Optional["KeyValue"]:
        data = unwrap(value, "secretFile")
        name = text(data.get("name"))
        return cls(key=name, value=text(data.get("content"))) if name else None


def key_values(entries: Any, decode) -> dict[str, Optional[str]]:
    out: dict[str, Optional[str]] = {}
    for item in items(entries):
        kv = decode(item)
        if kv is not None:
            out[kv.key] = kv.value
    return out


@dataclass
class CustomDomain(Decoded, envelope="customDomain"):
    id: str = wire("id", default="")
    name: Optional[str] = wire("name")
    domain_type: Optional[str] = wire("domainType")
    verification_status: Optional[str] = wire("verificationStatus")
    redirect_for_name: Optional[str] = wire("redirectForName", lambda v: text(v) or None)
    public_suffix: Optional[str] = wire("publicSuffix")
    server_id: Optional[str] = wire("server.id")


@dataclass
class Header:
    path: str
    name: str
    value: str

    @classmethod
    def decode(cls, value: Any) -> Optional["Header"]:
        data = unwrap(value, "header")
        if not text(data.get("path")) or not text(data.get("name")):
            return None
        return cls(path=data["path"], name=data["name"], value=text(data.get("value")) or "")

    def as_input(self) -> dict:
        return {"path": self.path, "name": self.name, "value": self.value}


@dataclass
class Route:
    type: str
    source: str
    destination: str
    priority: int = 0

    @classmethod
    def decode(cls, value: Any) -> Optional["Route"]:
        data = unwrap(value, "route")
        if not text(data.get("source")) or not text(data.get("type")):
            return None
        return cls(type=data["type"], source=data["source"], destination=text(data.get("destination")) or "",
                   priority=integer(data.get("priority")) or 0)

    def as_input(self) -> dict:
        return {"type": self.type, "source": self.source, "destination": self.destination}


def _linked_service_ids(value: Any) -> list:
    return sorted(i for i in (text(obj(link).get("id")) for link in items(value)) if i)


@dataclass
class EnvGroup(Decoded, envelope="envGroup"):
    id: str = wire("id", default="")
    name: Optional[str] = wire("name")
    owner_id: Optional[str] = wire("ownerId")
    environment_id: Optional[str] = wire("environmentId")
    service_ids: list = wire("serviceLinks", _linked_service_ids, default=[])
    env_vars: dict = wire("envVars", lambda v: key_values(v, KeyValue.env_var), default={})
    secret_files: dict = wire("secretFiles", lambda v: key_values(v, KeyValue.secret_file), default={})


@dataclass
class RegistryCredential(Decoded, envelope="registryCredential"):
    id: str = wire("id", default="")
    name: Optional[str] = wire("name")
    registry: Optional[str] = wire("registry")
    username: Optional[str] = wire("username")


@dataclass
class Environment(Decoded, envelope="environment"):
    id: str = wire("id", default="")
    name: Optional[str] = wire("name")
    project_id: Optional[str] = wire("projectId")
    protected_status: Optional[str] = wire("protectedStatus")
    network_isolation_enabled: Optional[bool] = wire("networkIsolationEnabled", boolean)


@dataclass
class Project(Decoded, envelope="project"):
    id: str = wire("id", default="")
    name: Optional[str] = wire("name")
    # ``owner`` (an object) in newer answers, ``ownerId`` in older ones.
    owner_id: Optional[str] = wire("owner.id", alias="ownerId")
    environment_ids: list = wire("environmentIds", lambda v: [i for i in items(v) if isinstance(i, str)], default=[])


# --- workspace settings, read as plain dicts (the providers keep them as their live state) ---------

def decode_log_stream(body: Any) -> dict[str, Any]:
    """The owner's log stream: ``endpoint`` empty (or missing) when none is configured."""
    data = obj(body)
    return {"owner_id": text(data.get("ownerId")), "endpoint": text(data.get("endpoint")) or "",
            "preview": text(data.get("preview"))}


def decode_metrics_stream(body: Any) -> dict[str, Any]:
    data = obj(body)
    return {"owner_id": text(data.get("ownerId")), "provider": text(data.get("provider")), "url": text(data.get("url"))}


def decode_owner_settings(body: Any) -> dict[str, Any]:
    """The owner notification settings: a missing or mistyped field reads as None."""
    data = obj(body)
    return {"owner_id": text(data.get("ownerId")), "email_enabled": boolean(data.get("emailEnabled")),
            "notifications_to_send": text(data.get("notificationsToSend")),
            "preview_notifications_enabled": boolean(data.get("previewNotificationsEnabled")),
            "slack_enabled": boolean(data.get("slackEnabled"))}


def decode_override(body: Any) -> dict[str, Any]:
    """A service's notification override; the recorded answers carry string enums (``"true"``), a bool is
    read as its string."""
    data = obj(body)
    preview = data.get("previewNotificationsEnabled")
    if isinstance(preview, bool):
        preview = "true" if preview else "false"
    return {"service_id": text(data.get("serviceId")), "notifications_to_send": text(data.get("notificationsToSend")),
            "preview_notifications_enabled": text(preview)}
