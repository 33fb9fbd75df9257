"""``POST /v1/projects/{ref}/database/query``: run SQL for real against the project's Postgres server.

The statement runs as the ``postgres`` role (``SET ROLE`` on a connection of the sandbox's admin role, so a
changed ``postgres`` password never locks the sandbox out) with that role's own settings (its ``search_path``
``"$user", public, extensions``); objects created belong to ``postgres`` as on the platform. The answer is the rows of the last statement as JSON objects (``[{"?column?": 1}]`` for ``select 1``);
a SQL error is a 400 whose message carries Postgres' SQLSTATE and text.
A ready preview branch's ref runs on the branch's own server (``common.database_project``).
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
import uuid

from ..routing import ApiError, RouteTable
from ..server import Call, Reply
from ..postgres import READ_ONLY_ROLE
from .common import database_project

routes = RouteTable()


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return value


def _placeholders(query: str, parameters: list | None) -> tuple[str, dict | None]:
    """Supabase takes Postgres-style ``$1`` placeholders; psycopg wants ``%(name)s`` (and ``%%`` for ``%``)."""
    if not parameters:
        return query, None
    converted = re.sub(r"\$(\d+)", lambda m: f"%(p{m.group(1)})s", query.replace("%", "%%"))
    return converted, {f"p{i}": value for i, value in enumerate(parameters, start=1)}


ROLE_SETTINGS = """SELECT set_config(split_part(setting, '=', 1), substr(setting, strpos(setting, '=') + 1), false)
  FROM pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) AS setting
 WHERE s.setrole = (SELECT oid FROM pg_roles WHERE rolname = %s)
   AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))"""


def run_sql(instance, query: str, parameters: list | None, read_only: bool, role: str = "postgres") -> list[dict]:
    import psycopg
    from psycopg import sql
    from psycopg.rows import dict_row

    with instance.admin_connect(autocommit=False, row_factory=dict_row) as conn:
        # As if the role had logged in: its own settings (postgres' search_path includes `extensions`).
        conn.execute(ROLE_SETTINGS, (role,))
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        if read_only:
            conn.execute("SET TRANSACTION READ ONLY")
        try:
            cursor = conn.execute(*_placeholders(query, parameters), prepare=False)
        except psycopg.Error as error:
            conn.rollback()
            diag = error.diag
            raise ApiError(400, f"Failed to run sql query: ERROR:  {diag.sqlstate}: {diag.message_primary or error}")
        rows: list[dict] = []
        while True:  # keep the rows of the last statement that returned any
            if cursor.description is not None:
                rows = cursor.fetchall()
            if not cursor.nextset():
                break
        conn.commit()
    return json.loads(json.dumps(rows, default=_jsonable))


def _instance(call: Call):
    with call.store.lock:
        project = database_project(call)
    instance = call.server.databases.get(project["ref"])
    if instance is None:
        raise ApiError(500, "Failed to run sql query: the project's database is not running")
    return instance


# Not under the store lock: SQL may take a while and must not stall every other request.
@routes.post("/v1/projects/{ref}/database/query", locked=False)
def run_query(call: Call) -> Reply:
    body = call.body
    return 201, run_sql(_instance(call), body["query"], body.get("parameters"), bool(body.get("read_only")))


@routes.post("/v1/projects/{ref}/database/query/read-only", locked=False)
def run_read_only_query(call: Call) -> Reply:
    """As ``supabase_read_only_user`` (member of pg_read_all_data) in a read-only transaction."""
    body = call.body
    return 201, run_sql(_instance(call), body["query"], body.get("parameters"), True, role=READ_ONLY_ROLE)
