"""Typed, tolerant decoders for the Supabase Management API responses this provider reads.

The real API returns ``null`` for fields its spec calls required, omits others, adds new fields and
new enum values over time (see ``shared/recordings/supabase``). So every decoder here:
- ignores unknown fields,
- keeps unknown enum values as plain strings (callers decide what an unknown status means),
- maps missing/``null``/wrongly-typed optional fields to ``None``,
- raises :class:`DecodeError` only when a field we cannot work without (a project ``ref``) is absent.

Only the fields the provider uses are modelled; the dataclasses are frozen and hold plain values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Optional

from ..core.tolerant import Decoded, boolean, integer, items, obj, text, wire


class DecodeError(ValueError):
    """A response lacked a field the provider cannot work without."""


# --- small tolerant accessors -------------------------------------------------------------------

_obj, _list = obj, items


def _str(data: Mapping[str, Any], key: str) -> Optional[str]:
    return text(data.get(key))


def _int(data: Mapping[str, Any], key: str) -> Optional[int]:
    return integer(data.get(key))


def _bool(data: Mapping[str, Any], key: str) -> Optional[bool]:
    return boolean(data.get(key))


class Keyed(Decoded):
    """A model whose answer is refused without its key field (``key``, a class keyword): the provider cannot
    address the object without it, so decoding fails naming the field."""

    key: ClassVar[str] = ""

    def __init_subclass__(cls, key: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if key:
            cls.key = key

    @classmethod
    def decode(cls, body: Any) -> Any:
        model = super().decode(body)
        if not getattr(model, cls.key):
            raise DecodeError(f"{cls.__name__.lower()}: response has no '{cls.key}'")
        return model


# --- projects -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Project(Keyed, key="ref"):
    """``GET /v1/projects/{ref}``, an item of ``GET /v1/projects``, or the ``POST /v1/projects`` reply."""

    ref: str = wire("ref", alias="id", default="")  # ``id``: the deprecated twin
    name: Optional[str] = wire("name")
    organization_slug: Optional[str] = wire("organization_slug", alias="organization_id")  # the deprecated twin
    region: Optional[str] = wire("region")
    status: Optional[str] = wire("status")
    created_at: Optional[str] = wire("created_at", alias="inserted_at")
    database_host: Optional[str] = wire("database.host")
    database_version: Optional[str] = wire("database.version")
    postgres_engine: Optional[str] = wire("database.postgres_engine")
    release_channel: Optional[str] = wire("database.release_channel")


def decode_project_list(body: Any) -> list[Project]:
    """``GET /v1/projects`` (a bare array) or ``GET /v1/organizations/{slug}/projects`` (``{projects}``)."""
    items = body.get("projects") if isinstance(body, Mapping) else body
    return [Project.decode(item) for item in _list(items) if isinstance(item, Mapping)
            and (_str(item, "ref") or _str(item, "id"))]


@dataclass(frozen=True)
class ServiceHealth(Decoded):
    """One item of ``GET /v1/projects/{ref}/health``."""

    name: str = wire("name", default="")
    status: Optional[str] = wire("status")
    healthy: Optional[bool] = wire("healthy", boolean)
    error: Optional[str] = wire("error")
    db_schema: Optional[str] = wire("info.db_schema")  # only in the ``rest`` service's ``info``


def decode_health(body: Any) -> list[ServiceHealth]:
    return [ServiceHealth.decode(item) for item in _list(body) if isinstance(item, Mapping)]


@dataclass(frozen=True)
class BillingAddons:
    """``GET /v1/projects/{ref}/billing/addons``: only the selected variants matter to us."""

    selected: Mapping[str, str] = field(default_factory=dict)  # addon type -> variant id

    @classmethod
    def decode(cls, body: Any) -> "BillingAddons":
        selected: dict[str, str] = {}
        for item in _list(_obj(body).get("selected_addons")):
            item = _obj(item)
            kind = _str(item, "type")
            variant = _str(_obj(item.get("variant")), "id")
            if kind and variant:
                selected[kind] = variant
        return cls(selected=selected)

    @property
    def instance_size(self) -> Optional[str]:
        """``ci_small`` -> ``small``; None when the API lists no compute add-on."""
        variant = self.selected.get("compute_instance")
        if variant and variant.startswith("ci_"):
            return variant[len("ci_"):]
        return None

    @property
    def pitr_days(self) -> Optional[int]:
        variant = self.selected.get("pitr")
        if variant and variant.startswith("pitr_") and variant[len("pitr_"):].isdigit():
            return int(variant[len("pitr_"):])
        return None


@dataclass(frozen=True)
class Backups:
    """``GET /v1/projects/{ref}/database/backups``, reduced to a read-only status summary."""

    pitr_enabled: Optional[bool]
    walg_enabled: Optional[bool]
    backup_count: int
    latest_backup_at: Optional[str]
    latest_backup_status: Optional[str]
    earliest_physical_backup_unix: Optional[int]
    latest_physical_backup_unix: Optional[int]

    @classmethod
    def decode(cls, body: Any) -> "Backups":
        data = _obj(body)
        backups = [_obj(b) for b in _list(data.get("backups"))]
        # ISO-8601 timestamps from one API sort correctly as strings; skip entries without one.
        dated = sorted((b for b in backups if _str(b, "inserted_at")), key=lambda b: b["inserted_at"])
        latest = dated[-1] if dated else {}
        physical = _obj(data.get("physical_backup_data"))
        return cls(
            pitr_enabled=_bool(data, "pitr_enabled"),
            walg_enabled=_bool(data, "walg_enabled"),
            backup_count=len(backups),
            latest_backup_at=_str(latest, "inserted_at"),
            latest_backup_status=_str(latest, "status"),
            earliest_physical_backup_unix=_int(physical, "earliest_physical_backup_date_unix"),
            latest_physical_backup_unix=_int(physical, "latest_physical_backup_date_unix"),
        )


@dataclass(frozen=True)
class RestorePoint(Decoded):
    """``POST/GET database/backups/restore-point`` (``V1RestorePointResponse``)."""

    name: Optional[str] = wire("name")
    status: Optional[str] = wire("status")  # AVAILABLE | PENDING | REMOVED | FAILED (unknown values kept as-is)
    completed_on: Optional[str] = wire("completed_on")

    @classmethod
    def decode(cls, body: Any) -> "RestorePoint":
        if isinstance(body, list):  # a list of restore points: the newest answers
            body = body[-1] if body else {}
        return super().decode(body)


# --- keys ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ApiKey(Decoded):
    """One item of ``GET /v1/projects/{ref}/api-keys?reveal=true``."""

    name: str = wire("name", default="")
    id: Optional[str] = wire("id")
    type: Optional[str] = wire("type")  # legacy | publishable | secret | (future values kept as-is)
    api_key: Optional[str] = wire("api_key")
    prefix: Optional[str] = wire("prefix")
    hash: Optional[str] = wire("hash")
    description: Optional[str] = wire("description")
    jwt_role: Optional[str] = wire("secret_jwt_template.role")

    @property
    def revealed(self) -> bool:
        """False when the API masked the key (no ``reveal=true``, or a masked ``···`` value)."""
        return bool(self.api_key) and "\u00b7" not in self.api_key


def decode_api_keys(body: Any) -> list[ApiKey]:
    return [ApiKey.decode(item) for item in _list(body) if isinstance(item, Mapping)]


# --- database settings --------------------------------------------------------------------------

def decode_postgres_config(body: Any) -> dict[str, Any]:
    """``GET/PUT config/database/postgres``: the API returns only overridden parameters.

    Values are kept as the API typed them (strings like ``"256MB"``, integers, booleans); unknown
    parameters pass through so that new server-side keys never break decoding.
    """
    return {k: v for k, v in _obj(body).items() if v is not None}


@dataclass(frozen=True)
class PoolerConfig(Decoded):
    """One item of ``GET config/database/pooler`` (one per database: primary and replicas)."""

    identifier: Optional[str] = wire("identifier")
    database_type: Optional[str] = wire("database_type")
    db_user: Optional[str] = wire("db_user")
    db_host: Optional[str] = wire("db_host")
    db_port: Optional[int] = wire("db_port", integer)
    db_name: Optional[str] = wire("db_name")
    connection_string: Optional[str] = wire("connection_string", alias="connectionString")  # the deprecated twin
    pool_mode: Optional[str] = wire("pool_mode")
    default_pool_size: Optional[int] = wire("default_pool_size", integer)
    max_client_conn: Optional[int] = wire("max_client_conn", integer)


def decode_pooler_configs(body: Any) -> list[PoolerConfig]:
    """Accepts the documented array and a single object (the PATCH reply shape)."""
    if isinstance(body, Mapping):
        return [PoolerConfig.decode(body)]
    return [PoolerConfig.decode(item) for item in _list(body) if isinstance(item, Mapping)]


def primary_pooler(configs: list[PoolerConfig]) -> Optional[PoolerConfig]:
    for config in configs:
        if config.database_type == "PRIMARY":
            return config
    # No type reported (older replies): the first entry is the primary database.
    untyped = [c for c in configs if c.database_type is None]
    return untyped[0] if untyped else None


def _cidr_list(value: Any) -> list[str]:
    # The GET/apply replies list strings; the [Alpha] PATCH reply lists {"address", "type"} objects.
    out = []
    for item in _list(value):
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("address"), str):
            out.append(item["address"])
    return out


@dataclass(frozen=True)
class NetworkRestrictions:
    """``GET network-restrictions`` / ``POST network-restrictions/apply``."""

    entitlement: Optional[str]
    status: Optional[str]  # stored | applied
    db_allowed_cidrs: tuple[str, ...]
    db_allowed_cidrs_v6: tuple[str, ...]
    applied_at: Optional[str]

    @classmethod
    def decode(cls, body: Any) -> "NetworkRestrictions":
        data = _obj(body)
        config = _obj(data.get("config"))
        v4 = _cidr_list(config.get("dbAllowedCidrs"))
        v6 = _cidr_list(config.get("dbAllowedCidrsV6"))
        # The PATCH reply mixes v6 entries into dbAllowedCidrs with type "v6": split by content.
        return cls(
            entitlement=_str(data, "entitlement"),
            status=_str(data, "status"),
            db_allowed_cidrs=tuple(c for c in v4 if ":" not in c),
            db_allowed_cidrs_v6=tuple(v6 + [c for c in v4 if ":" in c]),
            applied_at=_str(data, "applied_at"),
        )


@dataclass(frozen=True)
class SslEnforcement(Decoded):
    """``GET/PUT ssl-enforcement``."""

    database: Optional[bool] = wire("currentConfig.database", boolean)
    applied_successfully: Optional[bool] = wire("appliedSuccessfully", boolean)


def decode_auth_config(body: Any) -> dict[str, Any]:
    """``GET/PATCH config/auth``: ~240 nullable keys; kept as a plain dict, nulls included.

    Nulls are kept (unlike Postgres config) because for auth "unset" is a real, comparable state.
    """
    return dict(_obj(body))


@dataclass(frozen=True)
class EdgeSecret(Decoded):
    """One item of ``GET /v1/projects/{ref}/secrets``: ``value`` is the hex SHA-256 of the plaintext."""

    name: str = wire("name", default="")
    digest: Optional[str] = wire("value")
    updated_at: Optional[str] = wire("updated_at")


def decode_edge_secrets(body: Any) -> list[EdgeSecret]:
    return [EdgeSecret.decode(item) for item in _list(body)
            if isinstance(item, Mapping) and _str(item, "name")]


def decode_query_rows(body: Any) -> list[dict[str, Any]]:
    """``POST database/query``: a JSON array of row objects (``null``/``{}`` for no result set)."""
    return [dict(row) for row in _list(body) if isinstance(row, Mapping)]


def api_error_message(body: Any) -> Optional[str]:
    """The ``{"message": ...}`` error body; None for anything else."""
    return _str(_obj(body), "message")


# --- branches -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Branch(Keyed, key="project_ref"):
    """``BranchResponse``: an item of ``GET /v1/projects/{ref}/branches``, ``GET …/branches/{name}``, the POST
    and PATCH replies. ``project_ref`` is the branch's own ref (recordings ``POST_v1_projects_…_branches``)."""

    id: str = wire("id", default="")
    name: Optional[str] = wire("name")
    project_ref: str = wire("project_ref", default="")
    parent_project_ref: Optional[str] = wire("parent_project_ref")
    is_default: Optional[bool] = wire("is_default", boolean)
    git_branch: Optional[str] = wire("git_branch")
    persistent: Optional[bool] = wire("persistent", boolean)
    with_data: Optional[bool] = wire("with_data", boolean)
    status: Optional[str] = wire("status")
    deletion_scheduled_at: Optional[str] = wire("deletion_scheduled_at")


def decode_branch_list(body: Any) -> list[Branch]:
    return [Branch.decode(item) for item in _list(body) if isinstance(item, Mapping) and _str(item, "project_ref")]


@dataclass(frozen=True)
class BranchDetail(Decoded):
    """``GET /v1/branches/{ref}`` (``BranchDetailResponse``): the branch database and its project status
    (the projects' enum; recording ``GET_v1_branches___PROJECT_REF__``)."""

    ref: str = wire("ref", default="")
    status: Optional[str] = wire("status")
    db_host: Optional[str] = wire("db_host")
    db_port: Optional[int] = wire("db_port", integer)
    db_user: Optional[str] = wire("db_user")
    db_pass: Optional[str] = wire("db_pass")
    jwt_secret: Optional[str] = wire("jwt_secret")
    postgres_version: Optional[str] = wire("postgres_version")
