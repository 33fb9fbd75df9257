"""Render persistent disks: list/add/get/update/delete (snapshots are not emulated: 501).

The ``disks`` collection is the source of truth; the owning service's ``serviceDetails.disk`` is a copy with the
four keys the real service answer carries (``id``, ``name``, ``sizeGB``, ``mountPath``), re-synced after every
change, so ``GET /services/{id}`` and ``GET /disks/{id}`` always agree. The rules follow Render's docs: one disk
per service, only web services, private services and background workers on a paid plan can have one, and a disk
can only grow.
"""

from __future__ import annotations

from typing import Any

from ..clock import now_iso
from ..ids import render_id
from ..routing import BadRequest, RouteTable
from ..server import Call, Reply
from .common import matches_filters, paginate, path_object, service_or_404

routes = RouteTable()

DISK_TYPES = ("web_service", "private_service", "background_worker")
SERVICE_VIEW_KEYS = ("id", "name", "sizeGB", "mountPath")


def new_disk(store: Any, service: dict, name: str, size_gb: int, mount_path: str) -> dict:
    """Store a disk for ``service`` and mirror it into ``serviceDetails.disk`` (also used by service create)."""
    if service["type"] not in DISK_TYPES:
        raise BadRequest(f"a {service['type']} cannot have a disk")
    if service["serviceDetails"].get("plan") == "free":
        raise BadRequest("disks need a paid instance type; the free plan has none")
    _check_size(size_gb)
    if any(d["serviceId"] == service["id"] for d in store["disks"].values()):
        raise BadRequest(f"service {service['id']} already has a disk")
    now = now_iso()
    disk = {"id": render_id("dsk"), "name": name, "sizeGB": size_gb, "mountPath": mount_path,
            "serviceId": service["id"], "createdAt": now, "updatedAt": now}
    store["disks"][disk["id"]] = disk
    # Set directly rather than via sync_service: on create the service is not stored yet.
    service["serviceDetails"]["disk"] = {k: disk[k] for k in SERVICE_VIEW_KEYS}
    return disk


def sync_service(store: Any, service_id: str) -> None:
    """Rewrite the service's ``serviceDetails.disk`` from the disks collection (absent when it has none)."""
    service = store["services"].get(service_id)
    if service is None:
        return
    disk = next((d for d in store["disks"].values() if d["serviceId"] == service_id), None)
    if disk is None:
        service["serviceDetails"].pop("disk", None)
    else:
        service["serviceDetails"]["disk"] = {k: disk[k] for k in SERVICE_VIEW_KEYS}


def sync_from_service(store: Any, service_id: str) -> None:
    """After an out-of-band edit of ``serviceDetails.disk``, carry its values into the disk record."""
    service = store["services"].get(service_id) or {}
    view = (service.get("serviceDetails") or {}).get("disk")
    disk = store["disks"].get((view or {}).get("id"))
    if disk is not None:
        disk.update({k: view[k] for k in SERVICE_VIEW_KEYS[1:] if k in view})


def delete_service_disks(store: Any, service_id: str) -> None:
    for key in [k for k, d in store["disks"].items() if d["serviceId"] == service_id]:
        del store["disks"][key]


def _check_size(size_gb: Any) -> None:
    if not isinstance(size_gb, int) or size_gb < 1:
        raise BadRequest("sizeGB must be a positive integer")


_disk = path_object("disks", "diskId", "disk")


FILTERS = {"name": lambda d: d["name"], "diskId": lambda d: d["id"], "serviceId": lambda d: d["serviceId"],
           "ownerId": lambda d: d["_ownerId"]}


@routes.get("/disks")
def list_disks(call: Call) -> Reply:
    services = call.store["services"]
    items = []
    for key, disk in call.store["disks"].items():
        probe = {**disk, "_ownerId": (services.get(disk["serviceId"]) or {}).get("ownerId")}
        if matches_filters(probe, call, FILTERS):
            items.append((key, dict(disk)))
    return 200, paginate(call, items, "disk")


@routes.post("/disks")
def add_disk(call: Call) -> Reply:
    body = call.body
    service = service_or_404(call, body["serviceId"])
    return 201, dict(new_disk(call.store, service, body["name"], body["sizeGB"], body["mountPath"]))


routes.get_one("/disks/{diskId}", _disk, dict)


@routes.patch("/disks/{diskId}")
def update_disk(call: Call) -> Reply:
    disk = _disk(call)
    body = call.body or {}
    if "sizeGB" in body:
        _check_size(body["sizeGB"])
        if body["sizeGB"] < disk["sizeGB"]:
            raise BadRequest(f"disk size can only be increased (currently {disk['sizeGB']} GB)")
    for key in ("name", "sizeGB", "mountPath"):
        if key in body:
            disk[key] = body[key]
    disk["updatedAt"] = now_iso()
    sync_service(call.store, disk["serviceId"])
    return 200, dict(disk)


@routes.delete("/disks/{diskId}")
def delete_disk(call: Call) -> Reply:
    disk = _disk(call)
    del call.store["disks"][disk["id"]]
    sync_service(call.store, disk["serviceId"])
    return Reply(204, empty=True)
