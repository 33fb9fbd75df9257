"""A change that needs a deploy is never lost (dynamic_providers/render/owed_deploys.py), and an
interrupted Deploy is taken over, never made twice (Deploy ``adopt`` + ``adopt_after``).

The engine keeps the old state when an update fails; a refresh then reads the written values back.
So the tests fail the deploy after the write, refresh (what `up --refresh` and the drift job do),
and check that the preview still shows a change and the next update deploys, exactly once.
"""
from __future__ import annotations

import pytest

from dynamic_providers.core import ServerError
from dynamic_providers.render.deploys import DeployProvider
from dynamic_providers.render.service_env import EnvVarsProvider
from dynamic_providers.render.services import ServiceProvider

from render_harness import Driver, configured, render_requests
from tools.sandbox.testing import wait_for

DIGEST = {n: "sha256:" + str(n) * 64 for n in range(1, 4)}
IMAGE = "ghcr.io/acme/api"


def deploy_posts(sandbox) -> int:
    """Deploy requests Render accepted: 201 (started) or 202 (queued behind a running one)."""
    return len([e for e in render_requests(sandbox, "POST", "/services/{serviceId}/deploys")
                if e.status in (201, 202)])


def deploy_by_hand(sandbox, service_id: str, digest: int) -> str:
    """A deploy made outside the provider (like the POST of an interrupted `up`); its id."""
    api = sandbox.render.client()
    before = {d["deploy"]["id"] for d in api.get(f"/services/{service_id}/deploys").json()}
    answer = api.post(f"/services/{service_id}/deploys", json={"imageUrl": f"{IMAGE}@{DIGEST[digest]}"})
    assert answer.status_code in (201, 202), answer.text
    return next(d["deploy"]["id"] for d in api.get(f"/services/{service_id}/deploys").json()
                if d["deploy"]["id"] not in before)


def site(sandbox, build: str) -> dict:
    return {"name": "app", "owner_id": sandbox.render.owner_id, "service_type": "static_site",
            "repo": "https://github.com/acme/app", "branch": "main", "build_command": build, "publish_path": "dist"}


def failing_deploys(sandbox):
    sandbox.render.add_fault("error", status=503, method="POST", path="/v1/services/{id}/deploys", count=None)


@pytest.fixture
def service(sandbox):
    d = Driver(configured(ServiceProvider, sandbox))
    d.up({"name": "api", "owner_id": sandbox.render.owner_id, "service_type": "web_service", "image": IMAGE,
          "image_digest": DIGEST[1]})
    return d


@pytest.mark.parametrize("refresh", [False, True], ids=["up", "up --refresh"])
def test_env_var_change_whose_deploy_failed_is_deployed_by_the_next_up(sandbox, service, refresh):
    d = Driver(configured(EnvVarsProvider, sandbox))
    d.up({"service_id": service.id, "variables": {"A": "1"}})
    failing_deploys(sandbox)
    with pytest.raises(ServerError):
        d.up({"service_id": service.id, "variables": {"A": "2"}})  # written, deploy refused
    # The driver, like the engine, keeps the old state of the failed update.
    assert sandbox.render.store.data["env_vars"][service.id] == {"A": "2"}
    sandbox.render.faults.clear()
    if refresh:
        d.refresh()
        assert d.inputs["variables"] == {"A": "2"}  # the write is visible, the owed deploy is not forgotten
    assert d.preview({"service_id": service.id, "variables": {"A": "2"}}).changes is True
    sandbox.render.journal.clear()
    d.up({"service_id": service.id, "variables": {"A": "2"}})
    assert deploy_posts(sandbox) == 1
    assert d.preview({"service_id": service.id, "variables": {"A": "2"}}).changes is False
    d.refresh()
    assert d.preview({"service_id": service.id, "variables": {"A": "2"}}).changes is False


def test_static_site_build_change_whose_deploy_failed_is_deployed_by_the_next_up(sandbox):
    d = Driver(configured(ServiceProvider, sandbox))
    d.up(site(sandbox, "npm run build"))
    failing_deploys(sandbox)
    with pytest.raises(ServerError):
        d.up(site(sandbox, "npm ci && npm run build"))
    sandbox.render.faults.clear()
    d.refresh()  # reads the new build command back
    assert d.inputs["build_command"] == "npm ci && npm run build"
    assert d.preview(site(sandbox, "npm ci && npm run build")).changes is True
    sandbox.render.journal.clear()
    d.up(site(sandbox, "npm ci && npm run build"))
    assert deploy_posts(sandbox) == 1
    d.refresh()
    assert d.preview(site(sandbox, "npm ci && npm run build")).changes is False


