"""Removing each optional input of each Supabase provider, against the sandbox and its real Postgres (the table
and its runner: ``tests/dynamic_providers/removal_table.py``). One case per field; the table test fails for a
missing one. Each provider runs on its own project (network restrictions lock the database, for one)."""
from __future__ import annotations

import sys
from itertools import count
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # removal_table
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "render"))  # render_harness.Driver (engine order)

from dynamic_providers.core import progress  # noqa: E402
from dynamic_providers.supabase.project import ProjectProvider  # noqa: E402
from dynamic_providers.supabase.settings import PostgresConfigProvider  # noqa: E402
from removal_table import WARNS, Case, optional_fields, run_table, warned_about  # noqa: E402
from render_harness import Driver  # noqa: E402
from supabase_engine import FAST_HTTP, FAST_WAIT  # noqa: E402
from supautils_stand_in import needs_supautils, set_postgres_superuser  # noqa: E402

PASSWORD = "project-db-password"

# A value Postgres (and the spec) accepts for every parameter; none of them breaks the test database.
POSTGRES_VALUES = {
    "effective_cache_size": "256MB", "logical_decoding_work_mem": "64MB", "maintenance_work_mem": "64MB",
    "track_activity_query_size": "2048", "max_connections": 120, "max_locks_per_transaction": 128,
    "max_parallel_maintenance_workers": 1, "max_parallel_workers": 4, "max_parallel_workers_per_gather": 1,
    "max_replication_slots": 8, "max_slot_wal_keep_size": "1GB", "max_standby_archive_delay": "30s",
    "max_standby_streaming_delay": "30s", "max_wal_size": "2GB", "max_wal_senders": 8, "max_worker_processes": 8,
    "session_replication_role": "local", "shared_buffers": "256MB", "statement_timeout": "30s",
    "track_commit_timestamp": True, "wal_keep_size": "128MB", "wal_sender_timeout": "30s", "work_mem": "8MB",
    "checkpoint_timeout": "10min", "hot_standby_feedback": True,
}
AUTH_VALUES = {
    "site_url": "https://app.example.com", "jwt_expiry": 1800, "disable_signup": True, "email_signup_enabled": False,
    "email_autoconfirm": True, "anonymous_sign_ins_enabled": True, "password_min_length": 12,
    "mfa_totp_enroll_enabled": False, "mfa_totp_verify_enabled": False, "mfa_max_enrolled_factors": 3,
    "redirect_urls": ["https://app.example.com/callback"],
    "smtp": {"admin_email": "ops@example.com", "host": "smtp.example.com", "port": 587, "user": "mailer",
             "sender_name": "Procurement"},
    "smtp_password": "smtp-secret", "providers": {"github": {"enabled": True, "client_id": "gh-client"}},
    "provider_secrets": {"github": "gh-secret"},
}
# What a field needs beside it (the auth secrets belong to their settings).
AUTH_COMPANIONS = {"smtp_password": {"smtp": AUTH_VALUES["smtp"]}, "provider_secrets": {"providers": AUTH_VALUES["providers"]}}


class Ctx:
    def __init__(self, sandbox, ref: str) -> None:
        self.sandbox = sandbox
        self.ref = ref
        self._n = count(1)

    def name(self, stem: str) -> str:
        return f"{stem}_{next(self._n)}"

    def connect(self):
        db = self.sandbox.supabase.databases[self.ref]
        return psycopg.connect(host="127.0.0.1", port=db.port, dbname="postgres", user="postgres",
                               password=PASSWORD, connect_timeout=5, autocommit=True)

    def stand_in_for_supautils(self) -> None:
        if needs_supautils(self.sandbox, self.ref):
            set_postgres_superuser(self.sandbox, self.ref, True)

    def default_version(self, extension: str) -> str:
        with self.connect() as conn:
            return conn.execute("SELECT default_version FROM pg_available_extensions WHERE name = %s",
                                (extension,)).fetchone()[0]


def project_program(sb, name="procurement-removals", **over):
    return {"organization_slug": sb.supabase.organization_slug, "name": name, "region": "eu-central-1",
            "db_password": PASSWORD, **FAST_WAIT, **over}


def setting(c, **fields):
    return {"project_ref": c.ref, **FAST_WAIT, **fields}


def auth(c, name):
    anchor = {"jwt_expiry": 3600} if name == "site_url" else {"site_url": "https://anchor.example.com"}
    return setting(c, **anchor, **AUTH_COMPANIONS.get(name, {}), **{name: AUTH_VALUES[name]})


def role(c, **fields):
    return setting(c, name=c.name("removal_role"), **fields)


def branch(c, **fields):
    """A branch of the case's project (its own branch per case, named like a review stack's)."""
    return {"parent_project_ref": c.ref, "name": c.name("pr").replace("_", "-"), **FAST_WAIT, **fields}


