"""Render custom domains, static-site headers and routes, manual scaling and autoscaling."""


def create(sandbox, api, service_type, name):
    body = {"type": service_type, "name": name, "ownerId": sandbox.render.owner_id}
    if service_type == "static_site":
        body.update(repo="https://github.com/acme/web", serviceDetails={"buildCommand": "make", "publishPath": "out"})
    else:
        body.update(image={"ownerId": sandbox.render.owner_id, "imagePath": "ghcr.io/acme/x:1"},
                    serviceDetails={"runtime": "image"})
    return api.post("/services", json=body).json()["service"]


def test_apex_domain_gets_a_www_twin_and_verifies(sandbox):
    api = sandbox.render.client()
    service = create(sandbox, api, "web_service", "shop")
    added = api.post(f"/services/{service['id']}/custom-domains", json={"name": "example.com"})
    assert added.status_code == 201
    apex, twin = added.json()
    assert apex["id"].startswith("cdm-") and apex["domainType"] == "apex" and apex["redirectForName"] == ""
    assert twin["name"] == "www.example.com" and twin["redirectForName"] == "example.com"
    assert twin["domainType"] == "subdomain" and apex["verificationStatus"] == "unverified"

    by_name = api.get(f"/services/{service['id']}/custom-domains/example.com").json()
    assert api.get(f"/services/{service['id']}/custom-domains/{apex['id']}").json() == by_name
    assert api.post(f"/services/{service['id']}/custom-domains/example.com/verify").status_code == 202
    assert api.get(f"/services/{service['id']}/custom-domains/example.com").json()["verificationStatus"] == "verified"
    listed = api.get(f"/services/{service['id']}/custom-domains", params={"verificationStatus": "verified"}).json()
    assert [d["customDomain"]["name"] for d in listed] == ["example.com"]

    assert api.post(f"/services/{service['id']}/custom-domains", json={"name": "example.com"}).status_code == 409
    assert api.delete(f"/services/{service['id']}/custom-domains/example.com").status_code == 204
    assert api.get(f"/services/{service['id']}/custom-domains").json() == []  # the twin went with it


def test_subdomain_has_no_twin_and_workers_have_no_domains(sandbox):
    api = sandbox.render.client()
    site = create(sandbox, api, "static_site", "docs")
    added = api.post(f"/services/{site['id']}/custom-domains", json={"name": "docs.example.org"}).json()
    assert [d["name"] for d in added] == ["docs.example.org"] and added[0]["publicSuffix"] == "org"
    worker = create(sandbox, api, "background_worker", "w")
    assert api.post(f"/services/{worker['id']}/custom-domains", json={"name": "w.example.org"}).status_code == 400


def test_static_site_headers(sandbox):
    api = sandbox.render.client()
    site = create(sandbox, api, "static_site", "web")
    sid = site["id"]
    added = api.post(f"/services/{sid}/headers", json={"path": "/*", "name": "X-Frame-Options", "value": "DENY"})
    assert added.status_code == 201 and added.json()["headers"]["id"].startswith("hdr-")
    replaced = api.put(f"/services/{sid}/headers", json=[{"path": "/api/*", "name": "Cache-Control",
                                                          "value": "no-store"}]).json()
    assert [(h["path"], h["name"]) for h in replaced] == [("/api/*", "Cache-Control")]
    listed = api.get(f"/services/{sid}/headers").json()
    assert [h["header"]["id"] for h in listed] == [replaced[0]["id"]]
    assert api.delete(f"/services/{sid}/headers/{replaced[0]['id']}").status_code == 204
    assert api.get(f"/services/{sid}/headers").json() == []


def test_static_site_routes_keep_contiguous_priorities(sandbox):
    api = sandbox.render.client()
    sid = create(sandbox, api, "static_site", "web")["id"]
    put = api.put(f"/services/{sid}/routes", json=[
        {"type": "redirect", "source": "/old", "destination": "/new"},
        {"type": "rewrite", "source": "/*", "destination": "/index.html"}]).json()
    assert [(r["source"], r["priority"]) for r in put] == [("/old", 0), ("/*", 1)]
    first = api.post(f"/services/{sid}/routes", json={"type": "redirect", "source": "/a", "destination": "/b",
                                                      "priority": 0}).json()
    assert first["id"].startswith("rdr-") and first["priority"] == 0
    order = [r["route"]["source"] for r in api.get(f"/services/{sid}/routes").json()]
    assert order == ["/a", "/old", "/*"]
    moved = api.patch(f"/services/{sid}/routes", json={"id": first["id"], "priority": 2})
    assert moved.status_code == 200 and moved.json()["headers"]["priority"] == 2
    assert [r["route"]["source"] for r in api.get(f"/services/{sid}/routes").json()] == ["/old", "/*", "/a"]
    assert api.delete(f"/services/{sid}/routes/{first['id']}").status_code == 204
    assert [r["route"]["priority"] for r in api.get(f"/services/{sid}/routes").json()] == [0, 1]


def test_headers_are_only_for_static_sites(sandbox):
    api = sandbox.render.client()
    sid = create(sandbox, api, "web_service", "api")["id"]
    assert api.get(f"/services/{sid}/headers").status_code == 400


def test_scale_and_autoscaling(sandbox):
    api = sandbox.render.client()
    sid = create(sandbox, api, "web_service", "api")["id"]
    assert api.post(f"/services/{sid}/scale", json={"numInstances": 3}).status_code == 202
    assert api.get(f"/services/{sid}").json()["serviceDetails"]["numInstances"] == 3
    config = {"enabled": True, "min": 2, "max": 5,
              "criteria": {"cpu": {"enabled": True, "percentage": 60}, "memory": {"enabled": False, "percentage": 70}}}
    put = api.put(f"/services/{sid}/autoscaling", json=config)
    assert put.status_code == 200 and put.json() == config
    assert api.get(f"/services/{sid}").json()["serviceDetails"]["autoscaling"] == config
    api.post(f"/services/{sid}/scale", json={"numInstances": 9})  # ignored while autoscaling is on
    assert api.get(f"/services/{sid}").json()["serviceDetails"]["numInstances"] == 3
    assert api.put(f"/services/{sid}/autoscaling", json={**config, "min": 9}).status_code == 400
    assert api.delete(f"/services/{sid}/autoscaling").status_code == 204
    assert "autoscaling" not in api.get(f"/services/{sid}").json()["serviceDetails"]
    cron = api.post("/services", json={"type": "cron_job", "name": "c", "ownerId": sandbox.render.owner_id,
                                       "image": {"ownerId": sandbox.render.owner_id, "imagePath": "x/y:1"},
                                       "serviceDetails": {"runtime": "image", "schedule": "* * * * *"}})
    assert api.post(f"/services/{cron.json()['service']['id']}/scale", json={"numInstances": 2}).status_code == 400
