"""A new Supabase project on the sandbox, created over the Management API and ready for use: where most Supabase
sandbox tests start."""

from tools.sandbox.testing import wait_for


def new_project(sandbox, name, db_pass, **body):
    """The API client and the ref of a new project `name` (database password `db_pass`, any other create fields in
    `body`), once it reports ACTIVE_HEALTHY."""
    api = sandbox.supabase.client()
    ref = api.post("/v1/projects", json={"name": name, "organization_slug": sandbox.supabase.organization_slug,
                                         "db_pass": db_pass, **body}).json()["ref"]
    wait_for(lambda: api.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY", timeout=30)
    return api, ref
