"""CustomDomain, EnvGroup, EnvGroupLink, RegistryCredential, Project, Deploy against the sandbox:
create -> read -> update -> no-op diff -> delete, drift, adoption, and every fault kind on create."""
from __future__ import annotations

import time

import pytest

from dynamic_providers.core import AdoptionRequiredError
from dynamic_providers.render.deploys import DeployProvider, ServiceSuspendedError
from dynamic_providers.render.api import DeployFailedError
from dynamic_providers.render.domains import CustomDomainProvider
from dynamic_providers.render.env_groups import EnvGroupLinkProvider, EnvGroupProvider
from dynamic_providers.render.projects import ProjectProvider
from dynamic_providers.render.registry import RegistryCredentialProvider
from dynamic_providers.render.services import ServiceProvider

from render_harness import Driver, configured, objects, render_requests, request_violations

DIGEST_1 = "sha256:" + "1" * 64
DIGEST_2 = "sha256:" + "2" * 64


def make_service(sandbox, name="api", **extra):
    d = Driver(configured(ServiceProvider, sandbox))
    d.up({"name": name, "owner_id": sandbox.render.owner_id, "service_type": "web_service",
          "image": "ghcr.io/acme/api", "image_digest": DIGEST_1, **extra})
    return d


def deploy_provider(sandbox):
    return configured(DeployProvider, sandbox, first_poll=0.05, max_poll=0.2)


# ----------------------------------------------------------------------------- custom domains
def test_custom_domain_lifecycle_reports_dns_for_cloudflare(sandbox):
    svc = make_service(sandbox)
    d = Driver(configured(CustomDomainProvider, sandbox))
    outs = d.up({"service_id": svc.id, "name": "API.Example.com."})
    assert outs["name"] == "api.example.com"
    assert outs["dns_record_type"] == "CNAME" and outs["dns_target"] == svc.outs["host"]
    assert outs["domain_type"] == "subdomain"
    live = objects(sandbox, "custom_domains")[d.id]
    assert live["verificationStatus"] == "verified"  # verify was requested after create
    assert outs["verification_status"] == "verified"  # and read back after it
    created = dict(d.outs)
    d.refresh()
    assert d.outs == created  # a refresh of the unchanged domain changes nothing
    assert d.preview({"service_id": svc.id, "name": "api.example.com"}).changes is False
    assert d.preview({"service_id": svc.id, "name": "www.example.com"}).replaces == ["name"]
    d.destroy()
    assert objects(sandbox, "custom_domains") == {}
    d.destroy()
    assert request_violations(sandbox) == []


def test_apex_domain_reports_a_record_and_its_twin(sandbox):
    svc = make_service(sandbox)
    d = Driver(configured(CustomDomainProvider, sandbox))
    outs = d.up({"service_id": svc.id, "name": "example.com"})
    assert outs["dns_record_type"] == "A" and outs["dns_target"] == "216.24.57.1"
    assert outs["twin_name"] == "www.example.com"
    d.refresh()
    assert d.preview({"service_id": svc.id, "name": "example.com"}).changes is False  # twin never diffed


# ----------------------------------------------------------------------------- env groups + links
def test_env_group_lifecycle_key_by_key(sandbox):
    owner = sandbox.render.owner_id
    d = Driver(configured(EnvGroupProvider, sandbox))
    spec = {"name": "shared", "owner_id": owner, "variables": {"A": "1", "B": "2"}, "files": {"f.txt": "x"}}
    outs = d.up(spec)
    live = objects(sandbox, "env_groups")[d.id]
    assert outs["keys"] == ["A", "B"] and outs["file_names"] == ["f.txt"]
    d.refresh()
    assert d.preview(spec).changes is False
    sandbox.render.journal.clear()
    changed = {**spec, "name": "shared-2", "variables": {"A": "1", "C": "3"}, "files": {}}
    d.up(changed)
    writes = sorted((e.method, e.operation) for e in render_requests(sandbox) if e.method != "GET")
    assert writes == sorted([("PATCH", "/env-groups/{envGroupId}"),
                             ("PUT", "/env-groups/{envGroupId}/env-vars/{envVarKey}"),
                             ("DELETE", "/env-groups/{envGroupId}/env-vars/{envVarKey}"),
                             ("DELETE", "/env-groups/{envGroupId}/secret-files/{secretFileName}")])
    d.refresh()
    assert d.outs["variables"] == {"A": "1", "C": "3"} and d.outs["name"] == "shared-2"
    assert d.preview(changed).changes is False
    d.destroy()
    assert d.id not in objects(sandbox, "env_groups")
    assert live and request_violations(sandbox) == []


