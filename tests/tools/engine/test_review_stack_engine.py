"""A review stack on the real engine and the sandbox (issue 26): derived from Pulumi.local.yaml with the local
stack's Supabase project as the parent, `up` makes one branch pr-<n> and puts every service in the Render
environment pr-<n>; each backend role logs in to the branch's database with the DATABASE_URL its service got and
can do what its privileges say, nothing more; `destroy` leaves nothing named pr-<n> behind."""
from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
import yaml
from psycopg import errors

from components import naming
from ops.review.stack_config import stack_file_text
from tools.engine.testing import run_pulumi
from tests.tools.engine.local_project import local_project, pulumi

PR = 41
STACK = naming.review_stack(PR)


def database_only(config: dict) -> None:
    """The parent: the local stack's Supabase project alone (no services to wait for)."""
    config["procurement:tiers"].update(backend=False, frontend=False, observability=False)
    config["procurement:database"]["roles"] = []


def review(root: Path, env: dict, *args: str, check: bool = True):
    return run_pulumi([*args, "--stack", STACK], cwd=root, env=env, check=check, timeout=600)


def refused(conn, statement: str) -> bool:
    """Whether Postgres refuses `statement` for lack of a privilege (the transaction is rolled back either way)."""
    try:
        conn.execute(statement)
    except errors.InsufficientPrivilege:
        return True
    finally:
        conn.rollback()
    return False


def roles_log_in_to_the_branch_with_only_their_privileges(sandbox, branch_ref: str, services: list[dict]) -> None:
    """The api's role (SELECT, INSERT, UPDATE, DELETE in Pulumi.local.yaml) and the reminders' (SELECT) log in with
    the DATABASE_URL Render holds for their service: on the branch's own server, TLS on, neither a superuser."""
    detail = sandbox.supabase.client().get(f"/v1/branches/{branch_ref}").json()
    env_vars = sandbox.render.store.data["env_vars"]
    url_of = {s["name"].removeprefix(f"procurement-{STACK}-"): env_vars.get(s["id"], {}).get("DATABASE_URL")
              for s in services}
    assert url_of["api"].startswith("postgresql://procurement_api:")
    assert f"@{detail['db_host']}:{detail['db_port']}/postgres?sslmode=require" in url_of["api"]
    assert url_of[naming.STATIC_SITE] is None  # the static site gets no database
    # A table the backend's migrations would make (as the branch's postgres, which owns the schema's tables).
    with psycopg.connect(host=detail["db_host"], port=detail["db_port"], dbname="postgres", user=detail["db_user"],
                         password=detail["db_pass"], connect_timeout=10, autocommit=True) as owner:
        owner.execute("CREATE TABLE public.review_orders (id serial PRIMARY KEY, item text)")
    with psycopg.connect(url_of["api"], connect_timeout=10) as api:
        assert api.execute("SELECT current_user, current_setting('ssl')").fetchone() == ("procurement_api", "on")
        assert not api.execute("SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles "
                               "WHERE rolname = current_user").fetchone()[0]
        api.execute("INSERT INTO public.review_orders (item) VALUES ('chair')")
        api.execute("UPDATE public.review_orders SET item = 'desk'")
        assert api.execute("SELECT item FROM public.review_orders").fetchall() == [("desk",)]
        api.execute("DELETE FROM public.review_orders")
        api.commit()
        assert refused(api, "TRUNCATE public.review_orders")  # not among its privileges
        assert refused(api, "CREATE TABLE public.not_mine (id int)")
        assert refused(api, "DROP TABLE public.review_orders")
        assert refused(api, "CREATE ROLE intruder")
    with psycopg.connect(url_of["approval-reminders"], connect_timeout=10) as reminders:
        assert reminders.execute("SELECT count(*) FROM public.review_orders").fetchone() == (0,)
        assert refused(reminders, "INSERT INTO public.review_orders (item) VALUES ('chair')")
    with pytest.raises(psycopg.OperationalError):  # the role exists on the branch only, not on the parent
        psycopg.connect(url_of["api"].replace(f":{detail['db_port']}/", f":{parent_port(sandbox, branch_ref)}/"),
                        connect_timeout=10)


