"""Billing add-ons over HTTP: compute size (RESIZING, a real database restart, infra_compute_size), PITR
(pitr_enabled in backups, needs Small compute), roll-back on DELETE, and what is refused."""

import psycopg
import pytest

from tools.sandbox.testing import wait_for
from tests.tools.sandbox.supabase_projects import new_project


def create(sandbox, **body):
    return new_project(sandbox, "billing", "billing-password", **body)


def selected(api, ref):
    return {a["type"]: a["variant"]["id"] for a in api.get(f"/v1/projects/{ref}/billing/addons").json()["selected_addons"]}


def compute_size(sandbox, api, ref):
    listed = api.get(f"/v1/organizations/{sandbox.supabase.organization_slug}/projects").json()["projects"]
    return next(p for p in listed if p["ref"] == ref)["databases"][0]["infra_compute_size"]


def apply(api, ref, kind, variant):
    return api.patch(f"/v1/projects/{ref}/billing/addons", json={"addon_type": kind, "addon_variant": variant})


def test_a_new_project_has_the_micro_compute_add_on_and_the_full_catalog(sandbox):
    api, ref = create(sandbox)
    answer = api.get(f"/v1/projects/{ref}/billing/addons").json()
    assert selected(api, ref) == {"compute_instance": "ci_micro"}  # as recorded for a project created without size
    types = {a["type"]: [v["id"] for v in a["variants"]] for a in answer["available_addons"]}
    assert types["pitr"] == ["pitr_7", "pitr_14", "pitr_28"] and "ci_48xlarge_high_memory" in types["compute_instance"]
    assert compute_size(sandbox, api, ref) == "micro"
    _api, nano = create(sandbox, desired_instance_size="nano")
    assert selected(api, nano) == {}  # nano is the absence of a compute add-on


@pytest.mark.sandbox_settings(resize_delay=1.0)
def test_a_resize_goes_through_resizing_restarts_the_database_and_applies_restart_only_settings(sandbox):
    api, ref = create(sandbox)
    db = sandbox.supabase.databases[ref]

    def started():
        with db.admin_connect(autocommit=True) as conn:
            return conn.execute("SELECT pg_postmaster_start_time(), current_setting('max_locks_per_transaction')"
                                ).fetchone()

    before = started()
    # max_locks_per_transaction needs a restart: stored now, in effect after the next one (the resize).
    assert api.put(f"/v1/projects/{ref}/config/database/postgres",
                   json={"max_locks_per_transaction": 128}).status_code == 200
    assert started()[1] == before[1]
    assert apply(api, ref, "compute_instance", "ci_small").status_code == 200
    assert api.get(f"/v1/projects/{ref}").json()["status"] == "RESIZING"
    busy = api.get(f"/v1/projects/{ref}/config/database/postgres")
    assert busy.status_code == 400 and "not ready" in busy.json()["message"]
    wait_for(lambda: api.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY", timeout=30)
    after = started()
    assert after[0] > before[0] and after[1] == "128"
    assert selected(api, ref) == {"compute_instance": "ci_small"} and compute_size(sandbox, api, ref) == "small"
    with psycopg.connect(host=db.host, port=db.port, dbname="postgres", user="postgres",
                         password="billing-password") as conn:  # the same server, back on its port
        assert conn.execute("SELECT 1").fetchone() == (1,)
    # Selecting the size it already has changes nothing.
    assert apply(api, ref, "compute_instance", "ci_small").status_code == 200
    assert api.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY"


def test_pitr_needs_small_compute_and_shows_in_backups(sandbox):
    api, ref = create(sandbox)
    refused = apply(api, ref, "pitr", "pitr_7")
    assert refused.status_code == 400 and "small compute" in refused.json()["message"]
    apply(api, ref, "compute_instance", "ci_small")
    wait_for(lambda: api.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY", timeout=30)
    assert apply(api, ref, "pitr", "pitr_14").status_code == 200
    assert api.get(f"/v1/projects/{ref}/database/backups").json()["pitr_enabled"] is True
    assert selected(api, ref) == {"compute_instance": "ci_small", "pitr": "pitr_14"}
    assert apply(api, ref, "pitr", "pitr_28").status_code == 200  # another retention replaces it
    assert selected(api, ref)["pitr"] == "pitr_28"
    # Back to micro while PITR is on: refused (DELETE of the compute add-on rolls back to micro).
    assert api.delete(f"/v1/projects/{ref}/billing/addons/ci_small").status_code == 400
    assert api.delete(f"/v1/projects/{ref}/billing/addons/pitr_28").status_code == 200
    assert api.get(f"/v1/projects/{ref}/database/backups").json()["pitr_enabled"] is False
    assert api.delete(f"/v1/projects/{ref}/billing/addons/ci_small").status_code == 200
    wait_for(lambda: api.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY", timeout=30)
    assert selected(api, ref) == {"compute_instance": "ci_micro"}


def test_what_is_refused(sandbox):
    api, ref = create(sandbox)
    mismatch = apply(api, ref, "compute_instance", "pitr_7")
    assert mismatch.status_code == 400 and "not a variant of addon type compute_instance" in mismatch.json()["message"]
    assert apply(api, ref, "compute_instance", "ci_nano").status_code == 400  # not in the spec's variants
    assert sandbox.supabase.journal.request_violations()
    not_selected = api.delete(f"/v1/projects/{ref}/billing/addons/ipv4_default")
    assert not_selected.status_code == 400 and "not applied" in not_selected.json()["message"]
    no_history = api.delete(f"/v1/projects/{ref}/billing/addons/ci_micro")
    assert no_history.status_code == 400 and "no previous size" in no_history.json()["message"]
    assert apply(api, ref, "ipv4", "ipv4_default").status_code == 200
    assert api.delete(f"/v1/projects/{ref}/billing/addons/ipv4_default").status_code == 200
    sandbox.supabase.edit("projects", ref, {"status": "COMING_UP", "_readyAt": 1e12})
    assert apply(api, ref, "compute_instance", "ci_large").status_code == 400  # not ready
    assert api.get(f"/v1/projects/{ref}/billing/addons").status_code == 200  # reads still answer
    missing = api.get("/v1/projects/abcdefghijklmnopqrst/billing/addons")
    assert missing.status_code == 404
