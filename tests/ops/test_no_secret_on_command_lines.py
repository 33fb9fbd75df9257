"""No database password on any command line (``ps`` shows every user every process's arguments), and TLS that
verifies the server: the backup's dump, the restore's load and the sandbox's own restore points run pg_dump and
pg_restore for real against a sandbox project; every argv they ran with is recorded and searched for the
passwords. The connections are verify-full against the sandbox CA, through the pooler, as against Supabase."""
from __future__ import annotations

import os
import subprocess

import psycopg
import pytest

from ops import libpq
from ops.backup.run import dump
from ops.restore import load
from ops.supabase_api import client
from tools.sandbox.testing import wait_for

PASSWORD = "argv-Pass-1"


def test_pg_dump_and_pg_restore_never_get_a_password_argument(sandbox, monkeypatch, tmp_path):
    commands: list[list[str]] = []
    real_run = subprocess.run

    def recording(args, *more, **kwargs):
        commands.append([str(a) for a in args])
        return real_run(args, *more, **kwargs)

    monkeypatch.setattr(subprocess, "run", recording)
    api = sandbox.supabase.client()
    ref = api.post("/v1/projects", json={"name": "argv", "organization_slug": sandbox.supabase.organization_slug,
                                         "db_pass": PASSWORD}).json()["ref"]
    wait_for(lambda: api.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY", timeout=30)
    with psycopg.connect(**sandbox.supabase.connection_info(ref), autocommit=True) as db:
        db.execute("CREATE TABLE public.orders (id int PRIMARY KEY)")
        db.execute("INSERT INTO public.orders SELECT generate_series(1, 7)")
    pooler = api.get(f"/v1/projects/{ref}/config/database/pooler").json()[0]
    url = pooler["connection_string"].replace("[YOUR-PASSWORD]", PASSWORD) + "?sslmode=require"
    ca = str(sandbox.supabase.tls.ca)

    facts = dump(url, ["public"], tmp_path / "dump", ca)  # the nightly backup's pg_dump
    assert facts["tables"] == {"public.orders": 7}
    with psycopg.connect(**sandbox.supabase.connection_info(ref), autocommit=True) as db:
        db.execute("DROP TABLE public.orders")
    monkeypatch.setenv("SUPABASE_API_URL", sandbox.supabase.base_url)
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", sandbox.supabase.token)
    load(client(), ref, PASSWORD, [], tmp_path / "dump", ca)  # the restore's pg_restore
    with psycopg.connect(**sandbox.supabase.connection_info(ref)) as db:
        assert db.execute("SELECT count(*) FROM public.orders").fetchone()[0] == 7
    base = f"/v1/projects/{ref}/database/backups"  # the sandbox's own pg_dump and pg_restore
    assert api.post(f"{base}/restore-point", json={"name": "argv-1"}).status_code == 201
    assert api.post(f"{base}/undo", json={"name": "argv-1"}).status_code == 201

    ran = [argv for argv in commands if os.path.basename(argv[0]) in ("pg_dump", "pg_restore")]
    assert sum(os.path.basename(a[0]) == "pg_dump" for a in ran) >= 2  # the backup's and the restore point's
    assert sum(os.path.basename(a[0]) == "pg_restore" and "--list" not in a for a in ran) >= 2
    secrets = (PASSWORD, sandbox.supabase.databases[ref].admin_password)
    for argv in commands:
        assert not any(secret in arg for secret in secrets for arg in argv), argv
        assert not any("postgresql://" in arg or "password=" in arg for arg in argv), argv


def test_program_env_pins_the_connection_and_keeps_the_password_in_a_private_file(tmp_path):
    url = "postgresql://backup.abc:p%3Ass%5Cw0rd@pooler.example:5432/postgres?sslmode=require"
    base = {"PATH": "/usr/bin", "PGSERVICE": "elsewhere", "PGPASSWORD": "stale"}
    with libpq.program_env(url, str(tmp_path / "ca.crt"), base=base) as env:
        passfile = env.pop("PGPASSFILE")
        assert env == {"PATH": "/usr/bin", "PGHOST": "pooler.example", "PGPORT": "5432", "PGDATABASE": "postgres",
                       "PGUSER": "backup.abc", "PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(tmp_path / "ca.crt")}
        assert os.stat(passfile).st_mode & 0o777 == 0o600
        with open(passfile) as f:
            assert f.read() == "*:*:*:*:p\\:ss\\\\w0rd\n"  # libpq's escapes for ':' and '\'
    assert not os.path.exists(passfile)  # gone with the program
    with pytest.raises(libpq.BadConnection, match="sets service, which") as caught:
        with libpq.program_env("postgresql://u:secret@h/db?service=x"):
            pass
    assert "secret" not in str(caught.value)
    (tmp_path / "ca.crt").write_text("x")
    assert libpq.ca_file_from_env({"PGSSLROOTCERT": str(tmp_path / "ca.crt")}) == str(tmp_path / "ca.crt")
    assert libpq.ca_file_from_env({}) is None
    with pytest.raises(libpq.BadConnection, match="BACKUP_DATABASE_CA=/nope is not a file"):
        libpq.ca_file_from_env({"BACKUP_DATABASE_CA": "/nope"})
