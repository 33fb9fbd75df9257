"""``PitrAddon``: point-in-time recovery for a project, as the billing add-on ``pitr_<days>``.

PITR is bought, not configured: ``PATCH billing/addons {addon_type: pitr, addon_variant: pitr_7|14|28}`` turns
it on (``pitr_enabled`` in ``database/backups`` follows), ``DELETE billing/addons/pitr_<days>`` turns it off.
So the resource is the add-on itself: removing it from the program (``database.pitrDays`` removed) deletes
it, which turns PITR off again; a refresh that finds no PITR add-on reads it as gone, and ``up`` buys it
again. Supabase requires at least the Small compute size: the config refuses smaller sizes before any
preview, and the sandbox refuses the PATCH as the API would. A project that is not ready (coming up,
resizing) is waited for first.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from ..core.errors import NotFoundError, ValidationError
from ..core.fields import Field
from ..core.transport import Transport
from .base import WAIT_FIELDS, SupabaseProvider, wait_for_project_ready, wait_settings

PITR_DAYS = (7, 14, 28)


class PitrAddonProvider(SupabaseProvider):
    kind = "Supabase point-in-time recovery add-on"
    fields = {
        "project_ref": Field(str, required=True, replace=True),
        "days": Field(int, required=True, choices=PITR_DAYS, doc="Retention: the variant pitr_<days>."),
        **WAIT_FIELDS,
    }
    output_names = ("pitr_enabled",)
    supports_adopt = False  # the add-on has no owner but the project: enabling it again is harmless

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"of project {inputs.get('project_ref')}"

    def _live(self, api: Transport, ref: str) -> Optional[dict]:
        client = self.client(api)
        days = client.get_addons(ref).pitr_days
        if days is None:
            return None
        try:
            enabled = client.get_backups(ref).pitr_enabled
        except Exception:  # informational only
            enabled = None
        return {"project_ref": ref, "days": days, "pitr_enabled": enabled}

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        client = self.client(api)
        ref = inputs["project_ref"]
        wait_for_project_ready(client, ref, services=("db",), **wait_settings(inputs))
        client.set_addon(ref, "pitr", f"pitr_{inputs['days']}")
        return self._live(api, ref) or {"project_ref": ref, "days": inputs["days"], "pitr_enabled": None}

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Optional[dict]:
        return self._live(api, props.get("project_ref") or id_.split("/", 1)[0])

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> dict:
        return self.create_remote(api, news)

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        ref = props.get("project_ref") or id_.split("/", 1)[0]
        client = self.client(api)
        try:
            days = client.get_addons(ref).pitr_days
        except NotFoundError:
            return  # the project is gone
        if days is None:
            return  # already off
        wait_for_project_ready(client, ref, services=("db",), **wait_settings(props))
        try:
            client.remove_addon(ref, f"pitr_{days}")
        except ValidationError as exc:
            if "not applied" not in (exc.api_message or ""):
                raise

    def id_of(self, live: dict) -> str:
        return f"{live['project_ref']}/pitr"

    def live_inputs(self, live: dict) -> dict[str, Any]:
        return {"project_ref": live["project_ref"], "days": live["days"]}

    def live_outputs(self, live: dict) -> dict[str, Any]:
        return {"pitr_enabled": live.get("pitr_enabled")}