def test_env_group_link_owns_the_service_set(sandbox):
    owner = sandbox.render.owner_id
    group = Driver(configured(EnvGroupProvider, sandbox))
    group.up({"name": "shared", "owner_id": owner, "variables": {"A": "1"}})
    s1, s2, s3 = (make_service(sandbox, name) for name in ("a", "b", "c"))
    link = Driver(configured(EnvGroupLinkProvider, sandbox))
    link.up({"env_group_id": group.id, "service_ids": [s1.id, s2.id]})

    def linked():
        return sorted(objects(sandbox, "env_groups")[group.id]["_serviceIds"])

    assert linked() == sorted([s1.id, s2.id])
    assert link.preview({"env_group_id": group.id, "service_ids": [s2.id, s1.id]}).changes is False
    link.up({"env_group_id": group.id, "service_ids": [s2.id, s3.id]})
    assert linked() == sorted([s2.id, s3.id])
    # a link made elsewhere is drift and is removed
    sandbox.render.edit("env_groups", group.id, {"_serviceIds": sorted([s1.id, s2.id, s3.id])})
    link.refresh()
    assert link.preview({"env_group_id": group.id, "service_ids": [s2.id, s3.id]}).changes is True
    link.up({"env_group_id": group.id, "service_ids": [s2.id, s3.id]})
    assert linked() == sorted([s2.id, s3.id])
    link.destroy()
    assert linked() == []


def test_env_group_link_refuses_foreign_links_without_adopt(sandbox):
    group = Driver(configured(EnvGroupProvider, sandbox))
    group.up({"name": "shared", "owner_id": sandbox.render.owner_id})
    s1, s2 = make_service(sandbox, "a"), make_service(sandbox, "b")
    sandbox.render.edit("env_groups", group.id, {"_serviceIds": [s1.id]})
    link = Driver(configured(EnvGroupLinkProvider, sandbox))
    with pytest.raises(AdoptionRequiredError):
        link.up({"env_group_id": group.id, "service_ids": [s2.id]})
    link.up({"env_group_id": group.id, "service_ids": [s2.id], "adopt": True})
    assert objects(sandbox, "env_groups")[group.id]["_serviceIds"] == [s2.id]


# ----------------------------------------------------------------------------- registry credentials
def test_registry_credential_token_from_the_environment_rotation_re_sent(sandbox, monkeypatch):
    owner = sandbox.render.owner_id
    d = Driver(configured(RegistryCredentialProvider, sandbox))
    spec = {"name": "ghcr", "owner_id": owner, "registry": "GITHUB", "username": "bot",
            "auth_token_env": "REGISTRY_PULL_TOKEN"}
    monkeypatch.setenv("REGISTRY_PULL_TOKEN", "tok-1")
    d.up(spec)
    live = objects(sandbox, "registry_credentials")[d.id]
    assert live["username"] == "bot" and live["_authToken"] == "tok-1"
    assert "tok-1" not in repr(d.outs) + repr(d.inputs)  # only its fingerprint is kept
    d.refresh()
    first = d.outs["auth_token_fingerprint"]
    assert first.startswith("sha256:")  # never readable from Render: the last value is kept
    assert d.preview(spec).changes is False
    monkeypatch.delenv("REGISTRY_PULL_TOKEN")  # a preview without credentials: no change either
    assert d.preview(spec).changes is False
    monkeypatch.setenv("REGISTRY_PULL_TOKEN", "tok-2")  # rotated in the environment (ESC)
    assert d.preview(spec).changes is True
    sandbox.render.journal.clear()
    d.up(spec)
    patch = render_requests(sandbox, "PATCH")
    assert len(patch) == 1
    assert objects(sandbox, "registry_credentials")[d.id]["_authToken"] == "tok-2"
    assert d.outs["auth_token_fingerprint"] != first
    d.destroy()
    assert d.id not in objects(sandbox, "registry_credentials")
    assert request_violations(sandbox) == []


