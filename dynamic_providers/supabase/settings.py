"""Typed project settings: ``PostgresConfig``, ``PoolerConfig``, ``NetworkRestrictions``,
``SslEnforcement`` and ``AuthConfig``.

Shared rules (``SettingsProvider``): one object per project and kind, writes wait for health, only declared keys
are managed, a removed key is written back to its ``prior`` value, and delete changes nothing remotely (the API
has no reset, and a guessed default could re-open the database to the world). Details:
dynamic_providers/supabase/README.md, "Semantics worth knowing" (Settings).
"""
from __future__ import annotations

import ipaddress
from typing import Any, ClassVar, Mapping, Optional

from pulumi.dynamic import CheckFailure

from ..core import formats
from ..core.errors import ValidationError
from ..core.fields import Field, contains_unknown, to_prior, warn_on_removal
from ..core.transport import Transport
from . import fields as F
from .api import SupabaseApi
from .base import WAIT_FIELDS, SupabaseProvider, wait_for_project_ready, wait_settings
from .hashing import auth_secret_matches
from .health import wait_until

# Stands in for a secret input whose remote hash no longer matches: the next diff then shows a
# change (the plaintext cannot be recovered), and ``up`` writes the declared value again.
DRIFTED_SECRET = "(changed outside Pulumi)"


def ref_of(id_: str) -> str:
    return id_.split("/", 1)[0]


