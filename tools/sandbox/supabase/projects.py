"""Supabase organizations and projects: create (async lifecycle), get, list, rename, delete, health.

A new project answers ``UNKNOWN`` to the create call (as recorded from the real API), then ``COMING_UP`` until
both ``settings["project_ready_delay"]`` seconds have passed and its Postgres server accepts connections, then
``ACTIVE_HEALTHY``. The project's database is a real Postgres server (``tools.sandbox.postgres``): ``database.host`` is
127.0.0.1 and the port is the ``db_port`` of ``GET /v1/projects/{ref}/config/database/pooler``.
"""

from __future__ import annotations


from ..clock import now_iso
from ..ids import supabase_ref
from ..routing import ApiError, BadRequest, NotFound, RouteTable
from ..server import Call, Reply
from .common import epoch, is_branch, project_or_404, public

routes = RouteTable()

SANDBOX_ORG = {"id": "sandboxlocalorgslugss", "slug": "sandboxlocalorgslugss", "name": "Sandbox Organization"}
DEFAULT_REGION = "us-east-1"
# What new projects report (recordings/supabase/GET_v1_projects___PROJECT_REF__: "17.6.1.111", engine "17"). The
# server behind it is Debian 12's Postgres 15 (the newest Debian ships); the sandbox README lists what differs.
POSTGRES_VERSION = "17.6.1.111"
POSTGRES_ENGINE = "17"


def project_view(project: dict, with_database: bool = True) -> dict:
    view = {k: project[k] for k in ("id", "ref", "organization_id", "organization_slug", "name", "region",
                                    "created_at", "status")}
    if with_database:
        view["database"] = {"host": "127.0.0.1", "version": POSTGRES_VERSION, "postgres_engine": POSTGRES_ENGINE,
                            "release_channel": "ga"}
    return view


@routes.get("/v1/organizations")
def list_organizations(call: Call) -> Reply:
    return 200, [public(o) for o in call.store["organizations"].values()]


@routes.post("/v1/organizations")
def create_organization(call: Call) -> Reply:
    slug = supabase_ref()
    org = {"id": slug, "slug": slug, "name": call.body["name"]}
    call.store["organizations"][slug] = org
    return 201, public(org)


@routes.get("/v1/organizations/{slug}")
def get_organization(call: Call) -> Reply:
    org = call.store["organizations"].get(call.params["slug"])
    if org is None:
        raise NotFound("Organization not found")
    return 200, {"id": org["id"], "name": org["name"], "plan": "free", "opt_in_tags": [],
                 "allowed_release_channels": ["ga"]}


@routes.get("/v1/organizations/{slug}/projects")
def list_organization_projects(call: Call) -> Reply:
    """The paginated listing (offset/limit, search by name, sort, statuses filter)."""
    if call.params["slug"] not in call.store["organizations"]:
        raise NotFound("Organization not found")
    projects = [p for p in call.store["projects"].values()
                if p["organization_slug"] == call.params["slug"] and not is_branch(p)]
    for project in projects:
        call.server.advance(project)
    search = (call.query.get("search") or "").lower()
    statuses = [s for s in (call.query.get("statuses") or "").split(",") if s]
    projects = [p for p in projects if search in p["name"].lower() and (not statuses or p["status"] in statuses)]
    sort = call.query.get("sort", "name_asc")
    field = "name" if sort.startswith("name") else "created_at"
    projects.sort(key=lambda p: p[field], reverse=sort.endswith("desc"))
    offset, limit = call.query.get("offset", 0), call.query.get("limit", 100)
    page = projects[offset:offset + limit]
    return 200, {"projects": [{"ref": p["ref"], "name": p["name"], "cloud_provider": "AWS", "region": p["region"],
                               "is_branch": False, "status": p["status"], "inserted_at": p["created_at"],
                               "databases": [{"region": p["region"], "status": _database_status(p),
                                              "cloud_provider": "AWS", "identifier": p["ref"], "type": "PRIMARY",
                                              "infra_compute_size": p.get("_instance_size", "micro")}]}
                              for p in page],
                 "pagination": {"count": len(projects), "limit": limit, "offset": offset}}


def _database_status(project: dict) -> str:
    allowed = ("ACTIVE_HEALTHY", "ACTIVE_UNHEALTHY", "COMING_UP", "GOING_DOWN", "INIT_FAILED", "REMOVED",
               "RESTORING", "UNKNOWN", "RESTARTING", "RESIZING")
    return project["status"] if project["status"] in allowed else "UNKNOWN"


