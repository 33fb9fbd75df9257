"""A client sending requests to a service's traffic without pause: what the release tests and the release
benchmark count failed requests with (sandbox traffic: ``tools/sandbox/render/traffic.py``)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import requests

from .testing import wait_for


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
        self.failed_at: list[float] = []  # time.monotonic() of each failed answer
        self._halt = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        while not self._halt.is_set():
            try:
                answer = session.get(self.target, headers=self.headers, timeout=10)
            except requests.RequestException:
                self._failed("no answer")
            else:
                if answer.status_code == 200:
                    deploy_id = answer.json()["deployId"]
                    if not self.served_by or self.served_by[-1] != deploy_id:
                        self.served_by.append(deploy_id)
                else:
                    self._failed(answer.status_code)
            self.sent += 1

    def _failed(self, what: object) -> None:
        self.failures[what] += 1
        self.failed_at.append(time.monotonic())

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def more(self, count: int = 20) -> None:
        """Wait until ``count`` more requests were answered (so the loop saw the present state)."""
        mark = self.sent
        wait_for(lambda: self.sent >= mark + count, timeout=20, interval=0.01)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=20)
