"""Render notification settings: who hears about failed deploys and unhealthy services.

Two objects, both always present on Render (there is no create or delete in the API, only GET and PATCH):

- ``NotificationSettings``: the workspace's defaults (``/notification-settings/owners/{ownerId}``): email on or
  off, which events (``none``, ``failure``, ``all``), and whether preview environments notify. One per
  workspace, like the log stream: exactly one stack manages it (docs/explanation/architecture.md "Stacks and who owns what").
- ``NotificationOverride``: one service's override of those defaults
  (``/notification-settings/overrides/services/{serviceId}``), ``default`` meaning "as the workspace says".

"Create" is therefore a PATCH of the declared fields and "delete" writes Render's defaults back, so removing a
resource from the program reverts the setting (docs/explanation/removal-semantics.md). Settings someone else
changed away from Render's defaults are not taken over silently: a create that finds them differing from both
the defaults and the declared values needs ``adopt``. Only declared fields are sent and compared.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi

from ..core import DeclarativeProvider, DeclarativeResource, Field, NotFoundError, Transport
from ..core.fields import to_default, to_prior
from ..core.tolerant import boolean, obj, text
from .api import RENDER

EVENTS = ("none", "failure", "all")
OVERRIDE_EVENTS = ("default", *EVENTS)
OVERRIDE_PREVIEWS = ("default", "false", "true")

# What a workspace has before anyone changes it: the answer to a PATCH {} on an untouched workspace
# (recordings/render/notifications__resource__notifications_resource_cassette.yaml#0).
OWNER_DEFAULTS = {"email_enabled": True, "notifications_to_send": "failure", "preview_notifications_enabled": False}
OVERRIDE_DEFAULTS = {"notifications_to_send": "default", "preview_notifications_enabled": "default"}

_RECORDED = "Render's defaults: recordings/render/notifications__resource__notifications_resource_cassette.yaml#0"

_OWNER_WIRE = {"email_enabled": "emailEnabled", "notifications_to_send": "notificationsToSend",
               "preview_notifications_enabled": "previewNotificationsEnabled"}


def decode_owner_settings(body: Any) -> dict[str, Any]:
    """The owner settings answer, tolerantly: a missing or mistyped field reads as None."""
    data = obj(body)
    return {"owner_id": text(data.get("ownerId")), "email_enabled": boolean(data.get("emailEnabled")),
            "notifications_to_send": text(data.get("notificationsToSend")),
            "preview_notifications_enabled": boolean(data.get("previewNotificationsEnabled")),
            "slack_enabled": boolean(data.get("slackEnabled"))}


def decode_override(body: Any) -> dict[str, Any]:
    """A service override; the recorded answers carry string enums (``"true"``), a bool is read as its string."""
    data = obj(body)
    preview = data.get("previewNotificationsEnabled")
    if isinstance(preview, bool):
        preview = "true" if preview else "false"
    return {"service_id": text(data.get("serviceId")), "notifications_to_send": text(data.get("notificationsToSend")),
            "preview_notifications_enabled": text(preview)}


def owner_body(values: Mapping[str, Any]) -> dict[str, Any]:
    """PATCH body of the owner settings: only the fields that are set, in the API's names."""
    return {_OWNER_WIRE[k]: v for k, v in values.items() if k in _OWNER_WIRE and v is not None}


def override_body(values: Mapping[str, Any]) -> dict[str, Any]:
    wire = {"notifications_to_send": "notificationsToSend", "preview_notifications_enabled": "previewNotificationsEnabled"}
    return {wire[k]: v for k, v in values.items() if k in wire and v is not None}


def _differs(live: Mapping[str, Any], wanted: Mapping[str, Any], names) -> bool:
    return any(wanted.get(n) is not None and live.get(n) != wanted.get(n) for n in names)


