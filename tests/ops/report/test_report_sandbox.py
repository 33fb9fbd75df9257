"""The report's deploy reader against the Render sandbox: a service whose deploys go live, fail (an image that
cannot be pulled) and are rolled back; the records and the change failure rate match the history, and reading
sent nothing but GETs (the sandbox journal)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dynamic_providers.core.transport import Transport
from dynamic_providers.render.client import RenderApi
from ops.readings.stack import StackReading
from ops.report import collect, measures
from ops.report.records import Window
from tools.sandbox.testing import wait_for

FINAL = ("live", "update_failed", "build_failed", "pre_deploy_failed", "canceled", "deactivated")


def settle(api, sid, deploy_id) -> None:
    wait_for(lambda: api.get(f"/services/{sid}/deploys/{deploy_id}").json()["status"] in FINAL, timeout=30)


@pytest.mark.sandbox_settings(deploy_delay=0.2, render_settings={"unpullable_images": ["ghcr.io/acme/missing*"]})
def test_deploys_that_succeed_fail_and_roll_back_read_back_as_they_happened(sandbox, monkeypatch):
    api, owner = sandbox.render.client(), sandbox.render.owner_id
    created = api.post("/services", json={"type": "web_service", "name": "api", "ownerId": owner,
                                          "image": {"ownerId": owner, "imagePath": "ghcr.io/acme/api:1.0"},
                                          "serviceDetails": {"runtime": "image"}}).json()
    sid, first = created["service"]["id"], created["deployId"]
    settle(api, sid, first)
    ids = [first]
    for image in ("ghcr.io/acme/missing:2.0", "ghcr.io/acme/api:3.0"):
        ids.append(api.post(f"/services/{sid}/deploys", json={"imageUrl": image}).json()["id"])
        settle(api, sid, ids[-1])
    ids.append(api.post(f"/services/{sid}/rollback", json={"deployId": first}).json()["id"])
    settle(api, sid, ids[-1])

    now = datetime.now(timezone.utc)
    sandbox.clear_journal()
    monkeypatch.setattr(collect.apis, "render", lambda config: RenderApi(
        Transport(sandbox.render.base_url, sandbox.render.token, api_name="Render")))
    stack = StackReading("test", {"backend_service_ids": {"api": sid}}, {}, [])
    found, _ = collect.read_deploys(stack, Window(now - timedelta(hours=1), now + timedelta(hours=1)), env={})
    assert sorted((d.id, d.status, d.trigger) for d in found) == sorted([
        (ids[0], "deactivated", "api"), (ids[1], "update_failed", "api"), (ids[2], "deactivated", "api"),
        (ids[3], "live", "rollback")])
    assert {e.method for e in sandbox.journal()} == {"GET"}
    window = Window(now - timedelta(hours=1), now + timedelta(hours=1))
    # Changes: the first, the failed and the third (rolled back); the rollback ships nothing: 2 of 3.
    rate = measures.change_failure_rate(found, window)
    assert rate.value == pytest.approx(100 * 2 / 3) and rate.detail == "1 failed + 1 rolled back of 3 deploys"
    by_id = {d.id: d for d in found}
    times = {b.id: s for b, s, _ in measures.recoveries(found, window)}
    assert times == {ids[1]: (by_id[ids[2]].finished_at - by_id[ids[1]].finished_at).total_seconds(),
                     ids[2]: (by_id[ids[3]].finished_at - by_id[ids[2]].finished_at).total_seconds()}
