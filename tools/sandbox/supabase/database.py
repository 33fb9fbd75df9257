"""Supabase database settings: Postgres config, pooler (Supavisor) config, the database password.

Postgres config ``GET`` returns only the overrides set so far (as the real API does); a ``PUT`` also applies the
parameters to the project's real server (``ALTER SYSTEM`` + reload) where a reload suffices. The pooler entry is
the sandbox's Supavisor stand-in (``pooler.py``): user ``postgres.<ref>``, host 127.0.0.1, the pooler's port (the
platform's is 6543), database ``postgres``, transaction mode; a PATCHed pool mode or pool size reaches PgBouncer.
"""

from __future__ import annotations

from functools import partial

from ..routing import ApiError, RouteTable
from ..server import Call, Reply
from .common import active_project, settings_of

routes = RouteTable()

POOLER_PORT = 6543  # the platform's transaction-mode port, reported when the sandbox runs without Postgres


routes.get_one("/v1/projects/{ref}/config/database/postgres", partial(settings_of, collection="postgres_config"), dict)


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
    port = call.server.pooler.port or POOLER_PORT
    pooler = call.store["pooler_config"][project["ref"]]
    user = f"postgres.{project['ref']}"
    url = f"postgresql://{user}:[YOUR-PASSWORD]@127.0.0.1:{port}/postgres"
    return {"identifier": project["ref"], "database_type": "PRIMARY", "db_user": user, "db_host": "127.0.0.1",
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
    call.server.pooler.reconfigure(call.params["ref"])
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
