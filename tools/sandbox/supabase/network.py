"""Supabase network restrictions and SSL enforcement.

Applying network restrictions rewrites the project server's ``pg_hba.conf``, so they take real effect: with
``dbAllowedCidrs: ["10.0.0.0/8"]`` a client on 127.0.0.1 can no longer log in as ``postgres``. SSL enforcement
takes real effect too: the servers offer TLS with the sandbox CA's certificate (sandbox.tls) and, enforced,
pg_hba.conf admits the project's roles over TLS only (``hostssl``); the pooler refuses plain text as well.
"""

from __future__ import annotations

import ipaddress
from functools import partial

from ..clock import now_iso
from ..routing import BadRequest, RouteTable
from ..server import Call, Reply
from .common import active_project, settings_of

routes = RouteTable()

ALLOW_ALL = {"dbAllowedCidrs": ["0.0.0.0/0"], "dbAllowedCidrsV6": ["::/0"]}


def _validated(cidrs: list[str], version: int) -> list[str]:
    out = []
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise BadRequest(f"{cidr!r} is not a valid CIDR")
        if network.version != version:
            raise BadRequest(f"{cidr} is not an IPv{version} CIDR")
        out.append(cidr)
    return out


def _response(state: dict) -> dict:
    answer = {"entitlement": "allowed", "config": state["config"], "status": state["status"]}
    for key in ("old_config", "updated_at", "applied_at"):
        if key in state:
            answer[key] = state[key]
    return answer


def _apply(call: Call, state: dict, v4: list[str], v6: list[str]) -> None:
    state["old_config"] = state["config"]
    state["config"] = {"dbAllowedCidrs": v4, "dbAllowedCidrsV6": v6}
    state["status"] = "applied"
    state["updated_at"] = state["applied_at"] = now_iso()
    _write_hba(call)


def _write_hba(call: Call) -> None:
    """The project server's pg_hba.conf from its network restrictions and SSL enforcement (both take effect)."""
    instance = call.server.databases.get(call.params["ref"])
    if instance is not None:
        config = settings_of(call, "network_restrictions")["config"]
        instance.restrict_network(config["dbAllowedCidrs"] + config["dbAllowedCidrsV6"],
                                  ssl_only=bool(settings_of(call, "ssl_enforcement")["database"]))


routes.get_one("/v1/projects/{ref}/network-restrictions", partial(settings_of, collection="network_restrictions"),
               _response)


@routes.post("/v1/projects/{ref}/network-restrictions/apply")
def apply_restrictions(call: Call) -> Reply:
    state = settings_of(call, "network_restrictions")
    body = call.body or {}
    _apply(call, state, _validated(body.get("dbAllowedCidrs") or [], 4),
           _validated(body.get("dbAllowedCidrsV6") or [], 6))
    return 201, {"config": state["config"], "entitlement": "allowed", "status": state["status"]}


@routes.patch("/v1/projects/{ref}/network-restrictions")
def patch_restrictions(call: Call) -> Reply:
    state = settings_of(call, "network_restrictions")
    add, remove = call.body.get("add") or {}, call.body.get("remove") or {}
    v4 = [c for c in state["config"]["dbAllowedCidrs"] if c not in (remove.get("dbAllowedCidrs") or [])]
    v6 = [c for c in state["config"]["dbAllowedCidrsV6"] if c not in (remove.get("dbAllowedCidrsV6") or [])]
    v4 += [c for c in _validated(add.get("dbAllowedCidrs") or [], 4) if c not in v4]
    v6 += [c for c in _validated(add.get("dbAllowedCidrsV6") or [], 6) if c not in v6]
    _apply(call, state, v4, v6)

    def typed(config: dict) -> dict:  # the [Alpha] PATCH answers with typed addresses (recorded)
        return {"dbAllowedCidrs": [{"address": c, "type": "v4"} for c in config["dbAllowedCidrs"]]
                + [{"address": c, "type": "v6"} for c in config["dbAllowedCidrsV6"]]}

    return 200, {"config": typed(state["config"]), "status": "stored", "old_config": typed(state["old_config"]),
                 "updated_at": state["updated_at"], "entitlement": "allowed"}


def new_restrictions() -> dict:
    return {"config": {k: list(v) for k, v in ALLOW_ALL.items()}, "status": "applied"}


def _ssl_view(state: dict) -> dict:
    return {"currentConfig": {"database": state["database"]}, "appliedSuccessfully": True}


routes.get_one("/v1/projects/{ref}/ssl-enforcement", partial(settings_of, collection="ssl_enforcement"), _ssl_view)


@routes.put("/v1/projects/{ref}/ssl-enforcement")
def put_ssl(call: Call) -> Reply:
    state = settings_of(call, "ssl_enforcement")
    active_project(call)
    state["database"] = call.body["requestedConfig"]["database"]
    _write_hba(call)
    return 200, _ssl_view(state)
