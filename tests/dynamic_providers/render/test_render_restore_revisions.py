"""A value ``up`` restores after an out-of-band change reaches running instances: the writer's ``revision`` input
(derived by check from the refreshed state) moves, and a Deploy whose triggers carry it deploys again
(components/backend.py feeds every service's, variables', files' and group's revision into its Deploy)."""
from __future__ import annotations

import pytest

from dynamic_providers.core import UNKNOWN
from dynamic_providers.render.deploys import DeployProvider
from dynamic_providers.render.service_env import EnvVarsProvider
from dynamic_providers.render.services import ServiceProvider

from render_harness import Driver, configured, objects, request_violations


def test_a_restored_variable_moves_the_revision_and_the_deploy_follows(sandbox):
    owner = sandbox.render.owner_id
    svc = Driver(configured(ServiceProvider, sandbox))
    service = {"name": "api", "owner_id": owner, "service_type": "web_service", "image": "ghcr.io/acme/api:1",
               "start_command": "serve", "deploy_on_update": False}
    svc.up(service)
    env = Driver(configured(EnvVarsProvider, sandbox))
    variables = {"service_id": svc.id, "variables": {"LOG_LEVEL": "info"}, "deploy_on_change": False}
    env.up(variables)
    assert (svc.outs["revision"], env.outs["revision"]) == (1, 1)

    deploy = Driver(configured(DeployProvider, sandbox))

    def deploy_program():
        return {"service_id": svc.id, "triggers": {"variables": "fingerprint-of-the-declared-values",
                                                   "writes": [svc.outs["revision"], env.outs["revision"]]}}

    deploy.up(deploy_program())
    first = deploy.id

    # Nothing changed: the revisions stay, the Deploy stays.
    env.refresh()
    svc.refresh()
    assert env.check(variables)["revision"] == 1 and svc.check(service)["revision"] == 1
    assert not deploy.preview(deploy_program()).changes

    # Out of band: a variable and the start command change. Refresh sees both; the declared values did
    # not change (the fingerprint neither), but the writes that restore them move the revisions.
    sandbox.render.store.data["env_vars"][svc.id]["LOG_LEVEL"] = "debug"
    details = objects(sandbox, "services")[svc.id]["serviceDetails"]
    sandbox.render.edit("services", svc.id, {"serviceDetails": {
        **details, "envSpecificDetails": {**details["envSpecificDetails"], "dockerCommand": "serve --debug"}}})
    env.refresh()
    svc.refresh()
    assert env.check(variables)["revision"] == 2 and svc.check(service)["revision"] == 2
    env.up(variables)
    svc.up(service)
    assert sandbox.render.store.data["env_vars"][svc.id] == {"LOG_LEVEL": "info"}
    assert deploy.preview(deploy_program()).replaces == ["triggers"]
    deploy.up(deploy_program())
    assert deploy.id != first, "the restore must be deployed"

    # And it settles: no further revision, no further deploy.
    env.refresh()
    svc.refresh()
    assert env.check(variables)["revision"] == 2 and svc.check(service)["revision"] == 2
    assert not deploy.preview(deploy_program()).changes
    assert request_violations(sandbox) == []


def test_revisions_are_unknown_in_a_preview_whose_values_are_unknown(sandbox):
    env = Driver(configured(EnvVarsProvider, sandbox))
    assert env.check({"service_id": "srv-x", "variables": {"DATABASE_URL": UNKNOWN}})["revision"] == UNKNOWN


def test_state_from_before_revisions_replaces_no_deploy():
    """Old state: no revision anywhere, triggers without "writes". The writer records revision 0 in an
    update that calls no API (a preview reads a missing output as unknown, so it must be in the state);
    the program passes writes=None while every revision is 0, and the Deploy compares triggers without
    None-valued keys."""
    deploy = DeployProvider()
    env = EnvVarsProvider()
    old_inputs = {"service_id": "srv-1", "variables": {"A": "1"}}  # no "revision"
    checked = env.check(old_inputs, {**old_inputs, "__provider": "p"}).inputs
    assert checked["revision"] == 0
    recorded = env.diff("srv-1", old_inputs, checked)
    assert recorded.changes and not recorded.replaces
    env.transport = lambda: pytest.fail("recording the revision called the API")
    assert env.update("srv-1", old_inputs, checked).outs["revision"] == 0
    assert not env.diff("srv-1", {**old_inputs, "revision": 0}, checked).changes
    olds = {"service_id": "srv-1", "triggers": {"command": "serve", "variables": "f1"}}
    news = deploy.check(olds, {"service_id": "srv-1", "triggers": {"command": "serve", "variables": "f1",
                                                                   "writes": None}}).inputs
    diff = deploy.diff("dep-1", olds, news)
    assert not diff.changes and not diff.replaces
