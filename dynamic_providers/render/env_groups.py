"""Environment groups (shared variables/files) and the set of services linked to a group.

Render has no bulk update for a group's variables, so changes go key by key (PUT/DELETE). The
links are their own resource (``EnvGroupLink``) owning the group's full service set, so a group can
exist before the services that use it (the peer provider's first-deploy race, issue #31).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Optional

import pulumi

from ..core import DeclarativeResource, Field, Transport
from ..core.fields import warn_on_removal
from . import encoders as enc
from . import undeclared
from .base import RenderProvider
from .models import EnvGroup as EnvGroupModel


class EnvGroupProvider(RenderProvider):
    kind = "Render env group"
    revision_fields = frozenset({"variables", "files"})  # linked services see them at their next deploy
    fields = {
        "name": Field(str, required=True),
        "owner_id": Field(str, required=True, replace=True),
        "environment_id": Field(str, on_remove=warn_on_removal(
            "the env group stays in its Render environment; set another 'environment_id' to move it")),
        # Keys and plain values show in a plan, secret values are masked (docs/explanation/reading-a-plan.md).
        "variables": Field(dict, default={}),
        "files": Field(dict, default={}, secret_entries=True),
    }
    # No list of linked services: the links are EnvGroupLink's (made after the group), so a copy
    # here would be stale after every `up` and show as a change on every refresh.
    output_names = ("keys", "file_names")

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"'{inputs.get('name')}' (owner {inputs.get('owner_id')})"

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[EnvGroupModel]:
        client = self.client(api)
        for meta in client.find_env_groups(inputs["name"], inputs["owner_id"]):
            if meta.name == inputs["name"]:
                return client.get_env_group(meta.id)
        return None

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> EnvGroupModel:
        body: dict[str, Any] = {"name": inputs["name"], "ownerId": inputs["owner_id"],
                                "envVars": enc.env_var_list(inputs.get("variables") or {})}
        if inputs.get("files"):
            body["secretFiles"] = enc.secret_file_list(inputs["files"])
        if inputs.get("environment_id"):
            body["environmentId"] = inputs["environment_id"]
        return self.client(api).create_env_group(body)

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> EnvGroupModel:
        live = self.client(api).get_env_group(id_)
        return replace(live, env_vars=undeclared.redact(live.env_vars, props.get("variables")),
                       secret_files=undeclared.redact(live.secret_files, props.get("files")))

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> EnvGroupModel:
        client = self.client(api)
        live: Optional[EnvGroupModel] = None
        if "name" in changed:
            live = client.rename_env_group(id_, news["name"])
        for field, segment, body_key in (("variables", "env-vars", "value"), ("files", "secret-files", "content")):
            if field not in changed:
                continue
            old, new = dict(olds.get(field) or {}), dict(news.get(field) or {})
            for key in sorted(k for k, v in new.items() if old.get(k) != v):
                live = client.put_env_group_entry(id_, segment, key, {body_key: new[key]})
            for key in sorted(k for k in old if k not in new):
                client.delete_env_group_entry(id_, segment, key)
                live = None  # a DELETE returns nothing: re-read at the end
        if "environment_id" in changed and news.get("environment_id"):
            client.move_to_environment(news["environment_id"], id_)
            live = None
        return live if live is not None and live.id else self.read_remote(api, id_, news)

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        self.client(api).delete_env_group(id_)

    def id_of(self, live: EnvGroupModel) -> str:
        return live.id

    def live_inputs(self, live: EnvGroupModel) -> dict[str, Any]:
        observed = {"name": live.name, "owner_id": live.owner_id, "environment_id": live.environment_id,
                    "variables": live.env_vars, "files": live.secret_files}
        return {k: v for k, v in observed.items() if v is not None}

    def live_outputs(self, live: EnvGroupModel) -> dict[str, Any]:
        return {"keys": sorted(live.env_vars), "file_names": sorted(live.secret_files)}


class EnvGroupLinkProvider(RenderProvider):
    """Owns the complete set of services linked to one env group."""

    kind = "Render env group link set"
    fields = {
        "env_group_id": Field(str, required=True, replace=True),
        "service_ids": Field(list, required=True, set_like=True),
    }
    output_names = ()

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"of env group {inputs.get('env_group_id')}"

    def _group(self, api: Transport, group_id: str) -> EnvGroupModel:
        return self.client(api).get_env_group(group_id)

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[EnvGroupModel]:
        group = self._group(api, inputs["env_group_id"])
        extra = set(group.service_ids) - set(inputs["service_ids"])
        return group if extra else None  # links we would remove belong to someone else: ask first

    def find_created(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[EnvGroupModel]:
        return self._group(api, inputs["env_group_id"])

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> EnvGroupModel:
        group = self._group(api, inputs["env_group_id"])
        for sid in sorted(set(inputs["service_ids"]) - set(group.service_ids)):
            group = self.client(api).link_env_group(group.id, sid)
        return group

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> EnvGroupModel:
        return self._group(api, props.get("env_group_id") or id_.split("/", 1)[0])

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> EnvGroupModel:
        group_id = news["env_group_id"]
        group = self._group(api, group_id)
        client = self.client(api)
        for sid in sorted(set(news["service_ids"]) - set(group.service_ids)):
            client.link_env_group(group_id, sid)
        for sid in sorted(set(group.service_ids) - set(news["service_ids"])):
            client.unlink_env_group(group_id, sid)
        return self._group(api, group_id)

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        group_id = props.get("env_group_id") or id_.split("/", 1)[0]
        for sid in sorted(props.get("service_ids") or []):
            self.client(api).unlink_env_group(group_id, sid)

    def id_of(self, live: EnvGroupModel) -> str:
        return f"{live.id}/links"

    def live_inputs(self, live: EnvGroupModel) -> dict[str, Any]:
        return {"env_group_id": live.id, "service_ids": list(live.service_ids)}


class EnvGroup(DeclarativeResource, module="render", name="EnvGroup"):
    """A Render env group (``pulumi-python:dynamic/render:EnvGroup``).

    Inputs: ``name``, ``owner_id``, ``environment_id``, ``variables`` ({KEY: value}; each value as
    secret as it is given) and ``files`` ({name: content}; every content secret, names plain),
    ``adopt``. Outputs: ``keys``, ``file_names`` (the linked services: ``EnvGroupLink``).
    """

    keys: pulumi.Output[list]
    file_names: pulumi.Output[list]

    def __init__(self, resource_name: str, *, name: pulumi.Input[str], owner_id: pulumi.Input[str],
                 variables: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None,
                 files: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None,
                 environment_id: Optional[pulumi.Input[str]] = None, adopt: bool = False,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(EnvGroupProvider(), resource_name,
                         {"name": name, "owner_id": owner_id, "variables": variables, "files": files,
                          "environment_id": environment_id, "adopt": adopt}, opts)


class EnvGroupLink(DeclarativeResource, module="render", name="EnvGroupLink"):
    """The full set of services linked to an env group (``pulumi-python:dynamic/render:EnvGroupLink``).

    Inputs: ``env_group_id``, ``service_ids``, ``adopt`` (take over links made elsewhere). Linked
    variables reach a service at its next deploy.
    """

    def __init__(self, resource_name: str, *, env_group_id: pulumi.Input[str],
                 service_ids: pulumi.Input[list], adopt: bool = False,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(EnvGroupLinkProvider(), resource_name,
                         {"env_group_id": env_group_id, "service_ids": service_ids, "adopt": adopt}, opts)
