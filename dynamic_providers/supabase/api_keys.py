"""``ApiKeys``: the project's API keys as secret outputs, plus optional named secret keys.

Reads ``GET api-keys?reveal=true`` (one call on refresh). Outputs the legacy ``anon`` and
``service_role`` JWTs and the ``default`` publishable/secret keys where the project has them; all
of them are secret outputs (the Resource class lists them in ``additional_secret_outputs``).
``secret_key_names`` creates one named secret key per backend service (role ``service_role``), so
each service can be revoked on its own; removing a name deletes that key. Keys not created here
are never deleted.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from pulumi.dynamic import CheckFailure

from ..core.errors import ApiError, is_ambiguous
from ..core.fields import Field, contains_unknown
from ..core.transport import Transport
from . import models
from .base import WAIT_FIELDS, SupabaseProvider, wait_for_project_ready, wait_settings
from .settings import ref_of

_KEY_NAME = re.compile(r"^[a-z_][a-z0-9_]+$")
KEY_OUTPUTS = ("anon_key", "service_role_key", "publishable_key", "secret_key", "secret_keys")


class ApiKeysProvider(SupabaseProvider):
    kind = "Supabase API keys"
    supports_adopt = False
    fields = {
        "project_ref": Field(kind=str, required=True, replace=True, doc="Ref of the Supabase project."),
        "secret_key_names": Field(kind=list, default=[], set_like=True,
                                  doc="Named secret keys to create (4-64 chars, ^[a-z_][a-z0-9_]+$)."),
        **WAIT_FIELDS,
    }
    output_names = KEY_OUTPUTS + ("secret_key_ids",)
    secret_output_names = KEY_OUTPUTS

    def validate(self, inputs):
        names = inputs.get("secret_key_names") or []
        if contains_unknown(names):
            return []
        failures = []
        for name in names:
            if not isinstance(name, str) or not 4 <= len(name) <= 64 or not _KEY_NAME.match(name):
                failures.append(CheckFailure("secret_key_names", f"key name {name!r} must be 4-64 characters "
                                                                 "matching ^[a-z_][a-z0-9_]+$"))
            elif name == "default":
                failures.append(CheckFailure("secret_key_names", "'default' is the platform's own secret key; "
                                                                 "it is already output as secret_key"))
        return failures

    def id_of(self, live: Any) -> str:
        return f"{live['ref']}/api-keys"

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> Any:
        client = self.client(api)
        ref = inputs["project_ref"]
        wait_for_project_ready(client, ref, services=(), **wait_settings(inputs))
        keys = client.list_api_keys(ref)
        keys = self._ensure(client, ref, keys, inputs.get("secret_key_names") or [])
        return {"ref": ref, "keys": keys, "prior": inputs}

    def update_remote(self, api: Transport, id_: str, olds, news, changed) -> Any:
        client = self.client(api)
        ref = ref_of(id_)
        keys = client.list_api_keys(ref)
        wanted = set(news.get("secret_key_names") or [])
        for name in set(olds.get("secret_key_names") or []) - wanted:
            for key in keys:
                if key.type == "secret" and key.name == name and key.id:
                    client.delete_api_key(ref, key.id)
        keys = client.list_api_keys(ref)
        keys = self._ensure(client, ref, keys, sorted(wanted))
        return {"ref": ref, "keys": keys, "prior": news}

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Any:
        ref = ref_of(id_)
        return {"ref": ref, "keys": self.client(api).list_api_keys(ref), "prior": props}

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        client = self.client(api)
        ref = ref_of(id_)
        names = set(props.get("secret_key_names") or [])
        if not names:
            return
        for key in client.list_api_keys(ref):
            if key.type == "secret" and key.name in names and key.id:
                client.delete_api_key(ref, key.id)

    def _ensure(self, client, ref: str, keys: list[models.ApiKey], names) -> list[models.ApiKey]:
        """Creates the missing named secret keys. A create whose response was lost is looked up
        by name before anything else happens, so it never yields two keys of the same name."""
        for name in names:
            if any(k.type == "secret" and k.name == name for k in keys):
                continue
            body = {"type": "secret", "name": name, "description": "Managed by procurement-infra (Pulumi)",
                    "secret_jwt_template": {"role": "service_role"}}
            try:
                client.create_api_key(ref, body)
            except ApiError as exc:
                if not is_ambiguous(exc):
                    raise
                if not any(k.type == "secret" and k.name == name for k in client.list_api_keys(ref)):
                    raise
            keys = client.list_api_keys(ref)
        return keys

    def live_inputs(self, live: Any) -> dict[str, Any]:
        # Only the names this resource manages: keys created by others are not ours to report
        # (an update deletes names that left the list, so reporting others would delete them).
        managed = set(live["prior"].get("secret_key_names") or [])
        present = {k.name for k in live["keys"] if k.type == "secret"}
        return {"secret_key_names": sorted(managed & present)}

    def live_outputs(self, live: Any) -> dict[str, Any]:
        keys: list[models.ApiKey] = live["keys"]

        def find(type_: str, name: str):
            for key in keys:
                if key.type == type_ and key.name == name and key.revealed:
                    return key.api_key
            return None
        managed = set(live["prior"].get("secret_key_names") or [])
        named = {k.name: k for k in keys if k.type == "secret" and k.name in managed}
        return {
            "anon_key": find("legacy", "anon"),
            "service_role_key": find("legacy", "service_role"),
            "publishable_key": find("publishable", "default"),
            "secret_key": find("secret", "default"),
            "secret_keys": {n: k.api_key for n, k in sorted(named.items()) if k.revealed},
            "secret_key_ids": {n: k.id for n, k in sorted(named.items()) if k.id},
        }
