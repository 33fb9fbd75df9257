"""Typed decoders for what Render returns: tolerant readers.

Real Render responses carry ``null`` where the spec promises values, omit "required" fields, add
fields the spec copy lacks (``autoDeployTrigger``) and may grow enum values. Every decoder here
therefore accepts ``None``/missing/unknown and never raises on shape; only a non-object where an
object is needed yields an empty model. Encoders (what we send) live in ``encoders.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..core.tolerant import boolean, integer, items, obj, text

DEPLOY_IN_PROGRESS = frozenset({"created", "queued", "build_in_progress", "update_in_progress",
                                "pre_deploy_in_progress"})
DEPLOY_FAILED = frozenset({"deactivated", "build_failed", "update_failed", "canceled", "pre_deploy_failed"})


# Render's decoders read through the shared tolerant readers (short local names keep them terse).
_obj, _str, _int, _bool, _list = obj, text, integer, boolean, items


def unwrap(value: Any, key: str) -> dict:
    """``{"service": {...}, "cursor": ...}`` -> the inner object; a bare object passes through."""
    value = _obj(value)
    inner = value.get(key)
    return inner if isinstance(inner, dict) else value


@dataclass
class Autoscaling:
    enabled: bool = False
    min: Optional[int] = None
    max: Optional[int] = None
    cpu_percent: Optional[int] = None  # None: CPU criterion disabled
    memory_percent: Optional[int] = None

    @classmethod
    def from_api(cls, value: Any) -> Optional["Autoscaling"]:
        data = _obj(value)
        if not data:
            return None
        criteria = _obj(data.get("criteria"))
        cpu, mem = _obj(criteria.get("cpu")), _obj(criteria.get("memory"))
        return cls(
            enabled=bool(data.get("enabled")),
            min=_int(data.get("min")),
            max=_int(data.get("max")),
            cpu_percent=_int(cpu.get("percentage")) if cpu.get("enabled") else None,
            memory_percent=_int(mem.get("percentage")) if mem.get("enabled") else None,
        )

    def as_input(self) -> Optional[dict]:
        if not self.enabled:
            return None
        # "enabled" as check() fills it in, so a refreshed autoscaling compares equal to the declared one.
        return {"enabled": True, "min": self.min, "max": self.max, "cpu_percent": self.cpu_percent,
                "memory_percent": self.memory_percent}


@dataclass
class Disk:
    id: Optional[str] = None
    name: Optional[str] = None
    mount_path: Optional[str] = None
    size_gb: Optional[int] = None

    @classmethod
    def from_api(cls, value: Any) -> Optional["Disk"]:
        data = _obj(value)
        if not data:
            return None
        return cls(id=_str(data.get("id")), name=_str(data.get("name")),
                   mount_path=_str(data.get("mountPath")), size_gb=_int(data.get("sizeGB")))

    def as_input(self) -> dict:
        return {"name": self.name, "mount_path": self.mount_path, "size_gb": self.size_gb}


@dataclass
class Service:
    """``#/components/schemas/service`` plus the type-specific ``serviceDetails`` flattened."""

    id: str = ""
    name: Optional[str] = None
    owner_id: Optional[str] = None
    type: Optional[str] = None
    slug: Optional[str] = None
    dashboard_url: Optional[str] = None
    suspended: bool = False
    repo: Optional[str] = None
    branch: Optional[str] = None
    root_dir: Optional[str] = None
    auto_deploy: Optional[bool] = None
    image_path: Optional[str] = None
    registry_credential_id: Optional[str] = None
    environment_id: Optional[str] = None
    # serviceDetails
    url: Optional[str] = None
    plan: Optional[str] = None
    region: Optional[str] = None
    runtime: Optional[str] = None
    num_instances: Optional[int] = None
    health_check_path: Optional[str] = None
    pre_deploy_command: Optional[str] = None
    build_command: Optional[str] = None
    start_command: Optional[str] = None
    docker_command: Optional[str] = None
    docker_context: Optional[str] = None
    dockerfile_path: Optional[str] = None
    publish_path: Optional[str] = None
    schedule: Optional[str] = None
    autoscaling: Optional[Autoscaling] = None
    disk: Optional[Disk] = None
    maintenance_mode: Optional[dict] = None
    render_subdomain_policy: Optional[str] = None
    max_shutdown_delay_seconds: Optional[int] = None
    previews_generation: Optional[str] = None
    ip_allow_list: Optional[list] = None
    deploy_id: Optional[str] = None  # only on the create response

    @classmethod
    def from_api(cls, value: Any) -> "Service":
        """Accepts a service, a list wrapper ``{service, cursor}`` or the create response
        ``{service, deployId}``."""
        outer = _obj(value)
        data = unwrap(outer, "service")
        details = _obj(data.get("serviceDetails"))
        env_specific = _obj(details.get("envSpecificDetails"))
        auto = data.get("autoDeploy")
        previews = _obj(details.get("previews"))
        mm = details.get("maintenanceMode")
        ip_list = details.get("ipAllowList")
        runtime = _str(details.get("runtime")) or _str(details.get("env"))  # env: deprecated alias
        return cls(
            id=_str(data.get("id")) or "",
            name=_str(data.get("name")),
            owner_id=_str(data.get("ownerId")),
            type=_str(data.get("type")),
            slug=_str(data.get("slug")),
            dashboard_url=_str(data.get("dashboardUrl")),
            suspended=data.get("suspended") == "suspended",
            repo=_str(data.get("repo")),
            branch=_str(data.get("branch")),
            root_dir=_str(data.get("rootDir")),
            auto_deploy={"yes": True, "no": False}.get(auto) if isinstance(auto, str) else None,
            image_path=_str(data.get("imagePath")),
            registry_credential_id=_str(_obj(data.get("registryCredential")).get("id")),
            environment_id=_str(data.get("environmentId")),
            url=_str(details.get("url")),
            plan=_str(details.get("plan")),
            region=_str(details.get("region")),
            runtime=runtime,
            num_instances=_int(details.get("numInstances")),
            health_check_path=_str(details.get("healthCheckPath")),
            pre_deploy_command=_str(details.get("preDeployCommand")) or _str(env_specific.get("preDeployCommand")),
            build_command=_str(env_specific.get("buildCommand")) or _str(details.get("buildCommand")),
            start_command=_str(env_specific.get("startCommand")),
            docker_command=_str(env_specific.get("dockerCommand")),
            docker_context=_str(env_specific.get("dockerContext")),
            dockerfile_path=_str(env_specific.get("dockerfilePath")),
            publish_path=_str(details.get("publishPath")),
            schedule=_str(details.get("schedule")),
            autoscaling=Autoscaling.from_api(details.get("autoscaling")),
            disk=Disk.from_api(details.get("disk")),
            maintenance_mode=({"enabled": bool(_obj(mm).get("enabled")), "uri": _str(_obj(mm).get("uri")) or ""}
                              if isinstance(mm, dict) else None),
            render_subdomain_policy=_str(details.get("renderSubdomainPolicy")),
            max_shutdown_delay_seconds=_int(details.get("maxShutdownDelaySeconds")),
            previews_generation=_str(previews.get("generation")),
            ip_allow_list=[{"cidr_block": _str(_obj(e).get("cidrBlock")), "description": _str(_obj(e).get("description")) or ""}
                           for e in ip_list] if isinstance(ip_list, list) else None,
            deploy_id=_str(outer.get("deployId")),
        )

    @property
    def host(self) -> Optional[str]:
        """``api-x.onrender.com`` from the URL: the CNAME target for custom domains."""
        if not self.url:
            return None
        return self.url.split("://", 1)[-1].split("/", 1)[0] or None


