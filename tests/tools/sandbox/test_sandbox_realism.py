"""Realism: for every endpoint the sandbox serves that the recorded real traffic covers, the sandbox's answer to
the same kind of request carries the same top-level keys (and, for lists, item-level keys) as a real answer.

A scenario drives each emulator through its endpoint families while recording every answer. Each answer is then
compared with the recorded real answers of the same method, spec path template and status; it must match one of
them, where matching allows exactly two differences, both forced by the spec:
- keys the real API sent as ``null`` may be missing (the spec does not let the sandbox send ``null`` there, e.g.
  a Render image deploy's ``commit``);
- keys the spec requires may be present although the real API omitted them (e.g. Render environments'
  ``networkIsolationEnabled`` in older recordings), because every sandbox answer must satisfy the spec.
The test also fails if an endpoint is served and covered by the recordings but the scenario never exercised it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tools.sandbox.recordings import exchanges
from tools.sandbox.testing import ApiClient, wait_for


class RecordingClient(ApiClient):
    """An ApiClient that keeps every (method, spec template, status, JSON body) it saw."""

    def __init__(self, server: Any):
        super().__init__(server)
        self.seen: list[tuple[str, str, int, Any]] = []

    def request(self, method: str, path: str, **kw: Any):
        response = super().request(method, path, **kw)
        relative = (self.server.base_path + path)[len(self.server.base_path):]
        matched = self.server.router.match(relative.split("?")[0])
        body = response.json() if response.content else None
        self.seen.append((method.upper(), matched[0] if matched else path, response.status_code, body))
        return response


def _schema_required(spec: Any, method: str, template: str, status: int) -> tuple[set, set]:
    """Keys the spec requires at the top level and at item level (incl. Render cursor wrappers)."""
    operation = spec.operation(method, template) or {}

    resolve = spec._resolve

    response = resolve(operation.get("responses", {}).get(str(status), {}))
    schema = resolve(response.get("content", {}).get("application/json", {}).get("schema", {}))

    def required(node: dict) -> set:
        node = resolve(node)
        keys = set(node.get("required", []))
        for part in node.get("allOf", []):
            keys |= required(part)
        return keys

    if schema.get("type") != "array":
        return required(schema), set()
    items = resolve(schema.get("items", {}))
    item_keys = {f"[].{k}" for k in required(items)}
    for name, prop in resolve(items).get("properties", {}).items():
        if name != "cursor" and resolve(prop).get("type", "object") == "object":
            item_keys |= {f"[].{name}.{k}" for k in required(prop)}
    return set(), item_keys


def _shapes(body: Any) -> list[tuple[set, set]]:
    """One (all keys, keys with a non-null value) pair per object: the body itself, or each item of a list with
    keys spelt ``[].key`` (and ``[].wrapper.key`` inside Render's cursor wrappers). Scalars, null and empty lists
    carry no keys to compare."""
    if isinstance(body, dict):
        return [(set(body), {k for k, v in body.items() if v is not None})]
    shapes = []
    for item in body if isinstance(body, list) else []:
        if not isinstance(item, dict):
            continue
        every = {f"[].{k}" for k in item}
        non_null = {f"[].{k}" for k, v in item.items() if v is not None}
        for key, value in item.items():
            if "cursor" in item and isinstance(value, dict):
                every |= {f"[].{key}.{k}" for k in value}
                non_null |= {f"[].{key}.{k}" for k, v in value.items() if v is not None}
        shapes.append((every, non_null))
    return shapes


def _recorded_shapes(vendor: str, server: Any) -> dict[tuple[str, str, int], list[tuple[set, set]]]:
    shapes: dict[tuple[str, str, int], list[tuple[set, set]]] = defaultdict(list)
    for exchange in exchanges(vendor):
        matched = server.router.match(exchange.path)
        if matched:
            shapes[(exchange.method, matched[0], exchange.status)] += _shapes(exchange.response_body)
    return {key: value for key, value in shapes.items() if value}


def _matches(sandbox_shape: tuple[set, set], recorded: tuple[set, set], allowed_extra: set) -> bool:
    keys, _ = sandbox_shape
    recorded_all, recorded_non_null = recorded
    return recorded_non_null <= keys <= (recorded_all | allowed_extra)


def check_realism(server: Any, seen: list) -> None:
    recorded = _recorded_shapes(server.name, server)
    mismatches, exercised = [], set()
    for method, template, status, body in seen:
        key = (method, template, status)
        if key not in recorded:
            continue
        top, items = _schema_required(server.spec, method, template, status)
        for shape in _shapes(body):  # every object in the answer must look like some real one
            exercised.add((method, template))
            if not any(_matches(shape, variant, top | items) for variant in recorded[key]):
                closest = min(recorded[key], key=lambda v: len(v[0] ^ shape[0]))
                extra, missing = shape[0] - closest[0] - top - items, closest[1] - shape[0]
                mismatches.append(f"{method} {template} {status}: sandbox-only {sorted(extra)}, "
                                  f"missing {sorted(missing)}")
    assert not mismatches, "sandbox answers differ from real ones:\n" + "\n".join(mismatches)
    served = {(m, t) for (m, t) in server.routes}
    covered = {(m, t) for (m, t, _s) in recorded if (m, t) in served}
    assert covered - exercised == set(), f"recorded endpoints the scenario did not exercise: {covered - exercised}"


def test_render_answers_carry_the_recorded_keys(sandbox):
    api = RecordingClient(sandbox.render)
    owner = sandbox.render.owner_id
    image = {"ownerId": owner, "imagePath": "docker.io/library/nginx:latest"}
    web = api.post("/services", json={"type": "web_service", "name": "web", "ownerId": owner, "image": image,
                                      "serviceDetails": {"runtime": "image", "plan": "starter"}}).json()
    sid = web["service"]["id"]
    api.post("/services", json={"type": "web_service", "name": "git", "ownerId": owner,
                                "repo": "https://github.com/acme/api", "branch": "main",
                                "buildFilter": {"paths": ["src/**"], "ignoredPaths": []},
                                "serviceDetails": {"runtime": "node", "envSpecificDetails": {
                                    "buildCommand": "npm ci", "startCommand": "npm start"}}})
    for service_type in ("private_service", "background_worker"):
        api.post("/services", json={"type": service_type, "name": service_type, "ownerId": owner, "image": image,
                                    "serviceDetails": {"runtime": "image"}})
    api.post("/services", json={"type": "cron_job", "name": "cron", "ownerId": owner, "image": image,
                                "serviceDetails": {"runtime": "image", "schedule": "0 * * * *"}})
    site = api.post("/services", json={"type": "static_site", "name": "site", "ownerId": owner,
                                       "repo": "https://github.com/acme/web",
                                       "serviceDetails": {"buildCommand": "make", "publishPath": "out"}}).json()
    site_id = site["service"]["id"]
    api.get("/services")
    api.get(f"/services/{sid}")
    api.patch(f"/services/{sid}", json={"serviceDetails": {"plan": "standard"}})
    # The create's deploy must end first: one requested while it runs is queued (202, no body to compare).
    wait_for(lambda: api.get(f"/services/{sid}/deploys/{web['deployId']}").json()["status"] == "live", timeout=10)
    api.post(f"/services/{sid}/deploys", json={})
    api.post(f"/services/{sid}/scale", json={"numInstances": 2})
    api.put(f"/services/{sid}/autoscaling", json={"enabled": True, "min": 1, "max": 3, "criteria": {
        "cpu": {"enabled": True, "percentage": 60}, "memory": {"enabled": False, "percentage": 70}}})
    api.put(f"/services/{sid}/env-vars", json=[{"key": "A", "value": "1"}])
    api.get(f"/services/{sid}/env-vars")
    api.put(f"/services/{sid}/secret-files", json=[{"name": "f", "content": "x"}])
    api.get(f"/services/{sid}/secret-files")
    api.post(f"/services/{site_id}/custom-domains", json={"name": "docs.example.com"})
    api.get(f"/services/{site_id}/custom-domains")
    api.put(f"/services/{site_id}/headers", json=[{"path": "/*", "name": "X-A", "value": "1"}])
    api.get(f"/services/{site_id}/headers")
    api.put(f"/services/{site_id}/routes", json=[{"type": "redirect", "source": "/a", "destination": "/b"}])
    api.get(f"/services/{site_id}/routes")
    group = api.post("/env-groups", json={"name": "g", "ownerId": owner, "envVars": [{"key": "K", "value": "v"}],
                                          "secretFiles": [{"name": "s", "content": "c"}]}).json()
    api.get(f"/env-groups/{group['id']}")
    api.patch(f"/env-groups/{group['id']}", json={"name": "g2"})
    api.put(f"/env-groups/{group['id']}/env-vars/K", json={"value": "w"})
    api.put(f"/env-groups/{group['id']}/secret-files/s", json={"content": "d"})
    project = api.post("/projects", json={"name": "p", "ownerId": owner, "environments": [
        {"name": "prod", "protectedStatus": "protected", "networkIsolationEnabled": False}]}).json()
    api.get(f"/projects/{project['id']}")
    api.patch(f"/projects/{project['id']}", json={"name": "p2"})
    environment = api.post("/environments", json={"name": "staging", "projectId": project["id"],
                                                  "networkIsolationEnabled": True}).json()
    api.get(f"/environments/{environment['id']}")
    api.patch(f"/environments/{environment['id']}", json={"name": "stage"})
    api.post(f"/environments/{environment['id']}/resources", json={"resourceIds": [sid]})
    worker = api.post("/services", json={"type": "background_worker", "name": "disky", "ownerId": owner,
                                         "image": image, "serviceDetails": {"runtime": "image", "disk": {
                                             "name": "d", "mountPath": "/data", "sizeGB": 1}}}).json()
    disk_id = worker["service"]["serviceDetails"]["disk"]["id"]
    api.get(f"/services/{worker['service']['id']}")
    api.patch(f"/disks/{disk_id}", json={"name": "d2", "mountPath": "/data2", "sizeGB": 2})
    api.delete(f"/disks/{disk_id}")
    api.post("/disks", json={"name": "d3", "mountPath": "/data", "sizeGB": 2, "serviceId": worker["service"]["id"]})
    api.put(f"/logs/streams/owner/{owner}", json={"endpoint": "", "preview": "drop", "token": ""})
    api.get(f"/logs/streams/owner/{owner}")
    api.delete(f"/logs/streams/owner/{owner}")
    api.put(f"/logs/streams/resource/{sid}", json={"setting": "drop"})
    api.get(f"/logs/streams/resource/{sid}")
    api.delete(f"/logs/streams/resource/{sid}")
    api.get(f"/logs/streams/resource/{sid}")  # 404 {"message": ...} as recorded
    api.patch(f"/notification-settings/owners/{owner}", json={})
    api.get(f"/notification-settings/owners/{owner}")
    api.patch(f"/notification-settings/overrides/services/{sid}",
              json={"notificationsToSend": "all", "previewNotificationsEnabled": "true"})
    api.get(f"/notification-settings/overrides/services/{sid}")
    api.put(f"/metrics-stream/{owner}", json={"provider": "CUSTOM", "url": "https://otel.example.com", "token": "t"})
    api.get(f"/metrics-stream/{owner}")
    api.delete(f"/metrics-stream/{owner}")
    check_realism(sandbox.render, api.seen)


def test_supabase_answers_carry_the_recorded_keys(sandbox):
    api = RecordingClient(sandbox.supabase)
    api.get("/v1/organizations")
    api.post("/v1/organizations", json={"name": "Acme"})
    ref = api.post("/v1/projects", json={"name": "p", "organization_slug": sandbox.supabase.organization_slug,
                                         "db_pass": "pw-12345", "region": "us-east-1"}).json()["ref"]
    wait_for(lambda: api.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY", timeout=30)
    api.get("/v1/projects")
    api.get(f"/v1/projects/{ref}/api-keys", params={"reveal": "true"})
    api.get(f"/v1/projects/{ref}/config/database/pooler")
    api.put(f"/v1/projects/{ref}/config/database/postgres", json={"statement_timeout": "8s", "max_connections": 100,
                                                                  "shared_buffers": "256MB",
                                                                  "effective_cache_size": "768MB"})
    api.get(f"/v1/projects/{ref}/config/database/postgres")
    api.get(f"/v1/projects/{ref}/network-restrictions")
    api.post(f"/v1/projects/{ref}/network-restrictions/apply", json={"dbAllowedCidrs": ["0.0.0.0/0"],
                                                                      "dbAllowedCidrsV6": []})
    api.patch(f"/v1/projects/{ref}/network-restrictions", json={"add": {"dbAllowedCidrs": ["8.8.8.0/24"]}})
    api.put(f"/v1/projects/{ref}/ssl-enforcement", json={"requestedConfig": {"database": True}})
    api.get(f"/v1/projects/{ref}/ssl-enforcement")
    api.patch(f"/v1/projects/{ref}/config/auth", json={"site_url": "https://example.com"})
    api.get(f"/v1/projects/{ref}/config/auth")
    api.post(f"/v1/projects/{ref}/secrets", json=[{"name": "FOO", "value": "bar"}])
    api.get(f"/v1/projects/{ref}/secrets")
    api.delete(f"/v1/projects/{ref}/secrets", json=["FOO"])
    api.get(f"/v1/projects/{ref}/database/backups")
    api.post(f"/v1/projects/{ref}/database/backups/restore-pitr", json={"recovery_time_target_unix": 1707407047})
    api.get(f"/v1/projects/{ref}/billing/addons")
    api.post(f"/v1/projects/{ref}/database/query", json={"query": "select 1"})
    branch = api.post(f"/v1/projects/{ref}/branches", json={"branch_name": "my-branch", "git_branch": "main"}).json()
    api.get(f"/v1/projects/{ref}/branches/my-branch")
    api.get(f"/v1/branches/{branch['project_ref']}")
    api.delete(f"/v1/branches/{branch['project_ref']}")
    api.delete(f"/v1/projects/{ref}")
    coming_up = api.post("/v1/projects", json={"name": "q", "organization_slug": sandbox.supabase.organization_slug,
                                               "db_pass": "pw-12345"}).json()["ref"]
    sandbox.supabase.edit("projects", coming_up, {"status": "COMING_UP", "_readyAt": 1e12})
    api.delete(f"/v1/projects/{coming_up}")  # 400 {"message": ...} as recorded
    check_realism(sandbox.supabase, api.seen)
