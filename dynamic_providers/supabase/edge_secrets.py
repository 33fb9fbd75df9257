"""``EdgeFunctionSecrets``: the environment secrets of a project's Edge Functions.

The API never returns a secret's value, only its hex SHA-256 digest, so drift is detected by
digest: refresh compares each remote digest with the digest of the declared plaintext. Only the
declared names are managed; secrets created by others (and the platform's ``SUPABASE_*`` ones)
are left alone. Names removed from the program are deleted on the next ``up``.
"""
from __future__ import annotations

from typing import Any, Mapping

from pulumi.dynamic import CheckFailure

from ..core import formats
from ..core.fields import Field, contains_unknown
from ..core.transport import Transport
from .base import WAIT_FIELDS, SupabaseProvider, wait_for_project_ready, wait_settings
from .hashing import edge_secret_digest
from .settings import DRIFTED_SECRET, ref_of

# CreateSecretBody (/work/shared/specs/supabase/openapi.json): name at most 256 and not SUPABASE_..., value at most
# 24576. Names are read as environment variables by the functions (Deno.env), hence the shared POSIX rule.
MAX_NAME = 256
MAX_VALUE = 24576


class EdgeFunctionSecretsProvider(SupabaseProvider):
    kind = "Supabase Edge Function secrets"
    supports_adopt = False  # upsert semantics: writing a name that exists simply sets it
    fields = {
        "project_ref": Field(kind=str, required=True, replace=True, doc="Ref of the Supabase project."),
        "secrets": Field(kind=dict, required=True, secret_entries=True, doc="{NAME: value} of the managed secrets."),
        **WAIT_FIELDS,
    }
    output_names = ("names",)

    def validate(self, inputs):
        secrets = inputs.get("secrets")
        failures = []
        if not isinstance(secrets, dict) or contains_unknown(secrets):
            return failures
        for name, value in secrets.items():
            if name.upper().startswith("SUPABASE_"):
                failures.append(CheckFailure("secrets", f"secret name {name!r}: names starting with SUPABASE_ "
                                                        "are reserved by the platform"))
            elif len(name) > MAX_NAME or formats.env_var_name(name):
                failures.append(CheckFailure("secrets", f"secret name {name!r} must be a letter or _ followed "
                                                        f"by letters, digits or _ (at most {MAX_NAME})"))
            if not isinstance(value, str):
                failures.append(CheckFailure("secrets", f"the value of {name!r} must be a string"))
            elif len(value) > MAX_VALUE:
                failures.append(CheckFailure("secrets", f"the value of {name!r} exceeds {MAX_VALUE} characters"))
        return failures

    def id_of(self, live: Any) -> str:
        return f"{live['ref']}/edge-function-secrets"

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> Any:
        client = self.client(api)
        ref = inputs["project_ref"]
        wait_for_project_ready(client, ref, services=(), **wait_settings(inputs))
        client.upsert_secrets(ref, inputs["secrets"])
        return self._live(client, ref, inputs)

    def update_remote(self, api: Transport, id_: str, olds, news, changed) -> Any:
        client = self.client(api)
        ref = ref_of(id_)
        wait_for_project_ready(client, ref, services=(), **wait_settings(news))
        if news["secrets"]:
            client.upsert_secrets(ref, news["secrets"])
        removed = set(olds.get("secrets") or {}) - set(news["secrets"])
        if removed:
            client.delete_secrets(ref, removed)
        return self._live(client, ref, news)

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Any:
        return self._live(self.client(api), ref_of(id_), props)

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        names = list(props.get("secrets") or {})
        if names:
            self.client(api).delete_secrets(ref_of(id_), names)

    def _live(self, client, ref: str, prior: Mapping[str, Any]) -> dict[str, Any]:
        digests = {s.name: s.digest for s in client.list_secrets(ref)}
        return {"ref": ref, "digests": digests, "prior": prior}

    def live_inputs(self, live: Any) -> dict[str, Any]:
        declared = live["prior"].get("secrets") or {}
        observed = {}
        for name, plain in declared.items():
            if name not in live["digests"]:
                continue  # deleted out of band: the diff shows it missing
            matches = live["digests"][name] == edge_secret_digest(plain)
            observed[name] = plain if matches else DRIFTED_SECRET
        return {"secrets": observed}

    def live_outputs(self, live: Any) -> dict[str, Any]:
        declared = live["prior"].get("secrets") or {}
        return {"names": sorted(n for n in declared if n in live["digests"])}
