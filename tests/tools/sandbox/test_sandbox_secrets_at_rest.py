"""No plaintext password at rest in a project's database: passwords the sandbox sets (the `postgres` role's,
the admin role's, the pooler's auth user's) are sent as SCRAM verifiers, so pg_stat_statements, which keeps every
statement's text in the data directory, never records one. Real Postgres."""

import secrets
from pathlib import Path

import psycopg


def files_containing(directory: Path, text: str) -> list[Path]:
    needle = text.encode()
    return [path for path in directory.rglob("*") if path.is_file() and needle in path.read_bytes()]


def test_passwords_set_by_the_sandbox_are_nowhere_in_the_data_directory(sandbox_postgres):
    first, second = (f"pw-{secrets.token_hex(12)}" for _ in range(2))
    instance = sandbox_postgres.create_instance(f"atrest-{secrets.token_hex(4)}", first)
    try:
        instance.set_postgres_password(second)  # what PATCH .../database/password does
        instance.set_role_password("pgbouncer", first)  # what the pooler does for its auth user
        with psycopg.connect(host=instance.host, port=instance.port, dbname="postgres", user="postgres",
                             password=second, connect_timeout=10) as conn:
            conn.execute("SELECT 1")  # the verifier is the password's: the new one works
        with instance.admin_connect() as conn:
            texts = [row[0] for row in conn.execute("SELECT query FROM extensions.pg_stat_statements")]
        # pg_stat_statements did record the statements (the check below could fail), without the passwords.
        assert any("ALTER ROLE" in text and "PASSWORD" in text for text in texts), texts
        for password in (first, second, instance.admin_password):
            assert not [text for text in texts if password in text]
    finally:
        instance.stop()  # a clean stop: pg_stat_statements writes its file into the data directory
    for password in (first, second, instance.admin_password):
        assert files_containing(instance.data_dir, password) == []
    assert (instance.data_dir / "pg_stat" / "pg_stat_statements.stat").exists() or \
        list((instance.data_dir / "pg_stat_tmp").glob("pgss*"))
    instance.destroy()