# ----------------------------------------------------------------------------- projects
def test_project_lifecycle_with_environments(sandbox):
    owner = sandbox.render.owner_id
    d = Driver(configured(ProjectProvider, sandbox))
    spec = {"name": "procurement", "owner_id": owner,
            "environments": {"staging": {}, "production": {"protected": True}}}
    outs = d.up(spec)
    ids = outs["environment_ids"]
    assert set(ids) == {"staging", "production"}
    assert objects(sandbox, "environments")[ids["production"]]["protectedStatus"] == "protected"
    d.refresh()
    assert d.preview(spec).changes is False
    changed = {**spec, "name": "procurement-2", "environments": {"production": {"protected": True},
                                                                  "preview": {"network_isolation": True}}}
    outs = d.up(changed)
    assert set(outs["environment_ids"]) == {"production", "preview"}
    assert outs["environment_ids"]["production"] == ids["production"]  # kept, not recreated
    assert ids["staging"] not in objects(sandbox, "environments")
    d.refresh()
    assert d.preview(changed).changes is False
    d.destroy()
    assert objects(sandbox, "projects") == {}
    assert request_violations(sandbox) == []


# ----------------------------------------------------------------------------- deploys
def test_deploy_image_digest_waits_live_and_rolls_back(sandbox):
    svc = make_service(sandbox)
    time.sleep(0.3)  # let the service's first deploy go live (sandbox deploy_delay 0.2 s)
    first = Driver(deploy_provider(sandbox))
    outs = first.up({"service_id": svc.id, "image_digest": DIGEST_2})
    assert outs["status"] == "live" and outs["previous_deploy_id"] and outs["live_deploy_id"] == first.id
    assert objects(sandbox, "services")[svc.id]["imagePath"] == f"ghcr.io/acme/api@{DIGEST_2}"
    first.refresh()
    assert first.preview({"service_id": svc.id, "image_digest": DIGEST_2}).changes is False
    assert first.preview({"service_id": svc.id, "image_digest": DIGEST_1}).replaces == ["image_digest"]

    back = Driver(deploy_provider(sandbox))
    outs = back.up({"service_id": svc.id, "rollback_to": first.outs["previous_deploy_id"]})
    assert outs["status"] == "live" and outs["trigger"] == "rollback"
    assert objects(sandbox, "services")[svc.id]["imagePath"].endswith(DIGEST_1)
    n = len(objects(sandbox, "deploys"))
    back.destroy()  # forgetting a deploy changes nothing on Render
    assert len(objects(sandbox, "deploys")) == n
    assert request_violations(sandbox) == []


def test_deploy_refuses_a_suspended_service(sandbox):
    svc = make_service(sandbox, suspended=True)
    with pytest.raises(ServiceSuspendedError, match="is suspended"):
        Driver(deploy_provider(sandbox)).up({"service_id": svc.id, "image_digest": DIGEST_2})
    assert render_requests(sandbox, "POST", "/services/{serviceId}/deploys") == []