def test_state_from_before_the_record_owes_nothing(sandbox, service):
    d = Driver(configured(EnvVarsProvider, sandbox))
    d.up({"service_id": service.id, "variables": {"A": "1"}})
    d.outs.pop("deployed_fingerprint")  # as written by the previous version of the provider
    assert d.preview({"service_id": service.id, "variables": {"A": "1"}}).changes is False
    assert d.refresh().outs["deployed_fingerprint"] is None


def test_deploy_on_change_off_tracks_nothing(sandbox, service):
    d = Driver(configured(EnvVarsProvider, sandbox))
    outs = d.up({"service_id": service.id, "variables": {"A": "1"}, "deploy_on_change": False})
    assert outs["deployed_fingerprint"] is None and outs["deploy_id"] is None


# --------------------------------------------------------------------------- Deploy takeover
def deploy_provider(sandbox):
    return configured(DeployProvider, sandbox, first_poll=0.05, max_poll=0.2)


def release(service_id: str, digest: int, **extra) -> dict:
    return {"service_id": service_id, "image_digest": DIGEST[digest], "triggers": {"v": "1"}, **extra}


def deploys(sandbox, service_id: str) -> list[dict]:
    return sorted((d for d in sandbox.render.store.data["deploys"].values() if d["_serviceId"] == service_id),
                  key=lambda d: d["createdAt"])


def test_adopt_after_takes_over_the_deploy_an_interrupted_up_made(sandbox, service):
    known = deploys(sandbox, service.id)[-1]["id"]  # the service's first deploy: what the state knows
    api = sandbox.render.client()
    wait_for(lambda: api.get(f"/services/{service.id}/deploys/{known}").json()["status"] == "live", timeout=10)
    # The interrupted `up`: its POST went through, then the CLI died before recording the Deploy.
    made = deploy_by_hand(sandbox, service.id, 2)
    d = Driver(deploy_provider(sandbox))
    sandbox.render.journal.clear()
    outs = d.up(release(service.id, 2, adopt=True, adopt_after=[known]))
    assert d.id == made and outs["status"] == "live" and outs["previous_deploy_id"] == known
    assert deploy_posts(sandbox) == 0  # no second deploy of the same change
    # Removing the entry afterwards changes nothing: adopt is not a managed input.
    assert d.preview(release(service.id, 2)).changes is False


def test_adopt_never_takes_a_deploy_a_switch_back_undid(sandbox, service):
    # The interrupted `up` deployed the release, its watch saw it fail and rolled back, then the CLI died: the
    # release is not in effect, so the recovery deploys it again (and its watch decides again).
    known = deploys(sandbox, service.id)[-1]["id"]
    api = sandbox.render.client()
    wait_for(lambda: api.get(f"/services/{service.id}/deploys/{known}").json()["status"] == "live", timeout=10)
    made = deploy_by_hand(sandbox, service.id, 2)
    wait_for(lambda: api.get(f"/services/{service.id}/deploys/{made}").json()["status"] == "live", timeout=10)
    back = api.post(f"/services/{service.id}/rollback", json={"deployId": known})
    assert back.status_code == 201, back.text
    d = Driver(deploy_provider(sandbox))
    d.up(release(service.id, 2, adopt=True, adopt_after=[known]))
    assert d.id not in (made, back.json()["id"]) and len(deploys(sandbox, service.id)) == 4


def test_adopt_after_makes_the_deploy_when_the_interrupted_up_had_not(sandbox, service):
    known = deploys(sandbox, service.id)[-1]["id"]
    d = Driver(deploy_provider(sandbox))
    d.up(release(service.id, 2, adopt=True, adopt_after=[known]))
    assert [x["image"]["ref"].split("@")[1] for x in deploys(sandbox, service.id)] == [DIGEST[1], DIGEST[2]]


def test_adopt_never_takes_a_deploy_the_state_already_knows(sandbox, service):
    # Same image, new triggers (a variable changed): the known deploy of that image is not ours.
    first = Driver(deploy_provider(sandbox))
    first.up(release(service.id, 2))
    d = Driver(deploy_provider(sandbox))
    d.up(release(service.id, 2, triggers={"v": "2"}, adopt=True, adopt_after=[first.id]))
    assert d.id != first.id and len(deploys(sandbox, service.id)) == 3


def test_adopt_without_a_bound_or_with_a_failed_deploy_makes_a_new_one(sandbox, service):
    known = deploys(sandbox, service.id)[-1]["id"]
    failed = deploy_by_hand(sandbox, service.id, 2)
    sandbox.render.edit("deploys", failed, {"status": "build_failed"})
    d = Driver(deploy_provider(sandbox))
    d.up(release(service.id, 2, adopt=True, adopt_after=[known]))
    assert d.id != failed
    unbounded = Driver(deploy_provider(sandbox))
    unbounded.up(release(service.id, 2, triggers={"v": "3"}, adopt=True))
    assert unbounded.id not in (d.id, failed)
