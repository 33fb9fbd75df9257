"""Render custom domains on web services and static sites.

Adding an apex domain also adds its ``www.`` twin (and adding ``www.x`` adds the apex ``x``) whose
``redirectForName`` names the domain the user asked for, as the real API does (terraform-provider-render #65).
New domains are ``unverified``; ``POST .../verify`` marks them ``verified`` (there is no real DNS on loopback; an
out-of-band edit can set either status). The DNS target is what Render tells users in its docs: a CNAME to the
service's ``onrender.com`` host (``serviceDetails.url``) for subdomains, an A record to ``APEX_A_RECORD`` for
apex domains; the API itself reports no DNS target.
"""

from __future__ import annotations

from ..clock import now_iso
from ..ids import render_id
from ..routing import BadRequest, Conflict, NotFound, RouteTable
from ..server import Call, Reply
from .common import matches_filters, paginate, public, service_or_404

routes = RouteTable()

APEX_A_RECORD = "216.24.57.1"  # Render's documented load-balancer address for apex domains
MULTI_LABEL_SUFFIXES = ("co.uk", "org.uk", "com.au", "co.nz", "co.jp", "com.br")


def public_suffix(name: str) -> str:
    for suffix in MULTI_LABEL_SUFFIXES:
        if name.endswith("." + suffix):
            return suffix
    return name.rsplit(".", 1)[-1]


def is_apex(name: str) -> bool:
    suffix = public_suffix(name)
    return name.count(".") == suffix.count(".") + 1


def _domain(name: str, redirect_for: str, service_id: str) -> dict:
    return {"id": render_id("cdm"), "name": name, "domainType": "apex" if is_apex(name) else "subdomain",
            "publicSuffix": public_suffix(name), "redirectForName": redirect_for,
            "verificationStatus": "unverified", "createdAt": now_iso(), "_serviceId": service_id}


def _domains_of(call: Call, service_id: str) -> list[dict]:
    return [d for d in call.store["custom_domains"].values() if d["_serviceId"] == service_id]


def _service_with_domains(call: Call) -> dict:
    service = service_or_404(call)
    if service["type"] not in ("web_service", "static_site"):
        raise BadRequest("custom domains are only available for web services and static sites")
    return service


def _find(call: Call, service_id: str) -> dict:
    wanted = call.params["customDomainIdOrName"]
    for domain in _domains_of(call, service_id):
        if wanted in (domain["id"], domain["name"]):
            return domain
    raise NotFound("custom domain not found")


@routes.get("/services/{serviceId}/custom-domains")
def list_domains(call: Call) -> Reply:
    service = _service_with_domains(call)
    filters = {"name": lambda d: d["name"], "domainType": lambda d: d["domainType"],
               "verificationStatus": lambda d: d["verificationStatus"]}
    found = [d for d in _domains_of(call, service["id"]) if matches_filters(d, call, filters)]
    return 200, paginate(call, [(d["id"], public(d)) for d in found], "customDomain")


@routes.post("/services/{serviceId}/custom-domains")
def add_domain(call: Call) -> Reply:
    service = _service_with_domains(call)
    name = call.body["name"].strip().lower().rstrip(".")
    if "." not in name or " " in name:
        raise BadRequest(f"{name!r} is not a valid domain name")
    taken = {d["name"] for d in call.store["custom_domains"].values()}
    if name in taken:
        raise Conflict(f"custom domain {name} is already in use")
    created = [_domain(name, "", service["id"])]
    twin = f"www.{name}" if is_apex(name) else (name[4:] if name.startswith("www.") and is_apex(name[4:]) else None)
    if twin and twin not in taken:
        created.append(_domain(twin, name, service["id"]))
    for domain in created:
        call.store["custom_domains"][domain["id"]] = domain
    return 201, [public(d) for d in created]


@routes.get("/services/{serviceId}/custom-domains/{customDomainIdOrName}")
def get_domain(call: Call) -> Reply:
    return 200, public(_find(call, _service_with_domains(call)["id"]))


@routes.delete("/services/{serviceId}/custom-domains/{customDomainIdOrName}")
def delete_domain(call: Call) -> Reply:
    service = _service_with_domains(call)
    domain = _find(call, service["id"])
    del call.store["custom_domains"][domain["id"]]
    for twin in _domains_of(call, service["id"]):  # the auto-added twin goes with the domain it redirects to
        if twin["redirectForName"] == domain["name"]:
            del call.store["custom_domains"][twin["id"]]
    return Reply(204, empty=True)


@routes.post("/services/{serviceId}/custom-domains/{customDomainIdOrName}/verify")
def verify_domain(call: Call) -> Reply:
    domain = _find(call, _service_with_domains(call)["id"])
    domain["verificationStatus"] = "verified"
    return Reply(202, empty=True)
