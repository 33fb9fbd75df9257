"""How a Render deploy is waited for: the first check soon, then backoff with jitter (issue 16).

The transport is a stand-in answering the deploy's statuses in order; sleeps are recorded, not slept.
"""
from __future__ import annotations

import pytest

from dynamic_providers.render.api import DeployTimeoutError, wait_for_deploy
from dynamic_providers.render.deploys import DeployProvider
from dynamic_providers.render.models import Deploy


class Statuses:
    """GET /services/{id}/deploys/{deploy}: the next status of the script each time (the last one repeats)."""

    def __init__(self, *statuses: str) -> None:
        self.statuses = list(statuses)
        self.gets = 0

    def get(self, path: str, params=None):
        self.gets += 1
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return {"id": path.rsplit("/", 1)[1], "status": status}


def test_the_first_check_comes_within_half_a_second_then_the_pauses_double():
    api, sleeps = Statuses("build_in_progress", "update_in_progress", "update_in_progress", "live"), []
    ours, went_live = wait_for_deploy(api, "srv-1", Deploy(id="dep-1", status="created"), timeout=600,
                                      max_poll=15, sleep=sleeps.append, rng=lambda: 1.0)
    assert went_live.status == "live" and ours.id == "dep-1" and api.gets == 4
    assert sleeps == [0.5, 1, 2, 4]


def test_the_provider_no_longer_waits_two_seconds_before_its_first_check():
    # The old fixed first wait was 2 s per deploy; now it is the polling helper's first step.
    assert DeployProvider().first_poll <= 0.5


def test_a_finished_deploy_is_not_polled_at_all():
    api, sleeps = Statuses(), []
    wait_for_deploy(api, "srv-1", Deploy(id="dep-1", status="live"), timeout=600, sleep=sleeps.append)
    assert api.gets == 0 and sleeps == []


def test_the_wait_ends_at_its_timeout_naming_the_deploy():
    api = Statuses("update_in_progress")
    with pytest.raises(DeployTimeoutError, match=r"Render deploy dep-1 of service srv-1 still 'update_in_progress'"):
        wait_for_deploy(api, "srv-1", Deploy(id="dep-1", status="created"), timeout=0.05, sleep=lambda s: None)
