"""Render registry credentials. The auth token is stored but never returned, as on the real API."""

from __future__ import annotations

from ..clock import now_iso
from ..ids import render_id
from ..routing import RouteTable
from ..server import Call, Reply
from .common import matches_filters, path_object, public, require_owner

routes = RouteTable()

FILTERS = {"name": lambda c: c["name"], "username": lambda c: c["username"], "type": lambda c: c["registry"],
           "ownerId": lambda c: c["_ownerId"]}


@routes.get("/registrycredentials")
def list_credentials(call: Call) -> Reply:
    # One of the lists Render returns unwrapped and without cursors.
    return 200, [public(c) for c in call.store["registry_credentials"].values() if matches_filters(c, call, FILTERS)]


@routes.post("/registrycredentials")
def create_credential(call: Call) -> Reply:
    body = call.body
    require_owner(call, body["ownerId"])
    credential = {"id": render_id("rgc"), "name": body["name"], "registry": body["registry"],
                  "username": body["username"], "updatedAt": now_iso(), "_authToken": body["authToken"],
                  "_ownerId": body["ownerId"]}
    call.store["registry_credentials"][credential["id"]] = credential
    return 200, public(credential)  # Render answers 200 ("Created") here, not 201


_credential = path_object("registry_credentials", "registryCredentialId", "registry credential")


routes.get_one("/registrycredentials/{registryCredentialId}", _credential, public)


@routes.patch("/registrycredentials/{registryCredentialId}")
def update_credential(call: Call) -> Reply:
    credential = _credential(call)
    body = call.body  # a full replace: registry, name, username and authToken are all required
    credential.update(name=body["name"], registry=body["registry"], username=body["username"],
                      _authToken=body["authToken"], updatedAt=now_iso())
    for service in call.store["services"].values():
        if (service.get("registryCredential") or {}).get("id") == credential["id"]:
            service["registryCredential"]["name"] = credential["name"]
    return 200, public(credential)


@routes.delete("/registrycredentials/{registryCredentialId}")
def delete_credential(call: Call) -> Reply:
    credential = _credential(call)
    del call.store["registry_credentials"][credential["id"]]
    return Reply(204, empty=True)
