"""The fixture starts both emulators on loopback; auth, spec validation and the journal work end to end."""

import requests


def test_both_servers_answer_on_loopback(sandbox):
    assert sandbox.render.base_url.startswith("http://127.0.0.1:") and sandbox.render.base_url.endswith("/v1")
    assert sandbox.supabase.base_url.startswith("http://127.0.0.1:")
    owners = requests.get(sandbox.render.url("/owners"), headers=sandbox.render.auth_headers, timeout=5)
    assert owners.status_code == 200
    assert owners.json()[0]["owner"]["id"] == sandbox.render.owner_id
    orgs = requests.get(sandbox.supabase.url("/v1/organizations"), headers=sandbox.supabase.auth_headers, timeout=5)
    assert orgs.status_code == 200 and orgs.json()[0]["slug"] == sandbox.supabase.organization_slug


def test_missing_or_wrong_token_is_401_in_each_vendor_shape(sandbox):
    render = requests.get(sandbox.render.url("/services"), timeout=5)
    assert render.status_code == 401 and set(render.json()) == {"id", "message"}
    supabase = requests.get(sandbox.supabase.url("/v1/projects"), headers={"Authorization": "Bearer nope"},
                            timeout=5)
    assert supabase.status_code == 401 and set(supabase.json()) == {"message"}


def test_env_points_subprocesses_at_the_sandbox(sandbox):
    env = sandbox.env
    assert env["RENDER_API_URL"] == sandbox.render.base_url
    assert env["RENDER_API_KEY"] == "rnd_sandbox_local_token"
    assert env["SUPABASE_API_URL"] == sandbox.supabase.base_url
    assert env["SUPABASE_ACCESS_TOKEN"] == "sbp_sandbox_local_token"


def test_a_rotated_token_is_the_only_one_accepted(sandbox):
    # PATCH /_sandbox/settings {"token": ...}: what revoking a key and issuing a new one does at the vendor.
    old = sandbox.render.token
    done = requests.patch(sandbox.render.origin + "/_sandbox/settings", json={"token": "rnd_rotated"}, timeout=5,
                          headers=sandbox.render.control_headers)
    assert done.status_code == 200 and "rnd_rotated" not in done.text  # never echoed
    assert requests.get(sandbox.render.url("/owners"), headers={"Authorization": f"Bearer {old}"},
                        timeout=5).status_code == 401
    assert requests.get(sandbox.render.url("/owners"), headers={"Authorization": "Bearer rnd_rotated"},
                        timeout=5).status_code == 200
    assert sandbox.env["RENDER_API_KEY"] == "rnd_rotated"
    bad = requests.patch(sandbox.supabase.origin + "/_sandbox/settings", json={"token": ""}, timeout=5,
                         headers=sandbox.supabase.control_headers)
    assert bad.status_code == 400 and sandbox.supabase.token == "sbp_sandbox_local_token"