class NotificationSettingsProvider(DeclarativeProvider):
    api = RENDER
    kind = "Render workspace notification settings"
    fields = {
        "owner_id": Field(str, required=True, replace=True),
        # Removal restores the workspace's value from before we managed it (else Render's default).
        "email_enabled": Field(bool, on_remove=to_prior(OWNER_DEFAULTS["email_enabled"], _RECORDED)),
        "notifications_to_send": Field(str, choices=EVENTS,
                                       on_remove=to_prior(OWNER_DEFAULTS["notifications_to_send"], _RECORDED)),
        "preview_notifications_enabled": Field(bool, on_remove=to_prior(
            OWNER_DEFAULTS["preview_notifications_enabled"], _RECORDED)),
    }
    adopt_alternative = "or align the declared settings with the workspace's"

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"of owner {inputs.get('owner_id')}"

    def _get(self, api: Transport, owner_id: str) -> dict[str, Any]:
        live = decode_owner_settings(api.get(f"/notification-settings/owners/{owner_id}"))
        live["owner_id"] = live["owner_id"] or owner_id
        return live

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        live = self._get(api, inputs["owner_id"])
        names = tuple(OWNER_DEFAULTS)
        # Changed by someone from Render's defaults, and not to what this stack declares: someone else's choice.
        if _differs(live, OWNER_DEFAULTS, names) and _differs(live, inputs, names):
            return live
        return None

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        return self._patch(api, inputs["owner_id"], inputs)

    def live_before_create(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        return self._get(api, inputs["owner_id"])  # the workspace's settings before ours (what removal restores)

    def _patch(self, api: Transport, owner_id: str, values: Mapping[str, Any]) -> dict:
        answer = api.patch(f"/notification-settings/owners/{owner_id}", owner_body(values), idempotent=True)
        live = decode_owner_settings(answer)
        live["owner_id"] = live["owner_id"] or owner_id
        return live

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Optional[dict]:
        return self._get(api, props.get("owner_id") or id_.split("/", 1)[0])

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> dict:
        return self._patch(api, news["owner_id"], {k: news.get(k) for k in changed})

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        # No DELETE in the API: removing the resource writes Render's defaults back.
        self._patch(api, props.get("owner_id") or id_.split("/", 1)[0], OWNER_DEFAULTS)

    def id_of(self, live: dict) -> str:
        return f"{live['owner_id']}/notification-settings"

    def live_inputs(self, live: dict) -> dict[str, Any]:
        return {k: live.get(k) for k in ("owner_id", *OWNER_DEFAULTS) if live.get(k) is not None}


class NotificationOverrideProvider(DeclarativeProvider):
    api = RENDER
    kind = "Render service notification override"
    fields = {
        "service_id": Field(str, required=True, replace=True),
        "notifications_to_send": Field(str, choices=OVERRIDE_EVENTS, on_remove=to_default(
            OVERRIDE_DEFAULTS["notifications_to_send"], "'default': as the workspace says")),
        "preview_notifications_enabled": Field(str, choices=OVERRIDE_PREVIEWS, on_remove=to_default(
            OVERRIDE_DEFAULTS["preview_notifications_enabled"], "'default': as the workspace says")),
    }
    adopt_alternative = "or align the declared override with the service's"

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"of service {inputs.get('service_id')}"

    def _path(self, service_id: str) -> str:
        return f"/notification-settings/overrides/services/{service_id}"

    def _get(self, api: Transport, service_id: str) -> dict[str, Any]:
        live = decode_override(api.get(self._path(service_id)))
        live["service_id"] = live["service_id"] or service_id
        return live

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        live = self._get(api, inputs["service_id"])
        names = tuple(OVERRIDE_DEFAULTS)
        if _differs(live, OVERRIDE_DEFAULTS, names) and _differs(live, inputs, names):
            return live
        return None

    def _patch(self, api: Transport, service_id: str, values: Mapping[str, Any]) -> dict:
        live = decode_override(api.patch(self._path(service_id), override_body(values), idempotent=True))
        live["service_id"] = live["service_id"] or service_id
        return live

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        return self._patch(api, inputs["service_id"], inputs)

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Optional[dict]:
        return self._get(api, props.get("service_id") or id_.split("/", 1)[0])  # 404 (service gone) = gone

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> dict:
        return self._patch(api, news["service_id"], {k: news.get(k) for k in changed})

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        try:
            self._patch(api, props.get("service_id") or id_.split("/", 1)[0], OVERRIDE_DEFAULTS)
        except NotFoundError:
            pass  # the service is gone, and its override with it

    def id_of(self, live: dict) -> str:
        return f"{live['service_id']}/notifications"

    def live_inputs(self, live: dict) -> dict[str, Any]:
        return {k: live.get(k) for k in ("service_id", *OVERRIDE_DEFAULTS) if live.get(k) is not None}


class NotificationSettings(DeclarativeResource, module="render", name="NotificationSettings"):
    """The workspace's notification defaults (``pulumi-python:dynamic/render:NotificationSettings``).

    Inputs: ``owner_id``, ``email_enabled``, ``notifications_to_send`` (none|failure|all),
    ``preview_notifications_enabled``, ``adopt``. Deleting it restores Render's defaults (email on, failures,
    no preview notifications).
    """

    def __init__(self, resource_name: str, *, owner_id: pulumi.Input[str],
                 email_enabled: Optional[pulumi.Input[bool]] = None,
                 notifications_to_send: Optional[pulumi.Input[str]] = None,
                 preview_notifications_enabled: Optional[pulumi.Input[bool]] = None, adopt: bool = False,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(NotificationSettingsProvider(), resource_name, {
            "owner_id": owner_id, "email_enabled": email_enabled, "notifications_to_send": notifications_to_send,
            "preview_notifications_enabled": preview_notifications_enabled, "adopt": adopt}, opts)


class NotificationOverride(DeclarativeResource, module="render", name="NotificationOverride"):
    """One service's notification override (``pulumi-python:dynamic/render:NotificationOverride``).

    Inputs: ``service_id``, ``notifications_to_send`` (default|none|failure|all),
    ``preview_notifications_enabled`` (default|false|true), ``adopt``. Deleting it writes ``default`` back.
    """

    def __init__(self, resource_name: str, *, service_id: pulumi.Input[str],
                 notifications_to_send: Optional[pulumi.Input[str]] = None,
                 preview_notifications_enabled: Optional[pulumi.Input[str]] = None, adopt: bool = False,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(NotificationOverrideProvider(), resource_name, {
            "service_id": service_id, "notifications_to_send": notifications_to_send,
            "preview_notifications_enabled": preview_notifications_enabled, "adopt": adopt}, opts)
