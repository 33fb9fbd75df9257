"""Supabase billing add-ons: compute size (with a RESIZING transition), PITR, IPv4, custom domain.

``GET .../billing/addons`` in the recorded shape; ``PATCH`` selects a variant (a new compute size restarts the
project's Postgres through ``RESIZING``); ``DELETE`` of compute rolls back to the previous size; PITR needs at
least Small. Writes need an ``ACTIVE_HEALTHY`` project. Each behaviour and its evidence (or "stricter"):
tools/sandbox/README.md, "Fidelity: Supabase".
"""

from __future__ import annotations

import logging
import threading

from ..routing import BadRequest, RouteTable
from ..server import Call, Reply
from .common import active_project, epoch, project_or_404

routes = RouteTable()
log = logging.getLogger("tools.sandbox.supabase")

# Compute sizes: (size, name, CPU cores, dedicated CPU, memory GB, direct connections, pooler connections,
# USD per hour), in the order the API lists them.
COMPUTE = (
    ("micro", "Micro", 2, False, 1, 60, 200, 0.01344), ("small", "Small", 2, False, 2, 90, 400, 0.0206),
    ("medium", "Medium", 2, False, 4, 120, 600, 0.0822), ("large", "Large", 2, True, 8, 160, 800, 0.1517),
    ("xlarge", "XL", 4, True, 16, 240, 1000, 0.2877), ("2xlarge", "2XL", 8, True, 32, 380, 1500, 0.562),
    ("4xlarge", "4XL", 16, True, 64, 480, 3000, 1.32), ("8xlarge", "8XL", 32, True, 128, 490, 6000, 2.562),
    ("12xlarge", "12XL", 48, True, 192, 500, 9000, 3.836), ("16xlarge", "16XL", 64, True, 256, 500, 12000, 5.12),
    ("24xlarge", "24XL", 96, True, 384, 750, 18000, 9.73),
    ("24xlarge_optimized_cpu", "24XL_OPTIMIZED_CPU", 96, True, 192, 750, 18000, 8.9),
    ("24xlarge_optimized_memory", "24XL_OPTIMIZED_MEMORY", 96, True, 768, 750, 18000, 13.84),
    ("24xlarge_high_memory", "24XL_HIGH_MEMORY", 96, True, 1536, 750, 18000, 21.92),
    ("48xlarge", "48XL", 192, True, 768, 1500, 36000, 19.47),
    ("48xlarge_optimized_cpu", "48XL_OPTIMIZED_CPU", 192, True, 384, 1500, 36000, 17.8),
    ("48xlarge_optimized_memory", "48XL_OPTIMIZED_MEMORY", 192, True, 1536, 1500, 36000, 27.68),
    ("48xlarge_high_memory", "48XL_HIGH_MEMORY", 96, True, 3072, 1500, 36000, 43.84),
)
SIZES = [c[0] for c in COMPUTE]
PITR_DAYS = (7, 14, 28)
PITR_MINIMUM_SIZE = "small"


def _monthly(amount: float) -> dict:
    return {"description": f"${amount:g}/month", "amount": amount, "interval": "monthly", "type": "fixed"}


def _hourly(amount: float, description: str) -> dict:
    return {"description": description, "amount": amount, "interval": "hourly", "type": "usage"}


def _compute_variant(size: str, name: str, cores: int, dedicated: bool, memory: int, direct: int, pooled: int,
                     hourly: float) -> dict:
    return {"id": f"ci_{size}", "name": name,
            "meta": {"cpu_cores": cores, "cpu_dedicated": dedicated, "memory_gb": memory,
                     "connections_direct": direct, "connections_pooler": pooled},
            "price": {"description": f"${hourly:g}/hour (~${round(hourly * 730):g}/month)", "amount": hourly,
                      "interval": "hourly", "type": "usage"}}


