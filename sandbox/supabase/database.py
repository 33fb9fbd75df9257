"""Supabase database settings: Postgres config, pooler (Supavisor) config, the database password.

Postgres config ``GET`` returns only the overrides set so far (as the real API does); a ``PUT`` also applies the
parameters to the project's real server (``ALTER SYSTEM`` + reload) where a reload suffices. The pooler entry
points at the project's real server: host 127.0.0.1, its port, database ``postgres``. There is no Supavisor on
loopback, so ``db_user`` is ``postgres`` rather than the pooler's ``postgres.<ref>``.
"""

from __future__ import annotations

from ..routing import ApiError, RouteTable
from ..server import Call, Reply
from .common import active_project, settings_of

routes = RouteTable()

UNCONNECTED_PORT = 5432  # reported when the sandbox runs without Postgres


@routes.get("/v1/projects/{ref}/config/database/postgres")
def get_postgres_config(call: Call) -> Reply:
    return 200, dict(settings_of(call, "postgres_config"))


@routes.put("/v1/projects/{ref}/config/database/postgres")
def put_postgres_config(call: Call) -> Reply:
    overrides = settings_of(call, "postgres_config")
    changes = {k: v for k, v in call.body.items() if k != "restart_database"}
    instance = call.server.databases.get(call.params["ref"])
    if instance is not None:
        try:
            instance.apply_settings(changes)
        except Exception as error:  # Postgres refused a value the spec allowed
            raise ApiError(400, f"Failed to update postgres config: {error}")
    overrides.update(changes)
    return 200, dict(overrides)


def pooler_entry(call: Call, project: dict) -> dict:
    instance = call.server.databases.get(project["ref"])
    port = instance.port if instance else UNCONNECTED_PORT
    pooler = call.store["pooler_config"][project["ref"]]
    url = f"postgresql://postgres:[YOUR-PASSWORD]@127.0.0.1:{port}/postgres"
    return {"identifier": project["ref"], "database_type": "PRIMARY", "db_user": "postgres", "db_host": "127.0.0.1",
            "db_port": port, "db_name": "postgres", "connection_string": url, "connectionString": url,
            "pool_mode": pooler.get("pool_mode", "transaction"),
            "default_pool_size": pooler.get("default_pool_size"), "max_client_conn": pooler.get("max_client_conn"),
            "is_using_scram_auth": True}


@routes.get("/v1/projects/{ref}/config/database/pooler")
def get_pooler(call: Call) -> Reply:
    return 200, [pooler_entry(call, active_project(call))]


@routes.patch("/v1/projects/{ref}/config/database/pooler")
def patch_pooler(call: Call) -> Reply:
    pooler = settings_of(call, "pooler_config")
    for key in ("default_pool_size", "pool_mode"):
        if key in call.body:
            pooler[key] = call.body[key]
    return 200, {"default_pool_size": pooler.get("default_pool_size"),
                 "pool_mode": pooler.get("pool_mode", "transaction")}


@routes.patch("/v1/projects/{ref}/database/password")
def update_password(call: Call) -> Reply:
    project = active_project(call)
    password = call.body["password"]
    if len(password) < 4:
        raise ApiError(400, "password must be at least 4 characters")
    instance = call.server.databases.get(project["ref"])
    if instance is not None:
        instance.set_postgres_password(password)
    project["_db_pass"] = password
    return 200, {"message": "ok"}
