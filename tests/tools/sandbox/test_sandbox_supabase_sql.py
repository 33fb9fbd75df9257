"""``database/query`` reaches a real Postgres server per project; the reported connection details work."""

import psycopg
import pytest

from tests.tools.sandbox.supabase_projects import new_project


@pytest.fixture
def project(sandbox):
    return new_project(sandbox, "db", "first-password")


def connection_details(api, ref):
    """The pooler's host, port and database, and the user a role logs in as there (`<role>.<ref>`)."""
    (pooler,) = api.get(f"/v1/projects/{ref}/config/database/pooler").json()
    return pooler["db_host"], pooler["db_port"], pooler["db_name"], lambda role: f"{role}.{ref}"


def test_sql_runs_for_real_and_returns_rows(project):
    api, ref = project
    result = api.post(f"/v1/projects/{ref}/database/query", json={"query": "select 1"})
    assert result.status_code == 201 and result.json() == [{"?column?": 1}]
    api.post(f"/v1/projects/{ref}/database/query",
             json={"query": "create table items (id serial primary key, name text); "
                            "insert into items (name) values ('a'), ('b')"})
    rows = api.post(f"/v1/projects/{ref}/database/query",
                    json={"query": "select id, name from items where name = $1", "parameters": ["b"]}).json()
    assert rows == [{"id": 2, "name": "b"}]


def test_role_created_through_the_api_can_log_in(project):
    api, ref = project
    created = api.post(f"/v1/projects/{ref}/database/query",
                       json={"query": "create role app_reader login password 'reader-secret'; "
                                      "grant pg_read_all_data to app_reader"})
    assert created.status_code == 201, created.text
    host, port, dbname, user = connection_details(api, ref)
    with psycopg.connect(host=host, port=port, dbname=dbname, user=user("app_reader"), password="reader-secret") as conn:
        assert conn.execute("select current_user").fetchone() == ("app_reader",)


def test_postgres_user_logs_in_with_db_pass_and_the_password_endpoint_changes_it(project):
    api, ref = project
    host, port, dbname, user = connection_details(api, ref)
    with psycopg.connect(host=host, port=port, dbname=dbname, user=user("postgres"), password="first-password") as conn:
        assert conn.execute("select current_user").fetchone() == ("postgres",)
    assert api.patch(f"/v1/projects/{ref}/database/password", json={"password": "second-password"}).status_code == 200
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host=host, port=port, dbname=dbname, user=user("postgres"), password="first-password")
    psycopg.connect(host=host, port=port, dbname=dbname, user=user("postgres"), password="second-password").close()


def test_sql_error_and_read_only(project):
    api, ref = project
    error = api.post(f"/v1/projects/{ref}/database/query", json={"query": "select * from missing_table"})
    assert error.status_code == 400 and "42P01" in error.json()["message"]
    read_only = api.post(f"/v1/projects/{ref}/database/query",
                         json={"query": "create table t (x int)", "read_only": True})
    assert read_only.status_code == 400 and "25006" in read_only.json()["message"]  # read_only_sql_transaction
    assert api.post(f"/v1/projects/{ref}/database/query", json={"query": ""}).status_code == 400  # minLength 1


def test_each_project_has_its_own_server(sandbox, project):
    api, ref = project
    _, other = new_project(sandbox, "other", "other-password")
    api.post(f"/v1/projects/{ref}/database/query", json={"query": "create role only_here login"})
    found = api.post(f"/v1/projects/{other}/database/query",
                     json={"query": "select count(*) as n from pg_roles where rolname = 'only_here'"}).json()
    assert found == [{"n": 0}]
    assert sandbox.supabase.connection_info(ref)["port"] != sandbox.supabase.connection_info(other)["port"]


def test_read_only_endpoint_reads_but_cannot_write(project):
    api, ref = project
    api.post(f"/v1/projects/{ref}/database/query", json={"query": "create table public.notes (t text); "
                                                                  "insert into public.notes values ('hi')"})
    rows = api.post(f"/v1/projects/{ref}/database/query/read-only",
                    json={"query": "select current_user as who, t from public.notes"})
    assert rows.status_code == 201 and rows.json() == [{"who": "supabase_read_only_user", "t": "hi"}]
    write = api.post(f"/v1/projects/{ref}/database/query/read-only", json={"query": "delete from public.notes"})
    assert write.status_code == 400
