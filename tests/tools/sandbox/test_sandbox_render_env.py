"""Render env vars and secret files on services, and env groups with service links."""


def new_service(sandbox, api, name="api"):
    body = {"type": "web_service", "name": name, "ownerId": sandbox.render.owner_id,
            "image": {"ownerId": sandbox.render.owner_id, "imagePath": "ghcr.io/acme/api:1"},
            "serviceDetails": {"runtime": "image"},
            "envVars": [{"key": "A", "value": "1"}, {"key": "TOKEN", "generateValue": True}],
            "secretFiles": [{"name": ".npmrc", "content": "registry=x"}]}
    return api.post("/services", json=body).json()["service"]["id"]


def test_env_vars_list_replace_upsert_delete(sandbox):
    api = sandbox.render.client()
    sid = new_service(sandbox, api)
    listed = api.get(f"/services/{sid}/env-vars").json()
    values = {item["envVar"]["key"]: item["envVar"]["value"] for item in listed}
    assert values["A"] == "1" and len(values["TOKEN"]) >= 32  # generated value
    replaced = api.put(f"/services/{sid}/env-vars", json=[{"key": "B", "value": "2"}])
    assert replaced.status_code == 200
    assert [item["envVar"] for item in replaced.json()] == [{"key": "B", "value": "2"}]  # A and TOKEN deleted
    assert api.put(f"/services/{sid}/env-vars/C", json={"value": "3"}).json() == {"key": "C", "value": "3"}
    assert api.get(f"/services/{sid}/env-vars/C").json()["value"] == "3"
    assert api.delete(f"/services/{sid}/env-vars/C").status_code == 204
    assert api.get(f"/services/{sid}/env-vars/C").status_code == 404
    assert api.delete(f"/services/{sid}/env-vars/C").status_code == 404


def test_env_var_body_must_match_the_spec(sandbox):
    api = sandbox.render.client()
    sid = new_service(sandbox, api)
    response = api.put(f"/services/{sid}/env-vars", json=[{"value": "no key"}])
    assert response.status_code == 400 and "key" in response.json()["message"]
    assert sandbox.render.journal.request_violations()


def test_secret_files_list_replace_upsert_delete(sandbox):
    api = sandbox.render.client()
    sid = new_service(sandbox, api)
    assert api.get(f"/services/{sid}/secret-files").json()[0]["secretFile"] == {"name": ".npmrc",
                                                                                 "content": "registry=x"}
    put = api.put(f"/services/{sid}/secret-files/creds.json", json={"content": "{}"})
    assert put.status_code == 201 and put.json() == {"name": "creds.json", "content": "{}"}
    assert api.get(f"/services/{sid}/secret-files/creds.json").json()["content"] == "{}"
    replaced = api.put(f"/services/{sid}/secret-files", json=[{"name": "only", "content": "x"}]).json()
    assert [item["secretFile"]["name"] for item in replaced] == ["only"]
    assert api.delete(f"/services/{sid}/secret-files/only").status_code == 204
    assert api.get(f"/services/{sid}/secret-files").json() == []


def test_env_group_crud_vars_files_and_links(sandbox):
    api = sandbox.render.client()
    sid = new_service(sandbox, api)
    created = api.post("/env-groups", json={"name": "shared", "ownerId": sandbox.render.owner_id,
                                            "envVars": [{"key": "LOG", "value": "info"}],
                                            "secretFiles": [{"name": "ca.pem", "content": "PEM"}]})
    assert created.status_code == 201
    group = created.json()
    assert group["id"].startswith("evg-") and group["serviceLinks"] == []
    assert group["envVars"] == [{"key": "LOG", "value": "info"}]

    listed = api.get("/env-groups", params={"name": "shared"}).json()
    assert [g["id"] for g in listed] == [group["id"]] and "envVars" not in listed[0]  # unwrapped meta items

    gid = group["id"]
    assert api.put(f"/env-groups/{gid}/env-vars/LOG", json={"value": "debug"}).json()["envVars"] == [
        {"key": "LOG", "value": "debug"}]
    assert api.get(f"/env-groups/{gid}/env-vars/LOG").json() == {"key": "LOG", "value": "debug"}
    assert api.delete(f"/env-groups/{gid}/env-vars/LOG").status_code == 204
    assert api.put(f"/env-groups/{gid}/secret-files/key.pem", json={"content": "K"}).status_code == 200
    assert api.get(f"/env-groups/{gid}/secret-files/key.pem").json()["content"] == "K"
    assert api.delete(f"/env-groups/{gid}/secret-files/key.pem").status_code == 204

    linked = api.post(f"/env-groups/{gid}/services/{sid}").json()
    assert linked["serviceLinks"] == [{"id": sid, "name": "api", "type": "web"}]
    api.patch(f"/services/{sid}", json={"name": "api-renamed"})
    assert api.get(f"/env-groups/{gid}").json()["serviceLinks"][0]["name"] == "api-renamed"
    assert api.delete(f"/env-groups/{gid}/services/{sid}").status_code == 204
    assert api.get(f"/env-groups/{gid}").json()["serviceLinks"] == []

    assert api.patch(f"/env-groups/{gid}", json={"name": "renamed"}).json()["name"] == "renamed"
    assert api.delete(f"/env-groups/{gid}").status_code == 204
    assert api.get(f"/env-groups/{gid}").status_code == 404


def test_deleting_a_service_unlinks_it(sandbox):
    api = sandbox.render.client()
    sid = new_service(sandbox, api)
    gid = api.post("/env-groups", json={"name": "g", "ownerId": sandbox.render.owner_id, "envVars": [],
                                        "serviceIds": [sid]}).json()["id"]
    api.delete(f"/services/{sid}")
    assert api.get(f"/env-groups/{gid}").json()["serviceLinks"] == []


def test_null_inputs_render_accepts(sandbox):
    """envVars/secretFiles null on create, buildFilter with null lists, an empty cursor, PUT env-vars null
    (specs.render_accepts_null_input_lists / render_accepts_an_empty_cursor)."""
    api = sandbox.render.client()
    owner = sandbox.render.owner_id
    created = api.post("/services", json={
        "type": "background_worker", "name": "w", "ownerId": owner, "repo": "https://github.com/acme/w",
        "envVars": None, "secretFiles": None, "buildFilter": {"paths": None, "ignoredPaths": None},
        "serviceDetails": {"runtime": "docker"}})
    assert created.status_code == 201, created.text
    sid = created.json()["service"]["id"]
    assert "buildFilter" not in created.json()["service"]  # recorded: no filter after null lists
    patched = api.patch(f"/services/{sid}", json={"buildFilter": {"paths": ["src/**"], "ignoredPaths": None}})
    assert patched.json()["buildFilter"] == {"paths": ["src/**"], "ignoredPaths": []}
    api.put(f"/services/{sid}/env-vars", json=[{"key": "A", "value": "1"}])
    cleared = api.put(f"/services/{sid}/env-vars", data="null", headers={"Content-Type": "application/json"})
    assert cleared.status_code == 200 and cleared.json() == []
    assert api.get(f"/services/{sid}/env-vars", params={"cursor": "", "limit": 100}).json() == []
    site = api.post("/services", json={"type": "static_site", "name": "s", "ownerId": owner,
                                       "repo": "https://github.com/acme/s",
                                       "serviceDetails": {"publishPath": "out", "routes": None}})
    assert site.status_code == 201
    assert api.get(f"/services/{site.json()['service']['id']}/routes", params={"cursor": ""}).status_code == 200
    assert api.post("/services", json={"type": "web_service", "name": None, "ownerId": owner}).status_code == 400
