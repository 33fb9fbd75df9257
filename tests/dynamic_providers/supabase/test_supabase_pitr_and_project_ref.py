"""``PitrAddon`` (point-in-time recovery as the billing add-on) and ``Project.project_ref`` (use a named project,
the restore's) against the sandbox: PITR on, read back, retention changed in place, drift undone, deleting it turns
PITR off, refused below the Small size; a named project is adopted and converged, a state holding another project
is never replaced by it (the diff refuses: it would delete that project), a missing one is a clear error."""
from __future__ import annotations

import pytest

from dynamic_providers.core import AdoptionRequiredError
from dynamic_providers.supabase.backups import PitrAddonProvider
from dynamic_providers.supabase.project import ProjectProvider, ProjectRefChangeRefused
from supabase_engine import FAST_HTTP, FAST_WAIT


def program(sandbox, **over):
    return {"organization_slug": sandbox.supabase.organization_slug, "name": "procurement-pitr",
            "region": "eu-central-1", "db_password": "pitr-db-password", "instance_size": "small",
            **FAST_WAIT, **over}


def addons(sandbox, ref):
    return sandbox.supabase.store.data["projects"][ref].get("_addons") or {}


def test_pitr_on_read_back_changed_drift_undone_and_off_when_removed(supabase_env, engine):
    sb = supabase_env
    project = engine.create(ProjectProvider(http=FAST_HTTP), program(sb))
    p = PitrAddonProvider(http=FAST_HTTP)
    state = engine.create(p, {"project_ref": project.id, "days": 7, **FAST_WAIT})
    assert state.id == f"{project.id}/pitr" and addons(sb, project.id) == {"pitr": "pitr_7"}
    assert state.outputs["pitr_enabled"] is True
    assert sb.supabase.client().get(f"/v1/projects/{project.id}/database/backups").json()["pitr_enabled"] is True
    refreshed = engine.refresh(p, state)
    assert refreshed.inputs["days"] == 7
    assert not engine.preview(p, refreshed, {"project_ref": project.id, "days": 7, **FAST_WAIT})[0].changes

    longer = engine.up(p, refreshed, {"project_ref": project.id, "days": 14, **FAST_WAIT})
    assert addons(sb, project.id) == {"pitr": "pitr_14"} and longer.id == state.id  # in place

    sb.supabase.client().delete(f"/v1/projects/{project.id}/billing/addons/pitr_14")  # turned off by hand
    assert engine.refresh(p, longer) is None  # gone: the next up buys it again
    again = engine.create(p, {"project_ref": project.id, "days": 14, **FAST_WAIT})
    assert addons(sb, project.id) == {"pitr": "pitr_14"}

    engine.destroy(p, again)  # database.pitrDays removed: PITR off
    assert addons(sb, project.id) == {}
    assert sb.supabase.client().get(f"/v1/projects/{project.id}/database/backups").json()["pitr_enabled"] is False
    engine.destroy(p, again)  # already off: done


def test_pitr_below_the_small_size_is_refused_with_the_apis_message(supabase_env, engine):
    sb = supabase_env
    project = engine.create(ProjectProvider(http=FAST_HTTP), program(sb, instance_size="micro"))
    with pytest.raises(Exception, match="requires at least the small compute size"):
        engine.create(PitrAddonProvider(http=FAST_HTTP), {"project_ref": project.id, "days": 7, **FAST_WAIT})
    assert addons(sb, project.id) == {}


def test_a_named_project_is_adopted_and_converged_but_never_replaces_the_one_in_the_state(supabase_env, engine):
    sb = supabase_env
    p = ProjectProvider(http=FAST_HTTP)
    old = engine.create(p, program(sb))
    # The restore's project: another name, its own password.
    api = sb.supabase.client()
    new_ref = api.post("/v1/projects", json={"name": "procurement-pitr-restore", "db_pass": "temporary-pw-1",
                                             "organization_slug": sb.supabase.organization_slug,
                                             "region_selection": {"type": "specific", "code": "eu-central-1"},
                                             "desired_instance_size": "small"}).json()["ref"]
    with pytest.raises(ProjectRefChangeRefused, match=f"replacing it would delete {old.id}"):
        engine.preview(p, old, program(sb, project_ref=new_ref))  # never a delete of the state's project
    assert sb.supabase.store.data["projects"][old.id]["status"] == "ACTIVE_HEALTHY"

    sb.supabase.client().delete(f"/v1/projects/{old.id}")  # the lost project
    assert engine.refresh(p, old) is None
    adopted = engine.create(p, program(sb, project_ref=new_ref))
    assert adopted.id == new_ref
    live = sb.supabase.store.data["projects"][new_ref]
    assert live["name"] == "procurement-pitr" and live["_db_pass"] == "pitr-db-password"  # converged
    assert not engine.preview(p, engine.refresh(p, adopted), program(sb, project_ref=new_ref))[0].changes

    with pytest.raises(AdoptionRequiredError, match="projectRef"):
        engine.create(p, program(sb, name="other", project_ref="abcdefghijklmnopqrst"))
