"""A service's environment variables and secret files, each owned as a full set by one resource.

Keys added out of band are drift (their values never read into the state); secrecy is per value, every secret
file's content is secret. Writes (one per changed key, then one deploy) and owed deploys:
dynamic_providers/render/README.md, "Env vars and secret files".
"""
from __future__ import annotations

from typing import Any, ClassVar, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure

from ..core import DeclarativeResource, Field, Transport
from ..core.fields import contains_unknown
from . import encoders as enc
from . import owed_deploys, undeclared
from .api import trigger_deploy
from .base import RenderProvider
from .models import KeyValue

BULK_THRESHOLD = 3


class _ServiceKeyedSetProvider(RenderProvider):
    collection: ClassVar[str]  # "env-vars"
    item_key: ClassVar[str]  # wrapper key in list pages
    value_input: ClassVar[str]  # input holding {key: value}
    value_field: ClassVar[str]  # body field of a single PUT ("value" / "content")
    output_names = ("keys", "deploy_id", owed_deploys.OUTPUT)
    secret_output_names = (owed_deploys.OUTPUT,)  # a hash of secret values
    owed_outputs = {owed_deploys.OWED: owed_deploys.OUTPUT}
    adopt_alternative = "remove the existing entries first"

    @classmethod
    def decode(cls, item: Any) -> Optional[KeyValue]:
        raise NotImplementedError

    @classmethod
    def encode_all(cls, values: Mapping[str, str]) -> list:
        raise NotImplementedError

    def validate(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        values = inputs.get(self.value_input)
        failures = []
        if isinstance(values, dict):
            for key, value in values.items():
                if contains_unknown(value):
                    continue
                if not isinstance(value, str):
                    failures.append(CheckFailure(self.value_input, f"the value of '{key}' must be a string"))
                if not key or "/" in key:
                    failures.append(CheckFailure(self.value_input, f"invalid name {key!r}"))
        return failures

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"for service {inputs.get('service_id')}"

    def _current(self, api: Transport, service_id: str) -> dict[str, Optional[str]]:
        out: dict[str, Optional[str]] = {}
        for item in self.client(api).list_service_entries(service_id, self.collection, self.item_key):
            kv = self.decode(item)
            if kv is not None:
                out[kv.key] = kv.value
        return out

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        current = self._current(api, inputs["service_id"])
        if not current or current == dict(inputs[self.value_input]):
            return None  # nothing to take over (empty, or exactly what we declare)
        return {"service_id": inputs["service_id"], "values": current}

    def find_created(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        current = self._current(api, inputs["service_id"])
        return {"service_id": inputs["service_id"], "values": current} if current else None

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        sid = inputs["service_id"]
        self.client(api).replace_service_entries(sid, self.collection, self.encode_all(inputs[self.value_input]))
        return {"service_id": sid, "values": dict(inputs[self.value_input])}

    def after_create(self, api: Transport, id_: str, live: dict, inputs: Mapping[str, Any]) -> dict:
        live["deploy_id"] = self._deploy(api, inputs)
        live[owed_deploys.OUTPUT] = self._covered(inputs)
        return live

    def pending_changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> set[str]:
        return owed_deploys.owed(olds, news.get(self.value_input) or {}, bool(news.get("deploy_on_change", True)),
                                 previous=olds.get(self.value_input) or {})

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> dict:
        sid = props.get("service_id") or id_.split("/", 1)[0]
        # What the last deploy carried cannot be read from Render: the state's record stays.
        values = undeclared.redact(self._current(api, sid), props.get(self.value_input))
        return {"service_id": sid, "values": values, "deploy_id": props.get("deploy_id"),
                owed_deploys.OUTPUT: props.get(owed_deploys.OUTPUT)}

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> dict:
        sid = news["service_id"]
        old, new = dict(olds.get(self.value_input) or {}), dict(news[self.value_input])
        upserts = {k: v for k, v in new.items() if old.get(k) != v}
        removals = [k for k in old if k not in new]
        client = self.client(api)
        if len(upserts) + len(removals) > BULK_THRESHOLD:
            client.replace_service_entries(sid, self.collection, self.encode_all(new))
        else:
            for key in sorted(upserts):
                client.put_service_entry(sid, self.collection, key, {self.value_field: upserts[key]})
            for key in sorted(removals):
                client.delete_service_entry(sid, self.collection, key)
        if upserts or removals or owed_deploys.OWED in changed:
            deploy_id, covered = self._deploy(api, news), self._covered(news)
        else:
            deploy_id, covered = None, olds.get(owed_deploys.OUTPUT)
        return {"service_id": sid, "values": new, "deploy_id": deploy_id or olds.get("deploy_id"),
                owed_deploys.OUTPUT: covered}

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        sid = props.get("service_id") or id_.split("/", 1)[0]
        self.client(api).replace_service_entries(sid, self.collection, [])
        # Deletes run after every create and update of an `up` (the Deploy that re-deployed the
        # service included): without a deploy here the removed entries would stay live until the next one.
        if props.get("deploy_on_delete"):
            self._deploy(api, {**props, "service_id": sid, "deploy_on_change": True})

    def id_of(self, live: dict) -> str:
        return f"{live['service_id']}/{self.collection}"

    def live_inputs(self, live: dict) -> dict[str, Any]:
        return {"service_id": live["service_id"], self.value_input: live["values"]}

    def live_outputs(self, live: dict) -> dict[str, Any]:
        return {"keys": sorted(live["values"]), "deploy_id": live.get("deploy_id"),
                owed_deploys.OUTPUT: live.get(owed_deploys.OUTPUT)}

    def _covered(self, inputs: Mapping[str, Any]) -> Optional[str]:
        """Fingerprint of the values a deploy just put into effect (None: deploys are not tracked)."""
        if not inputs.get("deploy_on_change", True):
            return None
        return owed_deploys.fingerprint(dict(inputs[self.value_input]))

    def _deploy(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[str]:
        """Deploy so the change takes effect, unless disabled or the service is suspended (resuming
        it deploys). A failure raises: the write stays, the deploy stays owed (``owed_deploys``)."""
        if not inputs.get("deploy_on_change", True):
            return None
        service = self.client(api).get_service(inputs["service_id"])
        if service.suspended:
            return None
        deploy = trigger_deploy(api, inputs["service_id"])
        return deploy.id if deploy else None


class EnvVarsProvider(_ServiceKeyedSetProvider):
    kind = "Render service env-var set"
    collection = "env-vars"
    item_key = "envVar"
    value_input = "variables"
    revision_fields = frozenset({"variables"})  # Render applies variables at the next deploy
    value_field = "value"
    fields = {
        "service_id": Field(str, required=True, replace=True),
        # Keys and plain values show in a plan, secret values are masked (docs/explanation/reading-a-plan.md).
        "variables": Field(dict, required=True),
        "deploy_on_change": Field(bool, default=True, managed=False),
        "deploy_on_delete": Field(bool, default=False, managed=False),
    }

    @classmethod
    def decode(cls, item: Any) -> Optional[KeyValue]:
        return KeyValue.env_var(item)

    @classmethod
    def encode_all(cls, values: Mapping[str, str]) -> list:
        return enc.env_var_list(values)


class SecretFilesProvider(_ServiceKeyedSetProvider):
    kind = "Render service secret-file set"
    collection = "secret-files"
    item_key = "secretFile"
    value_input = "files"
    revision_fields = frozenset({"files"})
    value_field = "content"
    fields = {
        "service_id": Field(str, required=True, replace=True),
        "files": Field(dict, required=True, secret_entries=True),
        "deploy_on_change": Field(bool, default=True, managed=False),
        "deploy_on_delete": Field(bool, default=False, managed=False),
    }

    @classmethod
    def decode(cls, item: Any) -> Optional[KeyValue]:
        return KeyValue.secret_file(item)

    @classmethod
    def encode_all(cls, values: Mapping[str, str]) -> list:
        return enc.secret_file_list(values)


class EnvVars(DeclarativeResource, module="render", name="EnvVars"):
    """All environment variables of one service (``pulumi-python:dynamic/render:EnvVars``).

    Inputs: ``service_id``, ``variables`` ({KEY: value}; each value as secret as it is given), ``deploy_on_change`` (default True),
    ``deploy_on_delete`` (default False: deploy after removing them all), ``adopt``. Outputs: ``keys``
    (names only), ``deploy_id`` (deploy triggered by the last change), ``deployed_fingerprint`` (secret; what
    that deploy put into effect, see ``owed_deploys``).
    """

    keys: pulumi.Output[list]
    deploy_id: pulumi.Output[Optional[str]]

    def __init__(self, resource_name: str, *, service_id: pulumi.Input[str],
                 variables: pulumi.Input[Mapping[str, pulumi.Input[str]]], deploy_on_change: bool = True,
                 deploy_on_delete: bool = False, adopt: bool = False,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(EnvVarsProvider(), resource_name,
                         {"service_id": service_id, "variables": variables, "deploy_on_change": deploy_on_change,
                          "deploy_on_delete": deploy_on_delete, "adopt": adopt}, opts)


class SecretFiles(DeclarativeResource, module="render", name="SecretFiles"):
    """All secret files of one service (``pulumi-python:dynamic/render:SecretFiles``).

    Inputs: ``service_id``, ``files`` ({name: content}; contents secret, names plain), ``deploy_on_change``,
    ``deploy_on_delete``, ``adopt``. Outputs: ``keys`` (file names), ``deploy_id``.
    """

    keys: pulumi.Output[list]
    deploy_id: pulumi.Output[Optional[str]]

    def __init__(self, resource_name: str, *, service_id: pulumi.Input[str],
                 files: pulumi.Input[Mapping[str, pulumi.Input[str]]], deploy_on_change: bool = True,
                 deploy_on_delete: bool = False, adopt: bool = False,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(SecretFilesProvider(), resource_name,
                         {"service_id": service_id, "files": files, "deploy_on_change": deploy_on_change,
                          "deploy_on_delete": deploy_on_delete, "adopt": adopt}, opts)
