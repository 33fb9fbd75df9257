"""Render notification settings: who hears about failed deploys and unhealthy services.

``NotificationSettings`` (the workspace's defaults, one stack manages it) and ``NotificationOverride`` (one
service's). Both always exist on Render (GET and PATCH only), so "create" is a PATCH of the declared fields and
"delete" writes Render's defaults back; settings someone else changed need ``adopt``.
Details: dynamic_providers/render/README.md, "Notification settings".
"""
from __future__ import annotations

from typing import Any, ClassVar, Mapping, Optional

import pulumi

from ..core import DeclarativeResource, Field, Transport
from ..core.fields import to_default, to_prior
from .base import RenderProvider

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


def owner_body(values: Mapping[str, Any]) -> dict[str, Any]:
    """PATCH body of the owner settings: only the fields that are set, in the API's names."""
    return {_OWNER_WIRE[k]: v for k, v in values.items() if k in _OWNER_WIRE and v is not None}


def override_body(values: Mapping[str, Any]) -> dict[str, Any]:
    wire = {"notifications_to_send": "notificationsToSend", "preview_notifications_enabled": "previewNotificationsEnabled"}
    return {wire[k]: v for k, v in values.items() if k in wire and v is not None}


def _differs(live: Mapping[str, Any], wanted: Mapping[str, Any], names) -> bool:
    return any(wanted.get(n) is not None and live.get(n) != wanted.get(n) for n in names)


class _PatchedSettingsProvider(RenderProvider):
    """Settings Render always has (GET and PATCH only) for one object, keyed by ``key`` (its id input):
    "create" patches the declared fields, "delete" patches ``defaults`` back."""

    key: ClassVar[str]  # "owner_id" | "service_id"
    defaults: ClassVar[dict[str, Any]]  # Render's own values: what removal writes back
    id_suffix: ClassVar[str]

    def _fetch(self, api: Transport, key: str) -> dict[str, Any]:
        raise NotImplementedError

    def _send(self, api: Transport, key: str, values: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _get(self, api: Transport, key: str) -> dict[str, Any]:
        live = self._fetch(api, key)
        live[self.key] = live[self.key] or key
        return live

    def _patch(self, api: Transport, key: str, values: Mapping[str, Any]) -> dict[str, Any]:
        live = self._send(api, key, values)
        live[self.key] = live[self.key] or key
        return live

    def _key_of(self, id_: str, props: Mapping[str, Any]) -> str:
        return props.get(self.key) or id_.split("/", 1)[0]

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        live = self._get(api, inputs[self.key])
        names = tuple(self.defaults)
        # Changed by someone from Render's defaults, and not to what this stack declares: someone else's choice.
        if _differs(live, self.defaults, names) and _differs(live, inputs, names):
            return live
        return None

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        return self._patch(api, inputs[self.key], inputs)

    def live_before_create(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        return self._get(api, inputs[self.key])  # the settings before ours (what a removal restores)

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Optional[dict]:
        return self._get(api, self._key_of(id_, props))  # 404 (the service is gone) = gone

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> dict:
        return self._patch(api, news[self.key], {k: news.get(k) for k in changed})

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        # No DELETE in the API: removing the resource writes Render's defaults back (a 404 = gone with its owner).
        self._patch(api, self._key_of(id_, props), self.defaults)

    def id_of(self, live: dict) -> str:
        return f"{live[self.key]}/{self.id_suffix}"

    def live_inputs(self, live: dict) -> dict[str, Any]:
        return {k: live.get(k) for k in (self.key, *self.defaults) if live.get(k) is not None}


class NotificationSettingsProvider(_PatchedSettingsProvider):
    kind = "Render workspace notification settings"
    key, defaults, id_suffix = "owner_id", OWNER_DEFAULTS, "notification-settings"
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

    def _fetch(self, api: Transport, key: str) -> dict[str, Any]:
        return self.client(api).get_owner_notifications(key)

    def _send(self, api: Transport, key: str, values: Mapping[str, Any]) -> dict[str, Any]:
        return self.client(api).patch_owner_notifications(key, owner_body(values))


class NotificationOverrideProvider(_PatchedSettingsProvider):
    kind = "Render service notification override"
    key, defaults, id_suffix = "service_id", OVERRIDE_DEFAULTS, "notifications"
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

    def _fetch(self, api: Transport, key: str) -> dict[str, Any]:
        return self.client(api).get_notification_override(key)

    def _send(self, api: Transport, key: str, values: Mapping[str, Any]) -> dict[str, Any]:
        return self.client(api).patch_notification_override(key, override_body(values))


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
