"""``Project.instance_size`` against the sandbox's billing add-ons: created at a size, read back from the compute
add-on, resized in place through RESIZING (waiting for health again), drift found and undone, PITR shown in the
backup summary, nano refused where the API cannot do it, and faults on the resize converge."""
from __future__ import annotations

import pytest

from dynamic_providers.supabase.project import ProjectProvider
from supabase_engine import FAST_HTTP, FAST_WAIT


def program(sandbox, **over):
    return {"organization_slug": sandbox.supabase.organization_slug, "name": "procurement-compute",
            "region": "eu-central-1", "db_password": "compute-db-password", "instance_size": "small",
            **FAST_WAIT, **over}


def size_of(sandbox, ref):
    return sandbox.supabase.store.data["projects"][ref]["_instance_size"]


@pytest.mark.sandbox_settings(resize_delay=1.0)
def test_created_at_a_size_read_back_resized_in_place_and_drift_undone(supabase_env, engine):
    sb = supabase_env
    p = ProjectProvider(http=FAST_HTTP)
    state = engine.create(p, program(sb))
    assert size_of(sb, state.id) == "small"
    refreshed = engine.refresh(p, state)
    assert refreshed.inputs["instance_size"] == "small"  # from the ci_small compute add-on
    assert not engine.preview(p, refreshed, program(sb))[0].changes

    sb.clear_journal()
    resized = engine.up(p, refreshed, program(sb, instance_size="medium"))
    assert size_of(sb, state.id) == "medium" and resized.outputs["status"] == "ACTIVE_HEALTHY"
    patches = [e for e in sb.supabase.journal.entries() if e.method == "PATCH" and e.path.endswith("/billing/addons")]
    assert [e.status for e in patches] == [200]
    # It waited through RESIZING: the project was polled until healthy again, then health was checked.
    polls = [e for e in sb.supabase.journal.entries() if e.method == "GET" and e.path == f"/v1/projects/{state.id}"]
    assert len(polls) >= 3 and sb.supabase.journal.count("GET", "/v1/projects/{ref}/health") >= 1
    assert not engine.preview(p, engine.refresh(p, resized), program(sb, instance_size="medium"))[0].changes

    # Resized in the dashboard: refresh shows it, up puts it back.
    sb.supabase.edit("projects", state.id, {"_instance_size": "large"})
    drifted = engine.refresh(p, resized)
    assert drifted.inputs["instance_size"] == "large"
    assert engine.preview(p, drifted, program(sb, instance_size="medium"))[0].changes
    engine.up(p, drifted, program(sb, instance_size="medium"))
    assert size_of(sb, state.id) == "medium"
    engine.destroy(p, resized)


def test_pitr_shows_in_the_backup_summary(supabase_env, engine):
    sb = supabase_env
    p = ProjectProvider(http=FAST_HTTP)
    state = engine.create(p, program(sb))
    assert state.outputs["backups"]["pitr_enabled"] is False and "pitr_days" not in state.outputs["backups"]
    api = sb.supabase.client()
    assert api.patch(f"/v1/projects/{state.id}/billing/addons",
                     json={"addon_type": "pitr", "addon_variant": "pitr_7"}).status_code == 200
    refreshed = engine.refresh(p, state)
    assert refreshed.outputs["backups"]["pitr_enabled"] is True and refreshed.outputs["backups"]["pitr_days"] == 7
    engine.destroy(p, state)


def test_nano_is_create_time_only(supabase_env, engine):
    sb = supabase_env
    p = ProjectProvider(http=FAST_HTTP)
    state = engine.create(p, program(sb, instance_size="nano"))
    assert size_of(sb, state.id) == "nano"
    refreshed = engine.refresh(p, state)
    assert refreshed.inputs["instance_size"] == "nano"  # kept: there is no compute add-on to read it from
    assert not engine.preview(p, refreshed, program(sb, instance_size="nano"))[0].changes
    grown = engine.up(p, refreshed, program(sb, instance_size="micro"))
    assert size_of(sb, state.id) == "micro"
    # Back to nano: preview fails naming the key, before any call.
    sb.clear_journal()
    with pytest.raises(AssertionError, match=r"instance_size: .*'micro' to 'nano'.*create-time size only"):
        engine.preview(p, grown, program(sb, instance_size="nano"))
    assert not sb.supabase.journal.entries()
    engine.destroy(p, grown)


@pytest.mark.parametrize("fault", [{"kind": "drop_response"}, {"kind": "error", "status": 503},
                                   {"kind": "rate_limit", "retry_after": 1}], ids=["lost", "5xx", "429"])
def test_a_resize_survives_faults(supabase_env, engine, fault):
    sb = supabase_env
    p = ProjectProvider(http=FAST_HTTP)
    state = engine.create(p, program(sb))
    sb.supabase.add_fault(method="PATCH", path="/v1/projects/{ref}/billing/addons", **fault)
    resized = engine.up(p, state, program(sb, instance_size="large"))
    assert size_of(sb, state.id) == "large" and resized.outputs["status"] == "ACTIVE_HEALTHY"
    assert not sb.supabase.faults.list()
    assert not engine.preview(p, engine.refresh(p, resized), program(sb, instance_size="large"))[0].changes
    engine.destroy(p, resized)
