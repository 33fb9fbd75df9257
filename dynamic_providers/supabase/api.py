"""The Management API endpoints this provider uses, as typed calls over the shared core ``Transport``.

One thin method per endpoint: path, method, body shape and decoder live together here so providers
never build URLs. Only bodies the spec allows are sent (``tests/.../test_request_bodies.py`` checks
them against the spec). The object holds a Transport (and so a token): build it per provider call
with :func:`SupabaseApi.from_provider` style helpers, never keep it on a provider.
"""
from __future__ import annotations

import logging
import random
import re
import time
from typing import Any, Callable, Iterable
from urllib.parse import quote

from ..core import progress
from ..core.errors import NotFoundError, ValidationError
from ..core.api_settings import ApiSettings
from ..core.transport import Transport, backoff_delay
from . import models

log = logging.getLogger(__name__)

# Concurrent DDL/GRANTs that lose a race on a catalog row: the statement failed, its transaction
# rolled back (database/query runs the whole script in one), so running it again is safe - and
# once the other transaction has committed it succeeds. Exactly these, nothing broader:
# - XX000 "tuple concurrently updated": two GRANT/REVOKE/ALTER DEFAULT PRIVILEGES (or CREATE
#   EXTENSION) updating the same pg_database/pg_namespace/pg_default_acl row at once;
# - 23505 on pg_namespace's / pg_extension's name index: two CREATE SCHEMA/EXTENSION IF NOT EXISTS
#   of the same name, both past the "not exists" check; on pg_default_acl's key: two first ALTER
#   DEFAULT PRIVILEGES for the same owner and schema, both inserting the row.
_TRANSIENT_SQL = (
    re.compile(r"\bXX000\b.*tuple concurrently (updated|deleted)", re.S),
    re.compile(r"\b23505\b.*\b(pg_namespace_nspname_index|pg_extension_name_index|pg_default_acl_role_nsp_obj_index)\b", re.S),
)
SQL_RACE_ATTEMPTS = 8  # with the transport's backoff (0.5 s doubling, capped): ~1 min at most


def is_transient_sql_error(exc: BaseException) -> bool:
    """A ``database/query`` 400 caused by a concurrent transaction (see ``_TRANSIENT_SQL``)."""
    return (isinstance(exc, ValidationError) and exc.status == 400
            and any(p.search(exc.api_message or "") for p in _TRANSIENT_SQL))

SUPABASE_API = ApiSettings(
    name="Supabase",
    url_config_key="procurement:supabaseApiUrl",
    url_env="SUPABASE_API_URL",
    default_url="https://api.supabase.com",
    token_env="SUPABASE_ACCESS_TOKEN",
    explode_lists=True,  # e.g. /health?services=db&services=auth (OpenAPI's default form style)
)

def _seg(value: str) -> str:
    """One path segment, percent-encoded (refs and slugs are plain, but never trust that)."""
    return quote(str(value), safe="")