class SettingsProvider(SupabaseProvider):
    supports_adopt = False  # a setting always exists; there is nothing to adopt or duplicate
    suffix: ClassVar[str] = ""
    required_services: ClassVar[tuple[str, ...]] = ("db",)
    base_fields: ClassVar[dict[str, Field]] = {
        "project_ref": Field(kind=str, required=True, replace=True, doc="Ref of the Supabase project."),
        **WAIT_FIELDS,
    }

    # Subclasses implement fetch (one GET) and write (the idempotent PUT/PATCH/POST).
    def fetch(self, client: SupabaseApi, ref: str) -> Any:
        raise NotImplementedError

    def write(self, client: SupabaseApi, ref: str, inputs: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def settle(self, client: SupabaseApi, ref: str, inputs: Mapping[str, Any], live: Any) -> Any:
        """Waits until a write took effect (for asynchronous settings); returns the live value."""
        return live

    # -- DeclarativeProvider hooks ---------------------------------------------------------
    def id_of(self, live: Any) -> str:
        return f"{live['ref']}/{self.suffix}"

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> Any:
        return self._apply(api, inputs)

    def update_remote(self, api: Transport, id_: str, olds, news, changed) -> Any:
        return self._apply(api, news)

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Any:
        ref = ref_of(id_)
        return {"ref": ref, "value": self.fetch(self.client(api), ref), "prior": props}

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        return None  # see module docstring: no reset API, leave the last applied value

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # No remote call at all (not even building a transport, which needs a token).
        return None

    def _apply(self, api: Transport, inputs: Mapping[str, Any]) -> Any:
        client = self.client(api)
        ref = inputs["project_ref"]
        wait_for_project_ready(client, ref, services=self.required_services, **wait_settings(inputs))
        written = self.write(client, ref, inputs)
        value = self.settle(client, ref, inputs, written)
        return {"ref": ref, "value": value, "prior": inputs}

    def live_before_create(self, api: Transport, inputs: Mapping[str, Any]) -> Any:
        """The setting before our first write: what removing one of its fields restores (``prior``)."""
        client = self.client(api)
        ref = inputs["project_ref"]
        wait_for_project_ready(client, ref, services=self.required_services, **wait_settings(inputs))
        return {"ref": ref, "value": self.fetch(client, ref), "prior": {}}

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def declared(inputs: Mapping[str, Any], names) -> dict[str, Any]:
        return {n: inputs[n] for n in names if inputs.get(n) is not None}

    @staticmethod
    def typed_failures(inputs: Mapping[str, Any], specs: Mapping[str, F.FieldSpec]) -> list[CheckFailure]:
        failures = []
        for name, spec in specs.items():
            value = inputs.get(name)
            if value is None or contains_unknown(value):
                continue
            reason = F.validate(spec, value)
            if reason:
                failures.append(CheckFailure(name, f"'{name}' {reason}"))
        return failures


def _kind(spec: F.FieldSpec) -> type:
    return {"int": int, "bool": bool, "str": str}[spec.kind]


# ================================================================ PostgresConfig
_NO_PG_RESET = ("the Management API has no reset for Postgres parameters and this one had no override before it "
                "was managed (GET lists overrides only)")

class PostgresConfigProvider(SettingsProvider):
    kind = "Supabase Postgres config"
    suffix = "postgres-config"
    required_services = ("db", "pooler")
    fields = {
        **SettingsProvider.base_fields,
        # The API has no reset and lists overrides only (notes/supabase-api.md "Postgres config"): removal
        # restores an override that existed before we managed the config; a parameter that had none
        # cannot go back to the server default, so its removal warns and the value stays.
        **{name: Field(kind=_kind(spec), doc=f"Postgres parameter {name}.", on_remove=to_prior(why=_NO_PG_RESET))
           for name, spec in F.POSTGRES_FIELDS.items()},
        "restart_database": Field(kind=bool, default=False, managed=False,
                                  doc="Restart Postgres when applying (needed by some parameters)."),
    }
    output_names = ("overrides",)

    def validate(self, inputs):
        # No parameter declared is valid: the resource then only watches what it set before, so
        # removing the last parameter goes through diff (restored, or a warning) instead of a
        # delete that cannot reset anything.
        return self.typed_failures(inputs, F.POSTGRES_FIELDS)

    def fetch(self, client, ref):
        return client.get_postgres_config(ref)

    def write(self, client, ref, inputs):
        body = {k: F.normalise(F.POSTGRES_FIELDS[k], v) for k, v in self.declared(inputs, F.POSTGRES_FIELDS).items()}
        if not body:
            return self.fetch(client, ref)  # nothing declared (or left): nothing to write
        if inputs.get("restart_database"):
            body["restart_database"] = True
        return client.put_postgres_config(ref, body)

    def live_inputs(self, live):
        # Absent keys read as None: the API lists overrides only, so a reset shows up as unset.
        return {name: live["value"].get(name) for name in F.POSTGRES_FIELDS}

    def live_outputs(self, live):
        return {"overrides": dict(sorted(live["value"].items()))}


# ================================================================ PoolerConfig
# components.schemas.UpdateSupavisorConfigBody.pool_mode.enum
POOL_MODES = F.POOLER_FIELDS["pool_mode"].choices


class PoolerConfigProvider(SettingsProvider):
    kind = "Supabase pooler config"
    suffix = "pooler-config"
    required_services = ("db", "pooler")
    fields = {
        **SettingsProvider.base_fields,
        # Removal restores the pooler's values from before our first write (GET shows them all).
        "default_pool_size": Field(kind=int, doc="Server connections per user+database pair (0-3000).",
                                   on_remove=to_prior()),
        "pool_mode": Field(kind=str, choices=POOL_MODES, doc="Supavisor pool mode.", on_remove=to_prior()),
    }
    output_names = ("connection_string", "db_host", "db_port", "db_user", "db_name", "max_client_conn")

    def validate(self, inputs):
        failures = self.typed_failures(inputs, F.POOLER_FIELDS)
        if not self.declared(inputs, F.POOLER_FIELDS):
            failures.append(CheckFailure("pool_mode", "declare pool_mode and/or default_pool_size"))
        return failures

    def fetch(self, client, ref):
        from .models import primary_pooler

        primary = primary_pooler(client.get_pooler(ref))
        if primary is None:
            raise RuntimeError(f"Supabase project {ref} reports no primary pooler configuration")
        return primary

    def write(self, client, ref, inputs):
        client.patch_pooler(ref, self.declared(inputs, F.POOLER_FIELDS))
        return self.fetch(client, ref)  # the PATCH reply is partial; one GET gives the full picture

    def live_inputs(self, live):
        value = live["value"]
        return {"default_pool_size": value.default_pool_size, "pool_mode": value.pool_mode}

    def live_outputs(self, live):
        v = live["value"]
        # The connection string carries a "[YOUR-PASSWORD]" placeholder, never the password.
        return {"connection_string": v.connection_string, "db_host": v.db_host, "db_port": v.db_port,
                "db_user": v.db_user, "db_name": v.db_name, "max_client_conn": v.max_client_conn}


# ================================================================ NetworkRestrictions
def canonical_cidr(text: str, version: int) -> str:
    """Canonical text of a CIDR (compressed IPv6, explicit prefix); ValueError with the reason."""
    reason = formats.public_cidr(text)  # the config's rule for database.networkRestrictions
    if reason:
        raise ValueError(f"{text!r} {reason}")
    network = ipaddress.ip_network(text)
    if network.version != version:
        raise ValueError(f"{text!r} is an IPv{network.version} network; list it under "
                         f"{'db_allowed_cidrs' if network.version == 4 else 'db_allowed_cidrs_v6'}")
    return str(network)


class NetworkRestrictionsProvider(SettingsProvider):
    kind = "Supabase network restrictions"
    suffix = "network-restrictions"
    required_services = ("db", "pooler")
    fields = {
        **SettingsProvider.base_fields,
        "db_allowed_cidrs": Field(kind=list, default=[], set_like=True,
                                  doc="IPv4 networks allowed to connect (e.g. 203.0.113.0/24); 0.0.0.0/0 = all."),
        "db_allowed_cidrs_v6": Field(kind=list, default=[], set_like=True,
                                     doc="IPv6 networks allowed to connect; ::/0 = all."),
    }
    output_names = ("status", "entitlement")
    apply_wait_s: ClassVar[float] = 300.0

    def prepare(self, inputs):
        # Canonical text in state, so "2001:DB8::/32" and "2001:db8::/32" never diff.
        for key, version in (("db_allowed_cidrs", 4), ("db_allowed_cidrs_v6", 6)):
            values = inputs.get(key)
            if isinstance(values, list) and not contains_unknown(values):
                try:
                    inputs[key] = sorted({canonical_cidr(v, version) for v in values if isinstance(v, str)})
                except ValueError:
                    pass  # validate() reports it with the field name
        return inputs

    def validate(self, inputs):
        failures = []
        for key, version in (("db_allowed_cidrs", 4), ("db_allowed_cidrs_v6", 6)):
            values = inputs.get(key) or []
            if contains_unknown(values):
                continue
            for value in values:
                if not isinstance(value, str):
                    failures.append(CheckFailure(key, f"'{key}' entries must be strings"))
                    continue
                try:
                    canonical_cidr(value, version)
                except ValueError as exc:
                    failures.append(CheckFailure(key, f"'{key}': {exc}"))
        return failures

    def fetch(self, client, ref):
        return client.get_network_restrictions(ref)

    def write(self, client, ref, inputs):
        return client.apply_network_restrictions(ref, list(inputs.get("db_allowed_cidrs") or []),
                                                 list(inputs.get("db_allowed_cidrs_v6") or []))

    def settle(self, client, ref, inputs, live):
        # "stored" -> "applied" happens asynchronously on the project.
        def reason(value):
            return None if value.status in (None, "applied") else f"status {value.status}"
        if reason(live) is None:
            return live
        settings = wait_settings(inputs)
        return wait_until(lambda: client.get_network_restrictions(ref), reason,
                          timeout_s=min(settings["timeout_s"], self.apply_wait_s), interval_s=settings["interval_s"],
                          what=f"network restrictions of Supabase project {ref} to be applied")

    def live_inputs(self, live):
        value = live["value"]
        return {"db_allowed_cidrs": sorted(_canon_list(value.db_allowed_cidrs)),
                "db_allowed_cidrs_v6": sorted(_canon_list(value.db_allowed_cidrs_v6))}

    def live_outputs(self, live):
        return {"status": live["value"].status, "entitlement": live["value"].entitlement}


def _canon_list(values) -> set[str]:
    out = set()
    for value in values:
        try:
            out.add(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            out.add(value)  # keep what the API said; the diff will show it
    return out


# ================================================================ SslEnforcement
class SslEnforcementProvider(SettingsProvider):
    kind = "Supabase SSL enforcement"
    suffix = "ssl-enforcement"
    required_services = ("db",)
    fields = {
        **SettingsProvider.base_fields,
        "enforced": Field(kind=bool, required=True, doc="Reject non-SSL connections to the database."),
    }
    output_names = ("applied_successfully",)

    def fetch(self, client, ref):
        return client.get_ssl_enforcement(ref)

    def write(self, client, ref, inputs):
        try:
            return client.put_ssl_enforcement(ref, inputs["enforced"])
        except ValidationError as exc:
            if "not allowed to configure ssl" in (exc.api_message or "").lower():
                raise ValidationError(exc.api, exc.method, exc.path, exc.status,
                                      f"{exc.api_message} (this project or plan does not support SSL "
                                      f"enforcement; remove the SslEnforcement resource)") from None
            raise

    def settle(self, client, ref, inputs, live):
        # Applying SSL enforcement restarts Postgres: wait for it to report the new value, then for
        # the database to be healthy again.
        desired = inputs["enforced"]

        def reason(value):
            if value.applied_successfully and value.database == desired:
                return None
            return f"currentConfig.database={value.database}, appliedSuccessfully={value.applied_successfully}"
        settings = wait_settings(inputs)
        if reason(live) is not None:
            live = wait_until(lambda: client.get_ssl_enforcement(ref), reason, what=f"SSL enforcement on {ref}",
                              **settings)
        wait_for_project_ready(client, ref, services=("db",), **settings)
        return live

    def live_inputs(self, live):
        return {"enforced": live["value"].database}

    def live_outputs(self, live):
        return {"applied_successfully": live["value"].applied_successfully}


# ================================================================ AuthConfig
_AUTH_NESTED = ("the auth PATCH cannot clear these keys (a null leaves them) and their earlier values are not kept; "
                "set them to the values you want instead of removing them")
_AUTH_SECRET = ("Supabase returns only a hash of this secret, so the earlier value cannot be restored and the "
                "API cannot clear it")

class AuthConfigProvider(SettingsProvider):
    kind = "Supabase auth config"
    suffix = "auth-config"
    required_services = ("auth",)
    fields = {
        **SettingsProvider.base_fields,
        # Removal restores the value from before our first write (GET returns the whole config).
        **{name: Field(kind=_kind(spec), on_remove=to_prior()) for name, (_key, spec) in F.AUTH_SCALARS.items()},
        "redirect_urls": Field(kind=list, set_like=True, doc="Allowed redirect URLs (uri_allow_list).",
                               on_remove=to_prior()),
        "smtp": Field(kind=dict, doc="SMTP settings: admin_email, host, port, user, sender_name, max_frequency.",
                      on_remove=warn_on_removal(_AUTH_NESTED)),
        "smtp_password": Field(kind=str, secret=True, doc="SMTP password (compared by hash, never read back).",
                               on_remove=warn_on_removal(_AUTH_SECRET)),
        "providers": Field(kind=dict, doc="OAuth providers: {name: {enabled, client_id, url, ...}}.",
                           on_remove=warn_on_removal(_AUTH_NESTED)),
        "provider_secrets": Field(kind=dict, secret=True, doc="OAuth client secrets: {provider name: secret}.",
                                  on_remove=warn_on_removal(_AUTH_SECRET)),
    }

    # ------------------------------------------------------------------ check
    def validate(self, inputs):
        failures = self.typed_failures(inputs, {n: spec for n, (_k, spec) in F.AUTH_SCALARS.items()})
        urls = inputs.get("redirect_urls")
        if isinstance(urls, list) and not contains_unknown(urls):
            for url in urls:
                if not isinstance(url, str) or not url or "," in url:
                    failures.append(CheckFailure("redirect_urls", "'redirect_urls' entries must be non-empty "
                                                                  "strings without commas"))
                    break
        smtp = inputs.get("smtp")
        if isinstance(smtp, dict) and not contains_unknown(smtp):
            for key, value in smtp.items():
                if key == "password":
                    failures.append(CheckFailure("smtp", "put the SMTP password in 'smtp_password' (a secret input)"))
                elif key not in F.SMTP_FIELDS:
                    failures.append(CheckFailure("smtp", f"'smtp' has unknown key {key!r}; known: "
                                                         f"{', '.join(k for k in F.SMTP_FIELDS if k != 'password')}"))
                elif value is not None:
                    reason = F.validate(F.SMTP_FIELDS[key][1], value)
                    if reason:
                        failures.append(CheckFailure("smtp", f"'smtp.{key}' {reason}"))
        providers = inputs.get("providers")
        if isinstance(providers, dict) and not contains_unknown(providers):
            for name, settings in providers.items():
                if name not in F.AUTH_PROVIDERS:
                    failures.append(CheckFailure("providers", f"unknown auth provider {name!r}; known: "
                                                              f"{', '.join(sorted(F.AUTH_PROVIDERS))}"))
                    continue
                if not isinstance(settings, dict):
                    failures.append(CheckFailure("providers", f"'providers.{name}' must be an object"))
                    continue
                for key, value in settings.items():
                    if key == "secret":
                        failures.append(CheckFailure("providers", f"put the {name} client secret in "
                                                                  f"'provider_secrets' (a secret input)"))
                    elif key not in F.AUTH_PROVIDERS[name]:
                        failures.append(CheckFailure("providers", f"'providers.{name}' has unknown key {key!r}; "
                                                                  f"known: {', '.join(k for k in F.AUTH_PROVIDERS[name] if k != 'secret')}"))
                    elif value is not None:
                        reason = F.validate(F.PROVIDER_FIELD_SPECS[key], value)
                        if reason:
                            failures.append(CheckFailure("providers", f"'providers.{name}.{key}' {reason}"))
        secrets = inputs.get("provider_secrets")
        if isinstance(secrets, dict) and not contains_unknown(secrets):
            for name, value in secrets.items():
                if name not in F.AUTH_PROVIDERS or "secret" not in F.AUTH_PROVIDERS[name]:
                    failures.append(CheckFailure("provider_secrets", f"auth provider {name!r} takes no secret"))
                elif not isinstance(value, str):
                    failures.append(CheckFailure("provider_secrets", f"the {name} secret must be a string"))
        if not any(inputs.get(n) is not None for n in self.fields if n not in SettingsProvider.base_fields):
            failures.append(CheckFailure("site_url", "declare at least one auth setting"))
        return failures

    # ------------------------------------------------------------------ API
    def fetch(self, client, ref):
        return client.get_auth_config(ref)

    def write(self, client, ref, inputs):
        return client.patch_auth_config(ref, auth_body(inputs))

    def live_inputs(self, live):
        return observed_auth_inputs(live["ref"], live["value"], live["prior"])


def auth_body(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The PATCH body for every declared auth input (API key names, API value types)."""
    body: dict[str, Any] = {}
    for name, (key, spec) in F.AUTH_SCALARS.items():
        if inputs.get(name) is not None:
            body[key] = F.normalise(spec, inputs[name])
    if inputs.get("redirect_urls") is not None:
        body[F.REDIRECT_URLS_KEY] = ",".join(sorted(inputs["redirect_urls"]))
    for key, value in (inputs.get("smtp") or {}).items():
        if value is not None:
            api_key, spec = F.SMTP_FIELDS[key]
            value = F.normalise(spec, value)
            body[api_key] = str(value) if key == "port" else value  # the API types the port as a string
    if inputs.get("smtp_password") is not None:
        body["smtp_pass"] = inputs["smtp_password"]
    for provider, settings in (inputs.get("providers") or {}).items():
        for key, value in settings.items():
            if value is not None:
                body[F.provider_key(provider, key)] = F.normalise(F.PROVIDER_FIELD_SPECS[key], value)
    for provider, secret in (inputs.get("provider_secrets") or {}).items():
        if secret is not None:
            body[F.provider_key(provider, "secret")] = secret
    return body


def _split_urls(value: Optional[str]) -> list[str]:
    return sorted({part.strip() for part in (value or "").split(",") if part.strip()})


def observed_auth_inputs(ref: str, remote: Mapping[str, Any], prior: Mapping[str, Any]) -> dict[str, Any]:
    """The live auth config in the inputs' shape, for the inputs the user declared (``prior``).

    Hashed secrets: if the API's hash matches the declared plaintext the plaintext is kept (no
    diff); otherwise the value becomes ``DRIFTED_SECRET`` so the next diff shows the change.
    """
    observed: dict[str, Any] = {}
    for name, (key, spec) in F.AUTH_SCALARS.items():
        observed[name] = remote.get(key)
    observed["redirect_urls"] = _split_urls(remote.get(F.REDIRECT_URLS_KEY))
    smtp_prior = prior.get("smtp")
    if isinstance(smtp_prior, dict):
        smtp = {}
        for key in smtp_prior:
            if key in F.SMTP_FIELDS:
                value = remote.get(F.SMTP_FIELDS[key][0])
                if key == "port" and isinstance(value, str) and value.isdigit():
                    value = int(value)
                smtp[key] = value
        observed["smtp"] = smtp
    if prior.get("smtp_password") is not None:
        plain = prior["smtp_password"]
        observed["smtp_password"] = plain if auth_secret_matches(ref, plain, remote.get("smtp_pass")) else DRIFTED_SECRET
    providers_prior = prior.get("providers")
    if isinstance(providers_prior, dict):
        observed["providers"] = {
            provider: {key: remote.get(F.provider_key(provider, key)) for key in settings}
            for provider, settings in providers_prior.items() if isinstance(settings, dict)
        }
    secrets_prior = prior.get("provider_secrets")
    if isinstance(secrets_prior, dict):
        observed["provider_secrets"] = {
            provider: plain if auth_secret_matches(ref, plain, remote.get(F.provider_key(provider, "secret")))
            else DRIFTED_SECRET
            for provider, plain in secrets_prior.items()
        }
    return observed
