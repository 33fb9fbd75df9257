"""Render projects, environments (moving resources in and out) and registry credentials."""


def test_project_with_environments_crud(sandbox):
    api = sandbox.render.client()
    created = api.post("/projects", json={"name": "procurement", "ownerId": sandbox.render.owner_id,
                                          "environments": [{"name": "staging"},
                                                           {"name": "production", "protectedStatus": "protected"}]})
    assert created.status_code == 201, created.text
    project = created.json()
    assert project["id"].startswith("prj-") and project["owner"]["id"] == sandbox.render.owner_id
    assert len(project["environmentIds"]) == 2 and all(e.startswith("evm-") for e in project["environmentIds"])

    environments = api.get("/environments", params={"projectId": project["id"]}).json()
    assert {e["environment"]["name"] for e in environments} == {"staging", "production"}
    assert api.get(f"/projects/{project['id']}").json() == project
    assert api.patch(f"/projects/{project['id']}", json={"name": "p2"}).json()["name"] == "p2"
    assert [p["project"]["id"] for p in api.get("/projects").json()] == [project["id"]]

    extra = api.post("/environments", json={"name": "preview", "projectId": project["id"],
                                            "networkIsolationEnabled": True})
    assert extra.status_code == 201 and extra.json()["networkIsolationEnabled"] is True
    assert api.post("/environments", json={"name": "preview", "projectId": project["id"]}).status_code == 409
    patched = api.patch(f"/environments/{extra.json()['id']}", json={"protectedStatus": "protected"})
    assert patched.json()["protectedStatus"] == "protected"
    assert api.delete(f"/environments/{extra.json()['id']}").status_code == 204

    assert api.delete(f"/projects/{project['id']}").status_code == 204
    assert api.get(f"/projects/{project['id']}").status_code == 404
    assert api.get("/environments", params={"projectId": project["id"]}).json() == []


def test_environment_list_requires_project_id(sandbox):
    response = sandbox.render.client().get("/environments")
    assert response.status_code == 400 and "projectId" in response.json()["message"]


def test_move_services_and_env_groups_into_and_out_of_an_environment(sandbox):
    api = sandbox.render.client()
    project = api.post("/projects", json={"name": "p", "ownerId": sandbox.render.owner_id,
                                          "environments": [{"name": "staging"}]}).json()
    env_id = project["environmentIds"][0]
    sid = api.post("/services", json={"type": "background_worker", "name": "w", "ownerId": sandbox.render.owner_id,
                                      "image": {"ownerId": sandbox.render.owner_id, "imagePath": "x/y:1"},
                                      "serviceDetails": {"runtime": "image"}}).json()["service"]["id"]
    gid = api.post("/env-groups", json={"name": "g", "ownerId": sandbox.render.owner_id, "envVars": []}).json()["id"]
    moved = api.post(f"/environments/{env_id}/resources", json={"resourceIds": [sid, gid]})
    assert moved.status_code == 201  # as the real API answers (recorded), not the spec's 200
    assert moved.json()["serviceIds"] == [sid] and moved.json()["envGroupIds"] == [gid]
    assert api.get(f"/services/{sid}").json()["environmentId"] == env_id
    api.post(f"/env-groups/{gid}/services/{sid}")
    blocked = api.delete(f"/environments/{env_id}/resources", params={"resourceIds": sid})
    assert blocked.status_code == 409  # linked env group in the same environment
    assert api.delete(f"/environments/{env_id}/resources", params={"resourceIds": gid}).status_code == 204
    assert api.delete(f"/environments/{env_id}/resources", params={"resourceIds": sid}).status_code == 204
    assert "environmentId" not in api.get(f"/services/{sid}").json()


def test_a_project_or_environment_holding_resources_is_not_deleted(sandbox):
    # specs/render/render-openapi.json delete-project / delete-environment: "Requires ... to be empty ...
    # Otherwise, deletion fails with a `409` response."
    api = sandbox.render.client()
    project = api.post("/projects", json={"name": "p", "ownerId": sandbox.render.owner_id,
                                          "environments": [{"name": "empty"}, {"name": "full"}]}).json()
    empty, full = project["environmentIds"]
    sid = api.post("/services", json={"type": "background_worker", "name": "w", "ownerId": sandbox.render.owner_id,
                                      "environmentId": full, "image": {"ownerId": sandbox.render.owner_id,
                                                                        "imagePath": "x/y:1"},
                                      "serviceDetails": {"runtime": "image"}}).json()["service"]["id"]
    refused = api.delete(f"/projects/{project['id']}")
    assert refused.status_code == 409 and "not empty" in refused.json()["message"]
    assert api.get(f"/environments/{empty}").status_code == 200  # all or nothing: the empty one stays too
    assert api.delete(f"/environments/{full}").status_code == 409
    assert api.delete(f"/services/{sid}").status_code == 204
    assert api.delete(f"/projects/{project['id']}").status_code == 204
    assert api.get(f"/environments/{full}").status_code == 404


def test_registry_credentials_never_return_the_token(sandbox):
    api = sandbox.render.client()
    created = api.post("/registrycredentials", json={"registry": "GITHUB", "name": "ghcr", "username": "bot",
                                                     "authToken": "ghp_secret", "ownerId": sandbox.render.owner_id})
    assert created.status_code == 200
    credential = created.json()
    assert credential["id"].startswith("rgc-") and "authToken" not in credential
    assert "ghp_secret" not in created.text
    assert api.get("/registrycredentials", params={"name": "ghcr"}).json() == [credential]  # unwrapped list
    sid = api.post("/services", json={"type": "web_service", "name": "a", "ownerId": sandbox.render.owner_id,
                                      "image": {"ownerId": sandbox.render.owner_id, "imagePath": "ghcr.io/a/b:1",
                                                "registryCredentialId": credential["id"]},
                                      "serviceDetails": {"runtime": "image"}}).json()["service"]["id"]
    assert api.get(f"/services/{sid}").json()["registryCredential"] == {"id": credential["id"], "name": "ghcr"}
    updated = api.patch(f"/registrycredentials/{credential['id']}",
                        json={"registry": "GITHUB", "name": "ghcr2", "username": "bot", "authToken": "ghp_new"})
    assert updated.json()["name"] == "ghcr2"
    assert api.get(f"/services/{sid}").json()["registryCredential"]["name"] == "ghcr2"
    partial = api.patch(f"/registrycredentials/{credential['id']}", json={"name": "x"})  # full replace only
    assert partial.status_code == 400
    assert api.delete(f"/registrycredentials/{credential['id']}").status_code == 204
    assert api.get(f"/registrycredentials/{credential['id']}").status_code == 404