@dataclass
class Deploy:
    id: str = ""
    status: Optional[str] = None
    trigger: Optional[str] = None
    commit_id: Optional[str] = None
    image_ref: Optional[str] = None
    image_sha: Optional[str] = None
    created_at: Optional[str] = None
    finished_at: Optional[str] = None

    @classmethod
    def from_api(cls, value: Any) -> "Deploy":
        data = unwrap(value, "deploy")
        image = _obj(data.get("image"))
        return cls(id=_str(data.get("id")) or "", status=_str(data.get("status")),
                   trigger=_str(data.get("trigger")), commit_id=_str(_obj(data.get("commit")).get("id")),
                   image_ref=_str(image.get("ref")), image_sha=_str(image.get("sha")),
                   created_at=_str(data.get("createdAt")), finished_at=_str(data.get("finishedAt")))

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
        key = _str(data.get("key"))
        return cls(key, _str(data.get("value"))) if key else None

    @classmethod
    def secret_file(cls, value: Any) -> Optional["KeyValue"]:
        data = unwrap(value, "secretFile")
        name = _str(data.get("name"))
        return cls(name, _str(data.get("content"))) if name else None


def key_values(items: Any, decode) -> dict[str, Optional[str]]:
    out: dict[str, Optional[str]] = {}
    for item in _list(items):
        kv = decode(item)
        if kv is not None:
            out[kv.key] = kv.value
    return out


