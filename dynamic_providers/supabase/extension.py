"""``Extension``: a Postgres extension the backend needs (pgcrypto, pg_trgm, uuid-ossp ...).

Created with ``CREATE EXTENSION IF NOT EXISTS`` in ``schema`` (Supabase's convention: the
``extensions`` schema). An extension that was already installed (Supabase pre-installs several) is
recorded as ``pre_existing`` and is not dropped on delete: we only remove what we added. Delete never
cascades into objects that depend on the extension. ``branch=True``: ``project_ref`` is a preview branch's (its
readiness read from ``GET /v1/branches/{ref}``, base.wait_for_database_ready).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from pulumi.dynamic import CheckFailure

from ..core.fields import Field, contains_unknown, warn_on_removal
from ..core.provider import rule_failures
from ..core.transport import Transport
from . import sql
from .base import BRANCH_FIELDS, WAIT_FIELDS, SupabaseProvider, wait_for_database_ready
from .settings import ref_of


class ExtensionProvider(SupabaseProvider):
    kind = "Postgres extension"
    supports_adopt = False  # IF NOT EXISTS takes over harmlessly; see pre_existing
    fields = {
        "project_ref": Field(kind=str, required=True, replace=True, doc="Ref of the Supabase project."),
        "name": Field(kind=str, required=True, replace=True, doc="Extension name."),
        # Create-only: ALTER EXTENSION ... SET SCHEMA needs ownership of every member object, which
        # the (non-superuser) postgres role does not have for trusted extensions; a replacement
        # (drop, then create in the new schema) works, and fails safely if objects depend on it.
        "schema": Field(kind=str, default="extensions", replace=True,
                        doc="Schema that holds the extension's objects (a change replaces the extension)."),
        "version": Field(kind=str, doc="Extension version; unset = the default version, never upgraded.",
                         on_remove=warn_on_removal("Postgres cannot downgrade an extension; the installed "
                                                   "version stays (unset means: never upgraded)")),
        **WAIT_FIELDS,
        **BRANCH_FIELDS,
    }
    output_names = ("installed_version", "pre_existing")

    def validate(self, inputs):
        failures = rule_failures("name", inputs.get("name"), sql.validate_extension_name)
        schema = inputs.get("schema")
        if isinstance(schema, str) and not contains_unknown(schema):
            try:
                sql.quote_ident(schema)
            except sql.SqlInputError as exc:
                failures.append(CheckFailure("schema", f"'schema': {exc}"))
        return failures

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"{inputs.get('name')!r} in Supabase project {inputs.get('project_ref')}"

    def id_of(self, live: Any) -> str:
        return f"{live['ref']}/{live['name']}"

    def _installed(self, client, ref: str, name: str) -> Optional[dict]:
        rows = client.read_query(ref, sql.read_extension_sql(name))
        return rows[0] if rows else None

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        client = self.client(api)
        ref, name = inputs["project_ref"], inputs["name"]
        wait_for_database_ready(client, inputs)
        before = self._installed(client, ref, name)
        statements = sql.create_extension_sql(name, inputs["schema"], inputs.get("version"))
        if before is not None:
            if before.get("schema") != inputs["schema"]:
                raise ValueError(
                    f"Extension {name!r} is already installed in schema {before.get('schema')!r}, not "
                    f"{inputs['schema']!r}: set schema={before.get('schema')!r} on this resource.")
            wanted = inputs.get("version")
            statements = sql.alter_extension_sql(name, version=wanted if wanted and before.get("version") != wanted else None)
        if statements:
            client.run_query(ref, sql.script(statements), idempotent=True)  # IF NOT EXISTS: repeatable
        return {"ref": ref, "name": name, "row": self._installed(client, ref, name),
                "pre_existing": before is not None}

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Optional[dict]:
        ref, name = ref_of(id_), props.get("name") or id_.split("/", 1)[1]
        row = self._installed(self.client(api), ref, name)
        if row is None:
            return None
        return {"ref": ref, "name": name, "row": row, "pre_existing": bool(props.get("pre_existing"))}

    def update_remote(self, api: Transport, id_: str, olds, news, changed) -> dict:
        client = self.client(api)
        ref, name = ref_of(id_), news["name"]
        wait_for_database_ready(client, news)
        statements = sql.alter_extension_sql(name, version=news.get("version") if "version" in changed else None)
        if statements:
            client.run_query(ref, sql.script(statements), idempotent=True)
        row = self._installed(client, ref, name)
        return {"ref": ref, "name": name, "row": row, "pre_existing": None}  # set by update()

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]):
        # The base hands hooks the inputs only; pre_existing is an output and must carry over.
        result = super().update(id_, olds, news)
        result.outs["pre_existing"] = bool(olds.get("pre_existing"))
        return result

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if props.get("pre_existing"):
            return  # installed before we managed it: not ours to remove
        super().delete(id_, props)

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        ref, name = ref_of(id_), props.get("name") or id_.split("/", 1)[1]
        self.client(api).run_query(ref, sql.drop_extension_sql(name), idempotent=True)

    def live_inputs(self, live: Any) -> dict[str, Any]:
        row = live["row"] or {}
        return {"name": live["name"], "schema": row.get("schema"), "version": row.get("version")}

    def live_outputs(self, live: Any) -> dict[str, Any]:
        row = live["row"] or {}
        return {"installed_version": row.get("version"), "pre_existing": live["pre_existing"]}