# type -> (name, [variants]), in the recorded order.
CATALOG: dict[str, tuple[str, list[dict]]] = {
    "custom_domain": ("Custom Domain", [{"id": "cd_default", "name": "Custom Domain", "price": _monthly(10)}]),
    "compute_instance": ("Compute Instance", [_compute_variant(*c) for c in COMPUTE]),
    "pitr": ("Point-In-Time-Recovery", [{"id": f"pitr_{d}", "name": f"{d} days", "price": _monthly(100 * d // 7),
                                         "meta": {"backup_duration_days": d}} for d in PITR_DAYS]),
    "ipv4": ("IPv4", [{"id": "ipv4_default", "name": "IPv4", "price": _monthly(4)}]),
    # Listed as recorded; the spec's PATCH/DELETE variants do not include them, so they cannot be applied here.
    "auth_mfa_phone": ("Advanced MFA - Phone", [{"id": "auth_mfa_phone_default", "name": "Advanced MFA - Phone",
                                                 "price": _hourly(0.1027, "$75/month, then $10/month")}]),
    "auth_mfa_web_authn": ("Advanced MFA - WebAuthn", [{"id": "auth_mfa_web_authn_default",
                                                        "name": "Advanced MFA - WebAuthn",
                                                        "price": _hourly(0.1027, "$75/month, then $10/month")}]),
    "log_drain": ("Log Drain", [{"id": "log_drain_default", "name": "Log Drain",
                                 "price": _hourly(0.0822, "$60/month")}]),
}
VARIANTS = {v["id"]: (kind, v) for kind, (_name, variants) in CATALOG.items() for v in variants}


def instance_size(project: dict) -> str:
    return project.get("_instance_size") or "micro"


def selected(project: dict) -> dict[str, str]:
    """type -> variant id of the project's add-ons (compute from its size; nano means none)."""
    chosen = dict(project.get("_addons") or {})
    size = instance_size(project)
    if size != "nano":
        chosen["compute_instance"] = f"ci_{size}"
    return chosen


@routes.get("/v1/projects/{ref}/billing/addons")
def list_addons(call: Call) -> Reply:
    project = project_or_404(call)
    picked = selected(project)
    order = list(CATALOG)
    return 200, {
        "selected_addons": [{"type": kind, "variant": VARIANTS[variant][1]}
                            for kind, variant in sorted(picked.items(), key=lambda kv: order.index(kv[0]))],
        "available_addons": [{"name": name, "type": kind, "variants": variants}
                             for kind, (name, variants) in CATALOG.items()],
    }


@routes.patch("/v1/projects/{ref}/billing/addons")
def apply_addon(call: Call) -> Reply:
    project = active_project(call)
    kind, variant = call.body["addon_type"], call.body["addon_variant"]
    if variant not in VARIANTS or VARIANTS[variant][0] != kind:
        raise BadRequest(f"Addon variant {variant} is not a variant of addon type {kind}")
    addons = project.setdefault("_addons", {})
    if kind == "compute_instance":
        size = variant[len("ci_"):]
        if "pitr" in addons and _below(size, PITR_MINIMUM_SIZE):
            raise BadRequest(f"Point-in-Time Recovery requires at least the {PITR_MINIMUM_SIZE} compute size; "
                             f"remove the {addons['pitr']} addon first")
        if size != instance_size(project):
            project["_previous_sizes"] = [*project.get("_previous_sizes", []), instance_size(project)]
            _resize(call, project, size)
    elif kind == "pitr" and _below(instance_size(project), PITR_MINIMUM_SIZE):
        raise BadRequest(f"Point-in-Time Recovery requires at least the {PITR_MINIMUM_SIZE} compute size "
                         f"(the project runs {instance_size(project)})")
    else:
        addons[kind] = variant
    _sync_backups(call, project)
    return Reply(200, empty=True)


@routes.delete("/v1/projects/{ref}/billing/addons/{addon_variant}")
def remove_addon(call: Call) -> Reply:
    project = active_project(call)
    variant = call.params["addon_variant"]
    kind = VARIANTS[variant][0] if variant in VARIANTS else None
    if kind is None or selected(project).get(kind) != variant:
        raise BadRequest(f"Addon variant {variant} is not applied to project {project['ref']}")
    if kind == "compute_instance":
        history = project.get("_previous_sizes") or []
        if not history:
            raise BadRequest(f"The compute instance of project {project['ref']} has no previous size to roll back to")
        previous = history[-1]
        if "pitr" in (project.get("_addons") or {}) and _below(previous, PITR_MINIMUM_SIZE):
            raise BadRequest(f"Point-in-Time Recovery requires at least the {PITR_MINIMUM_SIZE} compute size")
        project["_previous_sizes"] = history[:-1]
        _resize(call, project, previous)
    else:
        del project["_addons"][kind]
    _sync_backups(call, project)
    return Reply(200, empty=True)


def _below(size: str, minimum: str) -> bool:
    return size == "nano" or (size in SIZES and SIZES.index(size) < SIZES.index(minimum))


def _sync_backups(call: Call, project: dict) -> None:
    backups = call.store["backups"].setdefault(project["ref"], {})
    backups["pitr_enabled"] = "pitr" in (project.get("_addons") or {})


def _resize(call: Call, project: dict, size: str) -> None:
    """RESIZING until the delay passed and the project's Postgres server was restarted (in the background)."""
    project["_instance_size"] = size
    project["status"] = "RESIZING"
    project["_readyAt"] = epoch() + float(call.server.settings["resize_delay"])
    instance = call.server.databases.get(project["ref"])
    if instance is None:
        return
    done = threading.Event()
    call.server.resizes[project["ref"]] = done

    def restart() -> None:
        try:
            instance.stop()
            if call.server.databases.get(project["ref"]) is instance:  # not deleted or shut down meanwhile
                instance.start()
        except Exception:
            if not call.server._stopping.is_set():
                log.exception("restarting the database of %s after a resize failed", project["ref"])
        finally:
            done.set()

    threading.Thread(target=restart, name=f"sandbox-resize-{project['ref']}", daemon=True).start()
