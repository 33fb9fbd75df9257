"""Registry credentials: how Render pulls private images.

The registry token is read from an environment variable at call time (``auth_token_env``, e.g.
``REGISTRY_PULL_TOKEN``, which the stack's ESC environment exports); inputs and state hold only its
``auth_token_fingerprint``. Render never returns the token, so drift in it cannot be seen; a rotated
token changes the fingerprint and is re-sent (PATCH takes the full credential). Services pick up a
changed credential at their next deploy.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi

from ..core import DeclarativeResource, Field, Transport
from ..core.fields import no_live_setting
from . import encoders as enc
from .base import RenderProvider
from .models import RegistryCredential as CredentialModel


class RegistryCredentialProvider(RenderProvider):
    kind = "Render registry credential"
    fields = {
        "name": Field(str, required=True),
        "owner_id": Field(str, required=True, replace=True),
        "registry": Field(str, required=True, choices=enc.REGISTRIES),
        "username": Field(str, required=True),
        # The name of the variable, not the token: the token never enters inputs or state.
        "auth_token_env": Field(str, required=True, managed=False),
        "auth_token_fingerprint": Field(str, write_only=True, on_remove=no_live_setting(
            "check() derives it from the token variable; the token itself is what the receiver holds")),  # set by check(), from the variable
    }
    output_names = ()
    env_secrets = {"auth_token_fingerprint": ("auth_token_env", "registry token for Render to pull images with")}

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"'{inputs.get('name')}' (owner {inputs.get('owner_id')})"

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[CredentialModel]:
        for cred in self.client(api).find_registry_credentials(inputs["name"], inputs["owner_id"]):
            if cred.name == inputs["name"]:
                return cred
        return None

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> CredentialModel:
        body = {"registry": inputs["registry"], "name": inputs["name"], "username": inputs["username"],
                "authToken": self.env_secret(inputs, "auth_token_fingerprint"), "ownerId": inputs["owner_id"]}
        return self.client(api).create_registry_credential(body)

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> CredentialModel:
        return self.client(api).get_registry_credential(id_)

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> CredentialModel:
        body = {"registry": news["registry"], "name": news["name"], "username": news["username"],
                "authToken": self.env_secret(news, "auth_token_fingerprint")}  # PATCH takes the full credential
        return self.client(api).update_registry_credential(id_, body)

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        self.client(api).delete_registry_credential(id_)

    def id_of(self, live: CredentialModel) -> str:
        return live.id

    def live_inputs(self, live: CredentialModel) -> dict[str, Any]:
        observed = {"name": live.name, "registry": live.registry, "username": live.username}
        return {k: v for k, v in observed.items() if v is not None}


class RegistryCredential(DeclarativeResource, module="render", name="RegistryCredential"):
    """A container-registry credential (``pulumi-python:dynamic/render:RegistryCredential``).

    Inputs: ``name``, ``owner_id``, ``registry`` (GITHUB|GITLAB|DOCKER|GOOGLE_ARTIFACT|AWS_ECR),
    ``username``, ``auth_token_env`` (the environment variable holding the token, read at call time),
    ``adopt``. Output ``auth_token_fingerprint`` changes when the token is rotated. The resource id is
    the credential id (``rgc-...``).
    """

    auth_token_fingerprint: pulumi.Output[Optional[str]]

    def __init__(self, resource_name: str, *, name: pulumi.Input[str], owner_id: pulumi.Input[str],
                 registry: pulumi.Input[str], username: pulumi.Input[str], auth_token_env: str,
                 adopt: bool = False, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(RegistryCredentialProvider(), resource_name,
                         {"name": name, "owner_id": owner_id, "registry": registry, "username": username,
                          "auth_token_env": auth_token_env, "auth_token_fingerprint": None, "adopt": adopt},
                         opts)
