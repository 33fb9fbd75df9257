"""Service: create -> read -> update -> no-op diff -> delete against the sandbox, for every type."""
from __future__ import annotations

import pytest

from dynamic_providers.core import AdoptionRequiredError, UNKNOWN
from dynamic_providers.render.services import ServiceProvider

from render_harness import CheckFailed, Driver, configured, objects, render_requests, request_violations

DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64


def web_image(owner, **extra):
    return {"name": "api", "owner_id": owner, "service_type": "web_service", "image": "ghcr.io/acme/api",
            "image_digest": DIGEST_A, "start_command": "serve", "health_check_path": "/healthz",
            "plan": "starter", "region": "frankfurt", **extra}


TYPES = {
    "web_service": lambda o: web_image(o),
    "private_service": lambda o: {"name": "internal", "owner_id": o, "service_type": "private_service",
                                  "image": "ghcr.io/acme/internal:1", "num_instances": 2},
    "background_worker": lambda o: {"name": "worker", "owner_id": o, "service_type": "background_worker",
                                    "repo": "https://github.com/acme/api", "runtime": "python",
                                    "build_command": "pip install .", "start_command": "celery worker"},
    "cron_job": lambda o: {"name": "nightly", "owner_id": o, "service_type": "cron_job",
                           "image": "ghcr.io/acme/jobs:1", "schedule": "0 3 * * *"},
    "static_site": lambda o: {"name": "web", "owner_id": o, "service_type": "static_site",
                              "repo": "https://github.com/acme/web", "build_command": "npm run build",
                              "publish_path": "dist",
                              "headers": [{"path": "/*", "name": "X-Frame-Options", "value": "DENY"}],
                              "routes": [{"type": "rewrite", "source": "/*", "destination": "/index.html"}]},
}
CHANGES = {
    "web_service": {"health_check_path": "/ready", "num_instances": 2},
    "private_service": {"plan": "standard"},
    "background_worker": {"start_command": "celery worker -c 4"},
    "cron_job": {"schedule": "0 4 * * *"},
    "static_site": {"headers": [{"path": "/*", "name": "X-Frame-Options", "value": "SAMEORIGIN"},
                                {"path": "/*", "name": "X-Content-Type-Options", "value": "nosniff"}],
                    "routes": [{"type": "redirect", "source": "/old", "destination": "/new"},
                               {"type": "rewrite", "source": "/*", "destination": "/index.html"}]},
}


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_full_lifecycle_per_type(sandbox, kind):
    owner = sandbox.render.owner_id
    d = Driver(configured(ServiceProvider, sandbox))
    spec = TYPES[kind](owner)
    outs = d.up(spec)
    assert d.id in objects(sandbox, "services")
    assert outs["slug"] and outs["dashboard_url"]
    if kind in ("web_service", "static_site"):
        assert outs["url"].startswith("https://") and outs["host"].endswith(".onrender.com")

    read = d.refresh()
    assert read.id == d.id
    assert d.preview(spec).changes is False, "refresh must leave no diff noise"

    changed = {**spec, **CHANGES[kind]}
    assert d.preview(changed).changes is True
    d.up(changed)
    assert d.preview(changed).changes is False
    d.refresh()
    assert d.preview(changed).changes is False
    live = objects(sandbox, "services")[d.id]
    if kind == "cron_job":
        assert live["serviceDetails"]["schedule"] == "0 4 * * *"
    if kind == "static_site":
        headers = [h for h in objects(sandbox, "headers").values() if h["_serviceId"] == d.id]
        assert sorted(h["value"] for h in headers) == ["SAMEORIGIN", "nosniff"]
        routes = sorted((r for r in objects(sandbox, "routes").values() if r["_serviceId"] == d.id),
                        key=lambda r: r["priority"])
        assert [r["source"] for r in routes] == ["/old", "/*"]
        # an out-of-band header edit is drift: refresh shows it, up restores it
        sandbox.render.edit("headers", headers[0]["id"], {"value": "changed"})
        d.refresh()
        assert d.preview(changed).changes is True
        d.up(changed)
        d.refresh()
        assert d.preview(changed).changes is False
    if kind == "private_service":
        assert live["serviceDetails"]["plan"] == "standard"
    if kind == "web_service":
        assert live["serviceDetails"]["numInstances"] == 2

    d.destroy()
    assert d.id not in objects(sandbox, "services")
    d.destroy()  # 404 on delete is success
    assert request_violations(sandbox) == []