@pytest.mark.parametrize("status", ["update_failed", "pre_deploy_failed", "canceled"])
def test_failed_deploy_fails_the_step_naming_the_deploy_and_its_status(sandbox, status):
    svc = make_service(sandbox, pre_deploy_command="./migrate")
    time.sleep(0.3)  # the service's first deploy went live
    sandbox.render.add_fault("deploy_fail", deploy_status=status, method="POST", path="/v1/services/{id}/deploys")
    d = Driver(deploy_provider(sandbox))
    with pytest.raises(DeployFailedError) as info:
        d.up({"service_id": svc.id, "image_digest": DIGEST_2})
    (failed,) = [k for k, v in objects(sandbox, "deploys").items() if v["status"] == status]
    assert f"Render deploy {failed} of service {svc.id} ended '{status}' after " in str(info.value)


@pytest.mark.sandbox_settings(deploy_delay=1.0)
def test_a_queued_deploy_is_ours_and_is_followed_to_live(sandbox):
    from dynamic_providers.core import progress

    svc = make_service(sandbox)  # its first deploy runs for a second: ours must queue behind it
    (running,) = objects(sandbox, "deploys")
    d = Driver(deploy_provider(sandbox))
    with progress.capture() as seen:
        outs = d.up({"service_id": svc.id, "image_digest": DIGEST_2})
    (posted,) = render_requests(sandbox, "POST", "/services/{serviceId}/deploys")
    assert posted.status == 202  # queued, no body: the provider found the deploy it caused
    assert d.id != running and objects(sandbox, "deploys")[d.id]["trigger"] == "api"
    assert outs["status"] == "live" and outs["live_deploy_id"] == d.id
    assert objects(sandbox, "deploys")[running]["status"] == "deactivated"
    statuses = [m for kind, _, m in seen if kind == "status"]
    assert statuses[0] == f"Render deploy {d.id} of service {svc.id}: queued (0s)"
    assert any(": update_in_progress (" in m for m in statuses)


@pytest.mark.sandbox_settings(deploy_delay=1.0)
def test_env_var_change_reports_the_deploy_it_queued_not_the_running_one(sandbox):
    from dynamic_providers.render.service_env import EnvVarsProvider

    svc = make_service(sandbox)
    (running,) = objects(sandbox, "deploys")
    env = Driver(configured(EnvVarsProvider, sandbox))
    outs = env.up({"service_id": svc.id, "variables": {"A": "1"}})
    queued = objects(sandbox, "deploys")[outs["deploy_id"]]
    assert outs["deploy_id"] != running and queued["status"] == "queued"
    assert [e.status for e in render_requests(sandbox, "POST", "/services/{serviceId}/deploys")] == [202]


def test_deploy_wait_surfaces_api_errors(sandbox):
    svc = make_service(sandbox)
    sandbox.render.add_fault("error", method="GET", path="/v1/services/{id}/deploys/{d}", count=None, status=500)
    d = Driver(configured(DeployProvider, sandbox, first_poll=0.05, max_poll=0.1))
    with pytest.raises(Exception, match=r"GET /v1/services/srv-\w+/deploys/dep-\w+ failed \(HTTP 500\)"):
        d.up({"service_id": svc.id, "image_digest": DIGEST_2})


# ----------------------------------------------------------------------------- faults on create, per resource
def _specs(sandbox):
    owner = sandbox.render.owner_id
    svc = make_service(sandbox)
    group = Driver(configured(EnvGroupProvider, sandbox))
    group.up({"name": "g0", "owner_id": owner})
    return {
        "domain": (CustomDomainProvider, {"service_id": svc.id, "name": "app.example.com"},
                   "POST", "/v1/services/{id}/custom-domains", "custom_domains"),
        "env_group": (EnvGroupProvider, {"name": "shared", "owner_id": owner, "variables": {"A": "1"}},
                      "POST", "/v1/env-groups", "env_groups"),
        "registry": (RegistryCredentialProvider, {"name": "ghcr", "owner_id": owner, "registry": "GITHUB",
                                                  "username": "bot", "auth_token_env": "REGISTRY_PULL_TOKEN"},
                     "POST", "/v1/registrycredentials", "registry_credentials"),
        "project": (ProjectProvider, {"name": "procurement", "owner_id": owner, "environments": {"prod": {}}},
                    "POST", "/v1/projects", "projects"),
        "deploy": (DeployProvider, {"service_id": svc.id, "image_digest": DIGEST_2},
                   "POST", "/v1/services/{id}/deploys", "deploys"),
        "link": (EnvGroupLinkProvider, {"env_group_id": group.id, "service_ids": [svc.id]},
                 "POST", "/v1/env-groups/{id}/services/{sid}", None),
    }