class SupabaseApi:
    def __init__(self, transport: Transport) -> None:
        self.http = transport

    # -- projects -----------------------------------------------------------------------------
    def get_project(self, ref: str) -> models.Project:
        return models.Project.decode(self.http.get(f"/v1/projects/{_seg(ref)}"))

    def list_projects(self) -> list[models.Project]:
        """Every project the token can see, across organizations (the endpoint is not paginated).

        Preferred over ``GET /v1/organizations/{slug}/projects`` for natural-key lookups: its items
        carry ``organization_slug`` and the database block, and one call answers any organization.
        """
        return models.decode_project_list(self.http.get("/v1/projects"))

    def create_project(self, body: dict[str, Any]) -> models.Project:
        # Never retried blindly (POST is not idempotent): the provider looks the project up instead.
        return models.Project.decode(self.http.post("/v1/projects", body))

    def rename_project(self, ref: str, name: str) -> None:
        self.http.patch(f"/v1/projects/{_seg(ref)}", {"name": name}, idempotent=True)

    def delete_project(self, ref: str) -> None:
        self.http.delete(f"/v1/projects/{_seg(ref)}")

    def update_db_password(self, ref: str, password: str) -> None:
        self.http.patch(f"/v1/projects/{_seg(ref)}/database/password", {"password": password}, idempotent=True)

    def get_addons(self, ref: str) -> models.BillingAddons:
        return models.BillingAddons.decode(self.http.get(f"/v1/projects/{_seg(ref)}/billing/addons"))

    def set_compute_size(self, ref: str, size: str) -> None:
        # Not retried blindly: a resize that did start puts the project in RESIZING, where the same PATCH
        # is refused ("Project is not ready"); the caller looks at the add-ons before repeating it.
        self.http.patch(f"/v1/projects/{_seg(ref)}/billing/addons",
                        {"addon_type": "compute_instance", "addon_variant": f"ci_{size}"}, idempotent=False)

    def set_addon(self, ref: str, addon_type: str, variant: str) -> None:
        # Repeating the same selection is harmless (a no-op on the platform): idempotent.
        self.http.patch(f"/v1/projects/{_seg(ref)}/billing/addons",
                        {"addon_type": addon_type, "addon_variant": variant}, idempotent=True)

    def remove_addon(self, ref: str, variant: str) -> None:
        self.http.delete(f"/v1/projects/{_seg(ref)}/billing/addons/{_seg(variant)}")

    def create_restore_point(self, ref: str, name: str) -> models.RestorePoint:
        # Not retried blindly: the caller looks the restore point up after an ambiguous failure.
        return models.RestorePoint.decode(self.http.post(
            f"/v1/projects/{_seg(ref)}/database/backups/restore-point", {"name": name}, idempotent=False))

    def get_restore_point(self, ref: str, name: str) -> models.RestorePoint:
        return models.RestorePoint.decode(self.http.get(f"/v1/projects/{_seg(ref)}/database/backups/restore-point",
                                                        params={"name": name}))

    def undo_to_restore_point(self, ref: str, name: str) -> None:
        self.http.post(f"/v1/projects/{_seg(ref)}/database/backups/undo", {"name": name}, idempotent=False)

    def restore_pitr(self, ref: str, target_unix: int) -> None:
        self.http.post(f"/v1/projects/{_seg(ref)}/database/backups/restore-pitr",
                       {"recovery_time_target_unix": int(target_unix)}, idempotent=False)

    def get_backups(self, ref: str) -> models.Backups:
        return models.Backups.decode(self.http.get(f"/v1/projects/{_seg(ref)}/database/backups"))

    def get_health(self, ref: str, services: Iterable[str]) -> list[models.ServiceHealth]:
        return models.decode_health(self.http.get(f"/v1/projects/{_seg(ref)}/health",
                                                  params={"services": list(services)}))

    # -- keys ---------------------------------------------------------------------------------
    def list_api_keys(self, ref: str) -> list[models.ApiKey]:
        return models.decode_api_keys(self.http.get(f"/v1/projects/{_seg(ref)}/api-keys",
                                                    params={"reveal": True}))

    def create_api_key(self, ref: str, body: dict[str, Any]) -> models.ApiKey:
        return models.ApiKey.decode(self.http.post(f"/v1/projects/{_seg(ref)}/api-keys", body,
                                                   params={"reveal": True}))

    def delete_api_key(self, ref: str, key_id: str) -> None:
        self.http.delete(f"/v1/projects/{_seg(ref)}/api-keys/{_seg(key_id)}", missing_ok=True)

    # -- database settings --------------------------------------------------------------------
    def get_postgres_config(self, ref: str) -> dict[str, Any]:
        return models.decode_postgres_config(self.http.get(f"/v1/projects/{_seg(ref)}/config/database/postgres"))

    def put_postgres_config(self, ref: str, body: dict[str, Any]) -> dict[str, Any]:
        return models.decode_postgres_config(
            self.http.put(f"/v1/projects/{_seg(ref)}/config/database/postgres", body))

    def get_pooler(self, ref: str) -> list[models.PoolerConfig]:
        return models.decode_pooler_configs(self.http.get(f"/v1/projects/{_seg(ref)}/config/database/pooler"))

    def patch_pooler(self, ref: str, body: dict[str, Any]) -> None:
        self.http.patch(f"/v1/projects/{_seg(ref)}/config/database/pooler", body, idempotent=True)

    def get_network_restrictions(self, ref: str) -> models.NetworkRestrictions:
        return models.NetworkRestrictions.decode(self.http.get(f"/v1/projects/{_seg(ref)}/network-restrictions"))

    def apply_network_restrictions(self, ref: str, v4: list[str], v6: list[str]) -> models.NetworkRestrictions:
        # "apply" replaces the whole allow-list, so repeating it is harmless: idempotent.
        body = self.http.post(f"/v1/projects/{_seg(ref)}/network-restrictions/apply",
                              {"dbAllowedCidrs": v4, "dbAllowedCidrsV6": v6}, idempotent=True)
        return models.NetworkRestrictions.decode(body)

    def get_ssl_enforcement(self, ref: str) -> models.SslEnforcement:
        return models.SslEnforcement.decode(self.http.get(f"/v1/projects/{_seg(ref)}/ssl-enforcement"))

    def put_ssl_enforcement(self, ref: str, enforced: bool) -> models.SslEnforcement:
        body = self.http.put(f"/v1/projects/{_seg(ref)}/ssl-enforcement",
                             {"requestedConfig": {"database": bool(enforced)}})
        return models.SslEnforcement.decode(body)

    def get_auth_config(self, ref: str) -> dict[str, Any]:
        return models.decode_auth_config(self.http.get(f"/v1/projects/{_seg(ref)}/config/auth"))

    def patch_auth_config(self, ref: str, body: dict[str, Any]) -> dict[str, Any]:
        return models.decode_auth_config(
            self.http.patch(f"/v1/projects/{_seg(ref)}/config/auth", body, idempotent=True))

    # -- edge function secrets ----------------------------------------------------------------
    def list_secrets(self, ref: str) -> list[models.EdgeSecret]:
        return models.decode_edge_secrets(self.http.get(f"/v1/projects/{_seg(ref)}/secrets"))

    def upsert_secrets(self, ref: str, secrets: dict[str, str]) -> None:
        body = [{"name": name, "value": value} for name, value in sorted(secrets.items())]
        self.http.post(f"/v1/projects/{_seg(ref)}/secrets", body, idempotent=True)  # bulk upsert

    def delete_secrets(self, ref: str, names: Iterable[str]) -> None:
        self.http.request("DELETE", f"/v1/projects/{_seg(ref)}/secrets", json=sorted(names))

    # -- SQL ----------------------------------------------------------------------------------
    def run_query(self, ref: str, query: str, *, idempotent: bool = False,
                  sleep: Callable[[float], None] = time.sleep) -> list[dict[str, Any]]:
        """``POST database/query``. Pass ``idempotent=True`` only for statements safe to repeat
        (``IF NOT EXISTS`` DDL, GRANT/REVOKE sets): that governs retries of ambiguous failures
        (5xx, lost answers). A query that lost a race with a concurrent transaction is retried
        whatever ``idempotent`` says (bounded, with backoff): the error proves it rolled back."""
        attempt = 0
        while True:
            attempt += 1
            try:
                body = self.http.post(f"/v1/projects/{_seg(ref)}/database/query", {"query": query},
                                      idempotent=idempotent)
                return models.decode_query_rows(body)
            except ValidationError as exc:
                if not is_transient_sql_error(exc) or attempt >= SQL_RACE_ATTEMPTS:
                    raise
                delay = backoff_delay(attempt, self.http.options, random.random)
                log.info("retrying in %.2fs after a concurrent transaction: %s", delay, exc)
                progress.report(f"Supabase project {ref}: SQL query lost a race with a concurrent transaction "
                                f"(attempt {attempt}); retrying in {delay:.1f}s")
                sleep(delay)

    def read_query(self, ref: str, query: str) -> list[dict[str, Any]]:
        """A catalog read in a read-only transaction (``read_only``): a refresh can never write."""
        body = self.http.post(f"/v1/projects/{_seg(ref)}/database/query", {"query": query, "read_only": True},
                              idempotent=True)
        return models.decode_query_rows(body)

    # -- branches (notes/supabase-api.md 2.7; a branch's own ref answers 404 on /v1/projects/{ref}) --
    def find_branch(self, parent_ref: str, name: str) -> models.Branch | None:
        """``GET /v1/projects/{ref}/branches/{name}``; None when no branch has that name (404)."""
        try:
            return models.Branch.decode(self.http.get(f"/v1/projects/{_seg(parent_ref)}/branches/{_seg(name)}"))
        except NotFoundError:
            return None

    def list_branches(self, parent_ref: str) -> list[models.Branch]:
        return models.decode_branch_list(self.http.get(f"/v1/projects/{_seg(parent_ref)}/branches"))

    def create_branch(self, parent_ref: str, body: dict[str, Any]) -> models.Branch:
        # Never retried blindly (no idempotency key): the provider looks the name up first.
        return models.Branch.decode(self.http.post(f"/v1/projects/{_seg(parent_ref)}/branches", body,
                                                   idempotent=False))

    def get_branch_detail(self, branch_ref: str) -> models.BranchDetail:
        return models.BranchDetail.decode(self.http.get(f"/v1/branches/{_seg(branch_ref)}"))

    def update_branch(self, branch_ref: str, body: dict[str, Any]) -> models.Branch:
        # Setting the same values again is harmless: idempotent.
        return models.Branch.decode(self.http.patch(f"/v1/branches/{_seg(branch_ref)}", body, idempotent=True))

    def delete_branch(self, branch_ref: str) -> None:
        # force=true (the spec's default, sent so no server setting turns it into a scheduled delete): gone now.
        self.http.delete(f"/v1/branches/{_seg(branch_ref)}", params={"force": True}, missing_ok=True)
