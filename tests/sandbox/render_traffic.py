"""Helpers of the Render traffic tests: a loop of requests counting failed answers, and a live web service."""

import threading
from collections import Counter

import requests

from sandbox.client import SandboxControl
from sandbox.testing import wait_for

OLD, NEW = "ghcr.io/acme/api:1.0", "ghcr.io/acme/api:2.0"
FINAL = ("live", "update_failed", "build_failed", "pre_deploy_failed", "canceled")


class TrafficLoop(threading.Thread):
    """Sends GET requests to one path of a service, one after another, until stopped; counts what came back."""

    def __init__(self, url: str, path: str = "/orders", host: str | None = None):
        """``host``: the ``Host`` header to send (a service's public host, through the traffic gateway)."""
        super().__init__(daemon=True)
        self.target = url + path
        self.headers = {"Host": host} if host else {}
        self.sent = 0
        self.failures = Counter()  # status (or "no answer") -> count
        self.served_by: list[str] = []  # deploy ids of successful answers, each change recorded once
        self._halt = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        while not self._halt.is_set():
            try:
                answer = session.get(self.target, headers=self.headers, timeout=10)
            except requests.RequestException:
                self.failures["no answer"] += 1
            else:
                if answer.status_code == 200:
                    deploy_id = answer.json()["deployId"]
                    if not self.served_by or self.served_by[-1] != deploy_id:
                        self.served_by.append(deploy_id)
                else:
                    self.failures[answer.status_code] += 1
            self.sent += 1

    def more(self, count: int = 20) -> None:
        """Wait until ``count`` more requests were answered (so the loop saw the present state)."""
        mark = self.sent
        wait_for(lambda: self.sent >= mark + count, timeout=20, interval=0.01)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=20)


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


def final_status(sandbox, sid: str, deploy_id: str) -> str:
    api = sandbox.render.client()
    return wait_for(lambda: (s := api.get(f"/services/{sid}/deploys/{deploy_id}").json()["status"]) in FINAL and s,
                    timeout=30)