@pytest.mark.parametrize("resource", ["domain", "env_group", "registry", "project", "deploy", "link"])
@pytest.mark.parametrize("kind,extra", [("rate_limit", {"retry_after": 1}), ("error", {"status": 503}),
                                        ("reset", {}), ("drop_response", {}), ("slow", {"delay": 2.0})])
def test_create_under_fault_converges_without_duplicate(sandbox, resource, kind, extra, monkeypatch):
    monkeypatch.setenv("REGISTRY_PULL_TOKEN", "t")
    provider_cls, spec, method, path, collection = _specs(sandbox)[resource]
    before = dict(objects(sandbox, collection)) if collection else {}
    kwargs = {"first_poll": 0.05, "max_poll": 0.2} if provider_cls is DeployProvider else {}
    sandbox.render.add_fault(kind, method=method, path=path, count=1, **extra)
    d = Driver(configured(provider_cls, sandbox, **kwargs))
    d.up(spec)
    if collection:
        new = set(objects(sandbox, collection)) - set(before)
        assert new == {d.id}, f"expected exactly the one new object {d.id}, got {sorted(new)}"
    else:
        group = objects(sandbox, "env_groups")[spec["env_group_id"]]
        assert group["_serviceIds"] == spec["service_ids"]
    d.refresh()
    assert d.preview(spec).changes is False
    assert request_violations(sandbox) == []


def test_deploy_superseded_by_a_newer_one_counts_when_the_newer_goes_live(sandbox):
    from dynamic_providers.render.api import trigger_deploy, wait_for_deploy
    from dynamic_providers.render.models import Deploy as DeployModel

    svc = make_service(sandbox)
    api = deploy_provider(sandbox).transport()
    time.sleep(0.3)  # the service's first deploy went live
    ours = trigger_deploy(api, svc.id)
    time.sleep(0.3)  # ours went live too
    newer = trigger_deploy(api, svc.id)  # e.g. triggered by an env-var change after ours
    time.sleep(0.3)
    api.get(f"/services/{svc.id}/deploys")  # let the sandbox advance: the newer went live, ours was deactivated
    assert objects(sandbox, "deploys")[ours.id]["status"] == "deactivated"
    done, went_live = wait_for_deploy(api, svc.id, DeployModel(id=ours.id, status="queued"), timeout=5,
                                      first_poll=0.01)
    assert done.id == ours.id and done.status == "deactivated" and went_live.id == newer.id
    assert objects(sandbox, "deploys")[newer.id]["status"] == "live"
    # the newest deploy itself deactivated with nothing newer: that is a failure
    sandbox.render.edit("deploys", newer.id, {"status": "canceled"})
    with pytest.raises(DeployFailedError, match="ended 'canceled'"):
        wait_for_deploy(api, svc.id, DeployModel(id=newer.id, status="queued"), timeout=5, first_poll=0.01)


@pytest.mark.sandbox_settings(deploy_delay=1.0)
def test_queued_deploys_superseded_by_a_newer_queued_one_follow_the_newest(sandbox):
    from dynamic_providers.render.api import trigger_deploy, wait_for_deploy

    svc = make_service(sandbox)  # its first deploy is running
    api = deploy_provider(sandbox).transport()
    ours = trigger_deploy(api, svc.id)
    newer = trigger_deploy(api, svc.id)
    assert ours.status == newer.status == "queued" and ours.id != newer.id
    done, went_live = wait_for_deploy(api, svc.id, ours, timeout=10, first_poll=0.05)
    # Render proceeds to the most recently queued deploy; ours is canceled, and the service converged.
    assert done.status == "canceled" and went_live.id == newer.id and went_live.status == "live"
