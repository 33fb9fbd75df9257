"""Helpers of the Render traffic tests: a live web service and its deploys (the request loop: sandbox.traffic_loop)."""

from tools.sandbox.client import SandboxControl
from tools.sandbox.testing import wait_for

OLD, NEW = "ghcr.io/acme/api:1.0", "ghcr.io/acme/api:2.0"
FINAL = ("live", "update_failed", "build_failed", "pre_deploy_failed", "canceled")


def control(sandbox) -> SandboxControl:
    return SandboxControl(sandbox.render.origin, token=sandbox.control_token)


def web_service(sandbox, health_check_path="/healthz", name="api", **details):
    """A live image-backed web service: (service id, its first deploy id, its traffic URL)."""
    api = sandbox.render.client()
    owner = sandbox.render.owner_id
    body = {"type": "web_service", "name": name, "ownerId": owner, "image": {"ownerId": owner, "imagePath": OLD},
            "serviceDetails": {"runtime": "image", "healthCheckPath": health_check_path, **details}}
    created = api.post("/services", json=body)
    assert created.status_code == 201, created.text
    sid, first = created.json()["service"]["id"], created.json()["deployId"]
    final_status(sandbox, sid, first)
    return sid, first, control(sandbox).traffic(sid)["url"]


def redeployed_web_service(sandbox) -> tuple[str, str, str, str]:
    """A web service as ``web_service`` makes it, then deployed again with NEW, which went live: (service id, first
    deploy id, second deploy id, traffic URL)."""
    sid, first, url = web_service(sandbox)
    second, status = deploy(sandbox, sid)
    assert status == "live"
    return sid, first, second, url


def deploy(sandbox, sid: str, image: str = NEW) -> tuple[str, str]:
    """Deploy ``image`` to the service and wait for the deploy to end: (its id, its final status)."""
    deploy_id = sandbox.render.client().post(f"/services/{sid}/deploys", json={"imageUrl": image}).json()["id"]
    return deploy_id, final_status(sandbox, sid, deploy_id)


def final_status(sandbox, sid: str, deploy_id: str) -> str:
    api = sandbox.render.client()
    return wait_for(lambda: (s := api.get(f"/services/{sid}/deploys/{deploy_id}").json()["status"]) in FINAL and s,
                    timeout=30)
