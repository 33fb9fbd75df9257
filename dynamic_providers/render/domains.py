"""Custom domains of a web service or static site, with the DNS record Cloudflare must publish.

Render's API does not return DNS targets. Render's docs: a subdomain is a CNAME to the service's
``*.onrender.com`` host; an apex domain is an A record to Render's load balancer ``216.24.57.1``.
Render may add a redirect twin (``www.`` <-> apex) on create; it is reported as ``twin_name`` and
never diffed (the peer provider's "inconsistent result" bug came from diffing it).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi

from ..core import DeclarativeResource, Field, NotFoundError, Transport
from .base import RenderProvider
from .models import CustomDomain as DomainModel

RENDER_APEX_IP = "216.24.57.1"


class CustomDomainProvider(RenderProvider):
    kind = "Render custom domain"
    fields = {
        "service_id": Field(str, required=True, replace=True),
        "name": Field(str, required=True, replace=True),
        "verify": Field(bool, default=True, managed=False),
    }
    output_names = ("domain_type", "verification_status", "redirect_for_name", "twin_name", "dns_record_type",
                    "dns_target")

    def prepare(self, inputs: dict[str, Any]) -> dict[str, Any]:
        if isinstance(inputs.get("name"), str):
            inputs["name"] = inputs["name"].strip().lower().rstrip(".")
        return inputs

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"'{inputs.get('name')}' on service {inputs.get('service_id')}"

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        try:
            found = self.client(api).get_custom_domain(inputs["service_id"], inputs["name"])
        except NotFoundError:
            return None
        return self._live(api, inputs["service_id"], found, {})

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        client = self.client(api)
        domains = client.create_custom_domain(inputs["service_id"], inputs["name"])
        ours = next((d for d in domains if d.name == inputs["name"]), domains[0] if domains else None)
        if ours is None or not ours.id:
            ours = client.get_custom_domain(inputs["service_id"], inputs["name"])
        twin = next((d.name for d in domains if d.name != inputs["name"]), None)
        return self._live(api, inputs["service_id"], ours, {"twin_name": twin})

    def after_create(self, api: Transport, id_: str, live: dict, inputs: Mapping[str, Any]) -> dict:
        if inputs.get("verify", True) and live["domain"].verification_status != "verified":
            client = self.client(api)
            client.verify_custom_domain(inputs["service_id"], live["domain"].id)
            # The outputs must say what verifying did, or the first refresh reports it as a change.
            live["domain"] = client.get_custom_domain(inputs["service_id"], live["domain"].id)
        return live

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> dict:
        domain = self.client(api).get_custom_domain(props["service_id"], id_)
        return self._live(api, props["service_id"], domain, props)

    def update_remote(self, api, id_, olds, news, changed):  # every managed field is create-only
        raise AssertionError(f"custom domains have no updatable fields (changed: {sorted(changed)})")

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        self.client(api).delete_custom_domain(props["service_id"], id_)

    def id_of(self, live: dict) -> str:
        return live["domain"].id

    def live_inputs(self, live: dict) -> dict[str, Any]:
        return {"service_id": live["service_id"], "name": live["domain"].name}

    def live_outputs(self, live: dict) -> dict[str, Any]:
        domain: DomainModel = live["domain"]
        apex = domain.domain_type == "apex"
        return {"domain_type": domain.domain_type, "verification_status": domain.verification_status,
                "redirect_for_name": domain.redirect_for_name, "twin_name": live.get("twin_name"),
                "dns_record_type": "A" if apex else "CNAME",
                "dns_target": RENDER_APEX_IP if apex else live.get("host")}

    def _live(self, api: Transport, service_id: str, domain: DomainModel, prior: Mapping[str, Any]) -> dict:
        host = prior.get("dns_target") if prior.get("dns_record_type") == "CNAME" else None
        if host is None and domain.domain_type != "apex":
            host = self.client(api).get_service(service_id).host  # stable: read once
        return {"service_id": service_id, "domain": domain, "host": host, "twin_name": prior.get("twin_name")}


class CustomDomain(DeclarativeResource, module="render", name="CustomDomain"):
    """A custom domain on a Render service (``pulumi-python:dynamic/render:CustomDomain``).

    Inputs: ``service_id``, ``name``, ``verify`` (ask Render to verify DNS after create; default True),
    ``adopt``. Outputs: ``domain_type`` (apex|subdomain), ``verification_status``, ``redirect_for_name``,
    ``twin_name``, ``dns_record_type`` (CNAME|A) and ``dns_target`` for the Cloudflare record.
    """

    domain_type: pulumi.Output[str]
    verification_status: pulumi.Output[str]
    redirect_for_name: pulumi.Output[Optional[str]]
    twin_name: pulumi.Output[Optional[str]]
    dns_record_type: pulumi.Output[str]
    dns_target: pulumi.Output[str]

    def __init__(self, resource_name: str, *, service_id: pulumi.Input[str], name: pulumi.Input[str],
                 verify: bool = True, adopt: bool = False, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(CustomDomainProvider(), resource_name,
                         {"service_id": service_id, "name": name, "verify": verify, "adopt": adopt}, opts)