@dataclass
class CustomDomain:
    id: str = ""
    name: Optional[str] = None
    domain_type: Optional[str] = None
    verification_status: Optional[str] = None
    redirect_for_name: Optional[str] = None
    public_suffix: Optional[str] = None
    server_id: Optional[str] = None

    @classmethod
    def from_api(cls, value: Any) -> "CustomDomain":
        data = unwrap(value, "customDomain")
        return cls(id=_str(data.get("id")) or "", name=_str(data.get("name")),
                   domain_type=_str(data.get("domainType")),
                   verification_status=_str(data.get("verificationStatus")),
                   redirect_for_name=_str(data.get("redirectForName")) or None,
                   public_suffix=_str(data.get("publicSuffix")),
                   server_id=_str(_obj(data.get("server")).get("id")))


@dataclass
class Header:
    path: str
    name: str
    value: str

    @classmethod
    def from_api(cls, value: Any) -> Optional["Header"]:
        data = unwrap(value, "header")
        if not _str(data.get("path")) or not _str(data.get("name")):
            return None
        return cls(data["path"], data["name"], _str(data.get("value")) or "")

    def as_input(self) -> dict:
        return {"path": self.path, "name": self.name, "value": self.value}


@dataclass
class Route:
    type: str
    source: str
    destination: str
    priority: int = 0

    @classmethod
    def from_api(cls, value: Any) -> Optional["Route"]:
        data = unwrap(value, "route")
        if not _str(data.get("source")) or not _str(data.get("type")):
            return None
        return cls(data["type"], data["source"], _str(data.get("destination")) or "",
                   _int(data.get("priority")) or 0)

    def as_input(self) -> dict:
        return {"type": self.type, "source": self.source, "destination": self.destination}


@dataclass
class EnvGroup:
    id: str = ""
    name: Optional[str] = None
    owner_id: Optional[str] = None
    environment_id: Optional[str] = None
    service_ids: list = field(default_factory=list)
    env_vars: dict = field(default_factory=dict)
    secret_files: dict = field(default_factory=dict)

    @classmethod
    def from_api(cls, value: Any) -> "EnvGroup":
        data = unwrap(value, "envGroup")
        return cls(id=_str(data.get("id")) or "", name=_str(data.get("name")),
                   owner_id=_str(data.get("ownerId")), environment_id=_str(data.get("environmentId")),
                   service_ids=sorted(i for i in (_str(_obj(l).get("id")) for l in _list(data.get("serviceLinks"))) if i),
                   env_vars=key_values(data.get("envVars"), KeyValue.env_var),
                   secret_files=key_values(data.get("secretFiles"), KeyValue.secret_file))


@dataclass
class RegistryCredential:
    id: str = ""
    name: Optional[str] = None
    registry: Optional[str] = None
    username: Optional[str] = None

    @classmethod
    def from_api(cls, value: Any) -> "RegistryCredential":
        data = unwrap(value, "registryCredential")
        return cls(id=_str(data.get("id")) or "", name=_str(data.get("name")),
                   registry=_str(data.get("registry")), username=_str(data.get("username")))


@dataclass
class Environment:
    id: str = ""
    name: Optional[str] = None
    project_id: Optional[str] = None
    protected_status: Optional[str] = None
    network_isolation_enabled: Optional[bool] = None

    @classmethod
    def from_api(cls, value: Any) -> "Environment":
        data = unwrap(value, "environment")
        return cls(id=_str(data.get("id")) or "", name=_str(data.get("name")),
                   project_id=_str(data.get("projectId")), protected_status=_str(data.get("protectedStatus")),
                   network_isolation_enabled=_bool(data.get("networkIsolationEnabled")))


@dataclass
class Project:
    id: str = ""
    name: Optional[str] = None
    owner_id: Optional[str] = None
    environment_ids: list = field(default_factory=list)
    environments: list = field(default_factory=list)  # filled by the provider (separate GET)

    @classmethod
    def from_api(cls, value: Any) -> "Project":
        data = unwrap(value, "project")
        owner = data.get("owner")
        owner_id = _str(_obj(owner).get("id")) if isinstance(owner, dict) else _str(data.get("ownerId"))
        return cls(id=_str(data.get("id")) or "", name=_str(data.get("name")), owner_id=owner_id,
                   environment_ids=[i for i in _list(data.get("environmentIds")) if isinstance(i, str)])