def test_update_patches_only_what_changed_and_deploys_only_when_needed(sandbox):
    owner = sandbox.render.owner_id
    d = Driver(configured(ServiceProvider, sandbox))
    d.up(web_image(owner))
    sandbox.render.journal.clear()

    d.up(web_image(owner, health_check_path="/ready"))  # config only: no deploy
    writes = [(e.method, e.operation) for e in render_requests(sandbox) if e.method != "GET"]
    assert writes == [("PATCH", "/services/{serviceId}")]

    sandbox.render.journal.clear()
    outs = d.up(web_image(owner, health_check_path="/ready", image_digest=DIGEST_B))  # new image: deploy
    writes = [(e.method, e.operation) for e in render_requests(sandbox) if e.method != "GET"]
    assert writes == [("PATCH", "/services/{serviceId}"), ("POST", "/services/{serviceId}/deploys")]
    assert objects(sandbox, "services")[d.id]["imagePath"] == f"ghcr.io/acme/api@{DIGEST_B}"
    assert outs["deploy_id"] and outs["live_image_path"].endswith(DIGEST_B)
    updated = dict(d.outs)
    d.refresh()  # GET /services has no deploy id: the one this resource triggered stays
    assert d.outs == updated
    assert request_violations(sandbox) == []


def test_suspended_service_is_updated_but_never_deployed(sandbox):
    owner = sandbox.render.owner_id
    d = Driver(configured(ServiceProvider, sandbox))
    d.up(web_image(owner, suspended=True))
    assert objects(sandbox, "services")[d.id]["suspended"] == "suspended"
    sandbox.render.journal.clear()
    d.up(web_image(owner, suspended=True, image_digest=DIGEST_B))
    assert render_requests(sandbox, "POST", "/services/{serviceId}/deploys") == []
    assert objects(sandbox, "services")[d.id]["imagePath"].endswith(DIGEST_B)
    d.up(web_image(owner, suspended=False, image_digest=DIGEST_B))
    assert objects(sandbox, "services")[d.id]["suspended"] == "not_suspended"
    assert request_violations(sandbox) == []


def test_refresh_sees_out_of_band_edit_and_up_undoes_it(sandbox):
    owner = sandbox.render.owner_id
    d = Driver(configured(ServiceProvider, sandbox))
    spec = web_image(owner)
    d.up(spec)
    sandbox.render.edit("services", d.id, {"serviceDetails.healthCheckPath": "/hacked", "name": "renamed"})
    d.refresh()
    assert d.outs["health_check_path"] == "/hacked" and d.outs["name"] == "renamed"
    diff = d.preview(spec)
    assert diff.changes is True and diff.replaces == []
    d.up(spec)
    live = objects(sandbox, "services")[d.id]
    assert live["serviceDetails"]["healthCheckPath"] == "/healthz" and live["name"] == "api"
    d.refresh()
    assert d.preview(spec).changes is False


def test_gone_service_reads_as_deleted(sandbox):
    d = Driver(configured(ServiceProvider, sandbox))
    d.up(web_image(sandbox.render.owner_id))
    sandbox.render.store.data["services"].pop(d.id)
    assert d.refresh().id is None


def test_type_and_region_changes_replace_and_unknowns_are_tolerated(sandbox):
    d = Driver(configured(ServiceProvider, sandbox))
    spec = web_image(sandbox.render.owner_id)
    d.up(spec)
    assert d.preview({**spec, "region": "oregon"}).replaces == ["region"]
    assert d.preview({**spec, "region": "oregon"}).delete_before_replace is True
    assert d.preview({**spec, "image_digest": UNKNOWN}).changes is True
    assert d.preview({**spec, "image_digest": UNKNOWN}).replaces == []
    old_id = d.id
    d.up({**spec, "region": "oregon"})
    assert d.id != old_id and list(objects(sandbox, "services")) == [d.id]


def test_existing_service_is_not_taken_over_without_adopt(sandbox):
    owner = sandbox.render.owner_id
    first = Driver(configured(ServiceProvider, sandbox))
    first.up(web_image(owner))
    second = Driver(configured(ServiceProvider, sandbox))
    with pytest.raises(AdoptionRequiredError, match=r"Render service 'api' \(owner .*, type web_service\) "
                                                     r"already exists \(srv-"):
        second.up(web_image(owner))
    second.up(web_image(owner, adopt=True, health_check_path="/adopted"))
    assert second.id == first.id and len(objects(sandbox, "services")) == 1
    assert objects(sandbox, "services")[first.id]["serviceDetails"]["healthCheckPath"] == "/adopted"


def test_check_rejects_bad_input_with_clear_messages(sandbox):
    d = Driver(configured(ServiceProvider, sandbox))
    owner = sandbox.render.owner_id
    with pytest.raises(CheckFailed) as info:
        d.check({"name": "x", "owner_id": owner, "service_type": "cron_job", "image": "a", "headers": []})
    text = str(info.value)
    assert "a cron_job needs a cron 'schedule'" in text and "'headers' is not supported for cron_job" in text
    with pytest.raises(CheckFailed, match="set 'num_instances' or 'autoscaling', not both"):
        d.check(web_image(owner, num_instances=2, autoscaling={"min": 1, "max": 2, "cpu_percent": 60}))
    with pytest.raises(CheckFailed, match="plan 'free' is not available for background_worker"):
        d.check({**TYPES["background_worker"](owner), "plan": "free"})
    with pytest.raises(CheckFailed, match="'service_type' must be one of"):
        d.check({**web_image(owner), "service_type": "lambda"})
    assert render_requests(sandbox) == []  # check never calls the API