def parent_port(sandbox, branch_ref: str) -> int:
    branch = next(b for b in sandbox.supabase.store.data["branches"].values() if b["project_ref"] == branch_ref)
    return sandbox.supabase.databases[branch["parent_project_ref"]].port


def tagged(sandbox) -> dict[str, list[str]]:
    """Every vendor object in the sandbox whose name carries the review stack's tag, by kind."""
    render, supabase = sandbox.render.store.data, sandbox.supabase.store.data
    found = {
        "render services": [s["name"] for s in render["services"].values()],
        "render projects": [p["name"] for p in render["projects"].values()],
        "render env groups": [g["name"] for g in render["env_groups"].values()],
        "supabase branches": [b["name"] for b in supabase["branches"].values()],
    }
    return {kind: [n for n in names if naming.review_pr_of(n) == PR] for kind, names in found.items()}


@pytest.mark.sandbox_settings(deploy_delay=0.3)
def test_a_review_stack_comes_up_as_a_branch_and_an_environment_and_goes_away(tmp_path, pulumi_env, sandbox):
    root, env = local_project(tmp_path, pulumi_env, sandbox, edit_config=database_only)
    pulumi(root, env, "up", "--yes", "--skip-preview")
    parent = json.loads(pulumi(root, env, "stack", "output", "supabase_project_ref", "--json").stdout)

    base = yaml.safe_load((root / "Pulumi.local.yaml").read_text())  # the sandbox-pointed local file
    # Undo the parent's edits: the review stack is the whole local platform.
    base["config"]["procurement:tiers"].update(backend=True, frontend=True, observability=True)
    base["config"]["procurement:database"] = yaml.safe_load(
        (Path(__file__).resolve().parents[3] / "Pulumi.local.yaml").read_text())["config"]["procurement:database"]
    text = stack_file_text("Pulumi.local.yaml", base, PR, parent, head_branch="feature/review")
    (root / f"Pulumi.{STACK}.yaml").write_text(text)
    run_pulumi(["stack", "init", STACK], cwd=root, env=env)
    review(root, env, "up", "--yes", "--skip-preview")

    supabase, render = sandbox.supabase.store.data, sandbox.render.store.data
    branches = [b for b in supabase["branches"].values() if not b["is_default"]]
    assert [(b["name"], b["parent_project_ref"]) for b in branches] == [(STACK, parent)]
    outputs = json.loads(review(root, env, "stack", "output", "--json").stdout)
    assert outputs["database_branch_ref"] == branches[0]["project_ref"]
    assert outputs["review"]["pr"] == str(PR) and outputs["environment"] == "review"
    [project] = [p for p in render["projects"].values() if p["name"] == f"procurement-{STACK}"]
    [environment] = [render["environments"][e] for e in project["environmentIds"]]
    assert environment["name"] == STACK
    services = [s for s in render["services"].values() if naming.review_pr_of(s["name"]) == PR]
    assert len(services) == 5  # four backend services and the static site
    assert {s["name"]: s.get("environmentId") for s in services} == {s["name"]: environment["id"] for s in services}
    assert sorted(environment["serviceIds"]) == sorted(s["id"] for s in services)
    assert outputs["api_url"] == f"https://{render['services'][outputs['api_service_id']]['slug']}.onrender.com"
    roles_log_in_to_the_branch_with_only_their_privileges(sandbox, branches[0]["project_ref"], services)

    review(root, env, "destroy", "--yes", "--skip-preview")
    assert tagged(sandbox) == {kind: [] for kind in tagged(sandbox)}
    assert [p["name"] for p in supabase["projects"].values() if "_branch_of" not in p]  # the parent stays
