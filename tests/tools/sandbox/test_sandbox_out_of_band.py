"""Out-of-band edits change stored objects without the public API, like a change made in the dashboard."""

import requests

from tools.sandbox.client import SandboxControl
from tools.sandbox.testing import wait_for


def test_dashboard_change_of_a_service_plan_and_an_env_var(sandbox):
    api = sandbox.render.client()
    body = {"type": "web_service", "name": "api", "ownerId": sandbox.render.owner_id,
            "image": {"ownerId": sandbox.render.owner_id, "imagePath": "x/y:1"},
            "serviceDetails": {"runtime": "image", "plan": "starter"}, "envVars": [{"key": "MODE", "value": "a"}]}
    sid = api.post("/services", json=body).json()["service"]["id"]
    sandbox.clear_journal()
    edited = sandbox.render.edit("services", sid, {"serviceDetails.plan": "pro"})
    assert edited["serviceDetails"]["plan"] == "pro"
    SandboxControl(sandbox.render.origin, sandbox.render.control_token).edit("env_vars", sid, {"MODE": "b"})
    assert sandbox.journal() == []  # edits are not API calls
    assert api.get(f"/services/{sid}").json()["serviceDetails"]["plan"] == "pro"
    assert api.get(f"/services/{sid}/env-vars/MODE").json()["value"] == "b"


def test_dashboard_change_of_a_supabase_setting(sandbox):
    api = sandbox.supabase.client()
    ref = api.post("/v1/projects", json={"name": "p", "organization_slug": sandbox.supabase.organization_slug,
                                         "db_pass": "pw-12345"}).json()["ref"]
    wait_for(lambda: api.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY", timeout=30)
    sandbox.supabase.edit("auth_config", ref, {"site_url": "https://drifted.example.com"})
    sandbox.supabase.edit("ssl_enforcement", ref, {"database": True})
    sandbox.supabase.edit("projects", ref, {"name": "renamed in dashboard"})
    assert api.get(f"/v1/projects/{ref}/config/auth").json()["site_url"] == "https://drifted.example.com"
    assert api.get(f"/v1/projects/{ref}/ssl-enforcement").json()["currentConfig"]["database"] is True
    assert api.get(f"/v1/projects/{ref}").json()["name"] == "renamed in dashboard"


def test_edit_errors_name_what_is_missing(sandbox):
    url, headers = sandbox.render.origin + "/_sandbox/edit", sandbox.render.control_headers
    missing = requests.post(url, json={"collection": "services", "id": "srv-nope", "set": {"name": "x"}}, timeout=5,
                            headers=headers)
    assert missing.status_code == 404 and "srv-nope" in missing.json()["error"]
    unknown = requests.post(url, json={"collection": "nope", "id": "x"}, timeout=5, headers=headers)
    assert unknown.status_code == 404 and "services" in unknown.json()["error"]
    incomplete = requests.post(url, json={"collection": "services"}, timeout=5, headers=headers)
    assert incomplete.status_code == 400 and "id" in incomplete.json()["error"]


def test_unset_removes_a_field(sandbox):
    api = sandbox.render.client()
    body = {"name": "g", "ownerId": sandbox.render.owner_id,
            "envVars": [{"key": "A", "value": "1"}, {"key": "B", "value": "2"}]}
    gid = api.post("/env-groups", json=body).json()["id"]
    sandbox.render.edit("env_groups", gid, unset=["_envVars.A"])
    assert api.get(f"/env-groups/{gid}").json()["envVars"] == [{"key": "B", "value": "2"}]