CASES = {
    **{f"PostgresConfigProvider.{name}": Case(lambda c, name=name, value=value: setting(c, **{name: value}))
       for name, value in POSTGRES_VALUES.items()},
    **{f"AuthConfigProvider.{name}": Case(lambda c, name=name: auth(c, name)) for name in AUTH_VALUES},
    "PoolerConfigProvider.pool_mode": Case(lambda c: setting(c, default_pool_size=20, pool_mode="session")),
    "PoolerConfigProvider.default_pool_size": Case(lambda c: setting(c, pool_mode="transaction", default_pool_size=40)),
    "NetworkRestrictionsProvider.db_allowed_cidrs": Case(
        lambda c: setting(c, db_allowed_cidrs=["203.0.113.0/24"], db_allowed_cidrs_v6=["::/0"])),
    "NetworkRestrictionsProvider.db_allowed_cidrs_v6": Case(
        lambda c: setting(c, db_allowed_cidrs=["0.0.0.0/0"], db_allowed_cidrs_v6=["2001:db8::/32"])),
    "ApiKeysProvider.secret_key_names": Case(lambda c: setting(c, secret_key_names=["removal_key"])),
    "ExtensionProvider.schema": Case(lambda c: setting(c, name="citext", schema="public")),
    "ExtensionProvider.version": Case(lambda c: setting(c, name="hstore", version=c.default_version("hstore"))),
    "SqlRoleProvider.password": Case(lambda c: role(c, login=False, password="role-password-123")),
    "SqlRoleProvider.login": Case(lambda c: role(c, password="role-password-123", login=False)),
    "SqlRoleProvider.connection_limit": Case(lambda c: role(c, password="role-password-123", connection_limit=5)),
    "SqlRoleProvider.grants": Case(lambda c: role(c, password="role-password-123", grants=[
        {"on": "all_tables", "schema": "public", "privileges": ["SELECT"]}])),
    # supautils (absent from the sandbox) lets Supabase's postgres set BYPASSRLS on PG15; its stand-in stays on for
    # the rest of this provider's cases, so bypass_rls is declared (and runs) last.
    "SqlRoleProvider.bypass_rls": Case(lambda c: role(c, password="role-password-123", bypass_rls=True),
                                       before=lambda c: c.stand_in_for_supautils()),
    "BranchProvider.git_branch": Case(lambda c: branch(c, git_branch="feature/removal")),
    "BranchProvider.persistent": Case(lambda c: branch(c, persistent=True)),
    "BranchProvider.with_data": Case(lambda c: branch(c, with_data=True)),
    "BranchProvider.region": Case(lambda c: branch(c, region="eu-central-1")),
    "BranchProvider.desired_instance_size": Case(lambda c: branch(c, desired_instance_size="micro")),
    "ProjectProvider.instance_size": Case(
        lambda c: project_program(c.sandbox, name=c.name("sized").replace("_", "-"), instance_size="small")),
}

ROWS = optional_fields("dynamic_providers.supabase")


@pytest.fixture
def project(supabase_env):
    d = Driver(ProjectProvider(http=FAST_HTTP))
    d.up(project_program(supabase_env))
    return d.id


# 25 Postgres parameters x (create, set, remove, refresh) read the config more often than a minute allows.
@pytest.mark.sandbox_rate_limits(capacity_scale=4, reason="every field of a resource in one test: many calls per window")
@pytest.mark.parametrize("provider_cls", sorted({cls for cls, _, _ in ROWS}, key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_removing_each_optional_input_reverts_or_warns(supabase_env, project, provider_cls):
    ctx = Ctx(supabase_env, project)
    rows = [row for row in ROWS if row[0] is provider_cls]
    run_table(lambda cls: (lambda: Driver(cls(http=FAST_HTTP))), ctx, CASES, rows)


def test_statement_timeout_set_before_we_managed_it_is_restored(supabase_env, project):
    """The issue's case: removing statement_timeout restores the override that was there before (no reset
    API exists, but writing the earlier value back does); the live Postgres shows it."""
    sb, ctx = supabase_env, Ctx(supabase_env, project)
    sb.supabase.edit("postgres_config", project, set={"statement_timeout": "2min"})  # someone set it before us
    d = Driver(PostgresConfigProvider(http=FAST_HTTP))
    d.up(setting(ctx, work_mem="8MB"))
    assert d.outs["prior"]["statement_timeout"] == "2min"
    d.up(setting(ctx, work_mem="8MB", statement_timeout="30s"))
    with ctx.connect() as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "30s"
    with progress.capture() as seen:
        assert d.preview(setting(ctx, work_mem="8MB")).changes
        d.up(setting(ctx, work_mem="8MB"))
    assert not warned_about(seen, "statement_timeout")
    assert sb.supabase.store.data["postgres_config"][project]["statement_timeout"] == "2min"
    with ctx.connect() as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "2min"
    d.refresh()
    assert not d.preview(setting(ctx, work_mem="8MB")).changes


def test_statement_timeout_without_an_earlier_value_warns_in_the_preview(supabase_env, project):
    ctx = Ctx(supabase_env, project)
    d = Driver(PostgresConfigProvider(http=FAST_HTTP))
    d.up(setting(ctx, statement_timeout="30s"))
    with progress.capture() as seen:
        assert d.preview(setting(ctx)).changes
    assert warned_about(seen, "statement_timeout")
    assert any("no reset" in message for _, _, message in seen)
