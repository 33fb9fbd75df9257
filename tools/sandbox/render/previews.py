"""Render service previews: ``POST /services/{id}/preview`` runs another image of an image-backed service as a
service of its own (the spec's "preview-service" operation; nothing of it was recorded).

From the spec: only image-backed services can be previewed through the API; ``imagePath`` is a full URL or a
path relative to the base service's image, "the path must match (only the tag or SHA can vary)"; the preview
uses the base service's settings except ``name`` and ``plan`` when given; the answer is ``200 serviceAndDeploy``;
``serviceDetails.parentServer`` names the base; ``GET /services?includePreviews=false`` leaves previews out.
The sandbox copies the base's service details (without its disk: a disk belongs to one service), env vars,
secret files and env group links ("same env"), and deploys the preview at once, so a web service's preview
serves traffic like any web service (``GET /_sandbox/traffic/{previewId}``). Unrecorded: the generated name
(here ``<base name>-<tag or digest>``) and what deleting the base does to its previews (nothing, here).
"""

from __future__ import annotations

import copy

from ..clock import now_iso
from ..ids import render_id
from ..routing import BadRequest, RouteTable
from ..server import Call
from .common import public, service_or_404
from .deploys import start_deploy
from .services import DASHBOARD_KIND, new_slug, taken_slugs

routes = RouteTable()

PREVIEW_TYPES = ("web_service", "private_service", "background_worker")  # image-backed and with parentServer


def split_ref(ref: str) -> tuple[str, str, str]:
    """``(repository, separator, tag or digest)`` of an image ref; the separator is ``@`` or ``:`` ("" for none)."""
    if "@" in ref:
        repository, _, version = ref.partition("@")
        return repository, "@", version
    head, colon, tag = ref.rpartition(":")
    if colon and "/" not in tag:
        return head, ":", tag
    return ref, "", ""


def preview_ref(base_ref: str, wanted: str) -> str:
    """The full image ref of a preview: ``wanted`` is the base's repository (or a trailing part of it) with
    another tag or digest."""
    base_repository, _, _ = split_ref(base_ref)
    repository, separator, version = split_ref(wanted)
    if not separator:
        raise BadRequest(f"imagePath {wanted!r} names no tag or digest; give {base_repository}:<tag> or @<sha>")
    if repository != base_repository and not base_repository.endswith("/" + repository):
        raise BadRequest(f"imagePath {wanted!r} is not the base service's image {base_repository}: a preview may "
                         f"change only the tag or digest")
    return f"{base_repository}{separator}{version}"


@routes.post("/services/{serviceId}/preview")
def create_preview(call: Call):
    base = service_or_404(call)
    if "imagePath" not in base:
        raise BadRequest("previews of Git-backed services cannot be created through the API (image-backed only)")
    if base["type"] not in PREVIEW_TYPES:
        raise BadRequest(f"a {base['type']} cannot be previewed")
    body = call.body
    ref = preview_ref(base["imagePath"], body["imagePath"])
    name = body.get("name") or f"{base['name']}-{split_ref(ref)[2]}"
    sid, now, slug = render_id("srv"), now_iso(), new_slug(base["type"], name, taken_slugs(call.store))
    details = copy.deepcopy(base["serviceDetails"])
    details.pop("disk", None)
    details["parentServer"] = {"id": base["id"], "name": base["name"]}
    details["sshAddress"] = f"{sid}@ssh.{details['region']}.render.com"
    if base["type"] == "web_service":
        details["url"] = f"https://{slug}.onrender.com"
    elif "url" in details:  # a private service's internal address
        details["url"] = f"{slug}:{details['url'].rpartition(':')[2]}"
    if body.get("plan"):
        details["plan"] = body["plan"]
    preview = {**copy.deepcopy({k: v for k, v in base.items() if not k.startswith("_")}),
               "id": sid, "name": name, "slug": slug, "imagePath": ref, "createdAt": now, "updatedAt": now,
               "dashboardUrl": f"https://dashboard.render.com/{DASHBOARD_KIND[base['type']]}/{sid}",
               "suspended": "not_suspended", "suspenders": [], "serviceDetails": details}
    store = call.store
    store["services"][sid] = preview
    for collection in ("env_vars", "secret_files"):
        store[collection][sid] = dict(store[collection].get(base["id"]) or {})
    for group in store["env_groups"].values():
        if base["id"] in group["_serviceIds"]:
            group["_serviceIds"].append(sid)
    if preview.get("environmentId") in store["environments"]:
        store["environments"][preview["environmentId"]]["serviceIds"].append(sid)
    deploy = start_deploy(call, preview, trigger="api")
    return 200, {"service": public(preview), "deployId": deploy["id"]}