@routes.get("/v1/projects")
def list_projects(call: Call) -> Reply:
    projects = [p for p in call.store["projects"].values() if not is_branch(p)]
    for project in projects:
        call.server.advance(project)
    return 200, [project_view(p) for p in projects]


@routes.post("/v1/projects")
def create_project(call: Call) -> Reply:
    body = call.body
    slug = body["organization_slug"]
    if slug not in call.store["organizations"]:
        raise ApiError(404, f"Organization {slug} not found")
    if "region" in body and "region_selection" in body:
        raise BadRequest("Only one of region or region_selection can be specified")
    if len(body["db_pass"]) < 4:
        raise BadRequest("db_pass must be at least 4 characters")
    selection = body.get("region_selection") or {}
    region = body.get("region") or (selection.get("code") if selection.get("type") == "specific" else None) \
        or DEFAULT_REGION
    ref = supabase_ref()
    project = {"id": ref, "ref": ref, "organization_id": slug, "organization_slug": slug, "name": body["name"],
               "region": region, "created_at": now_iso(), "status": "COMING_UP",
               "_db_pass": body["db_pass"], "_readyAt": epoch() + float(call.server.settings["project_ready_delay"]),
               "_instance_size": body.get("desired_instance_size", "micro")}
    call.store["projects"][ref] = project
    call.server.create_project_settings(project)
    call.server.start_database(ref, body["db_pass"])
    return 201, {**project_view(project, with_database=False), "status": "UNKNOWN"}


routes.get_one("/v1/projects/{ref}", project_or_404, project_view)


@routes.patch("/v1/projects/{ref}")
def rename_project(call: Call) -> Reply:
    project = project_or_404(call)
    project["name"] = call.body["name"]
    return 200, {"id": _numeric_id(project), "ref": project["ref"], "name": project["name"]}


@routes.delete("/v1/projects/{ref}")
def delete_project(call: Call) -> Reply:
    project = project_or_404(call)
    if project["status"] == "COMING_UP":
        raise BadRequest("Project not ready for deletion.")  # recorded real answer
    ref = project["ref"]
    del call.store["projects"][ref]
    call.server.drop_project_settings(ref)
    call.server.stop_database(ref)
    call.server.drop_branches(ref)  # a project's branches go with it
    return 200, {"id": _numeric_id(project), "ref": ref, "name": project["name"], "slug": ref}


def _numeric_id(project: dict) -> int:
    # V1ProjectRefResponse.id is the internal integer id; derive a stable one from the ref.
    return int.from_bytes(project["ref"].encode()[:6], "big") % 1_000_000


HEALTH_INFO = {"auth": {"name": "GoTrue", "version": "2.177.0", "description": "GoTrue is a user registration "
                                                                               "and authentication API"},
               "rest": {"db_schema": "public,graphql_public"}}  # PostgREST's exposed schemas on a new project
DATABASE_SERVICES = ("db", "db_postgres_user", "pooler", "pg_bouncer")  # down when the project's Postgres is


@routes.get("/v1/projects/{ref}/health")
def project_health(call: Call) -> Reply:
    """One entry per requested service (``services``, required, form-exploded): ``ACTIVE_HEALTHY`` when the
    project is and, for the database's services, its Postgres answers; ``COMING_UP`` while it comes up; else
    ``UNHEALTHY`` with an ``error`` (spec ``V1ServiceHealthResponse``). Realtime's info reports the database
    connection as Realtime's own health does."""
    project = project_or_404(call)
    up = project["status"] == "ACTIVE_HEALTHY"
    db_alive = up and call.server.database_alive(project["ref"])
    answer = []
    for service in call.query.get("services") or []:
        status = "ACTIVE_HEALTHY" if up and (db_alive or service not in DATABASE_SERVICES) \
            else ("COMING_UP" if project["status"] == "COMING_UP" else "UNHEALTHY")
        entry = {"name": service, "healthy": status == "ACTIVE_HEALTHY", "status": status}
        if service in HEALTH_INFO and status == "ACTIVE_HEALTHY":
            entry["info"] = HEALTH_INFO[service]
        elif service == "realtime" and status == "ACTIVE_HEALTHY":
            entry["info"] = {"healthy": db_alive, "db_connected": db_alive, "replication_connected": db_alive,
                             "connected_cluster": 1}
        if status == "UNHEALTHY":
            entry["error"] = (f"project is {project['status']}" if not up
                              else "the project's database does not answer")
        answer.append(entry)
    return 200, answer
