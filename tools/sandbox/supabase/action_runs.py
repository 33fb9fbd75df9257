"""Supabase branch action runs: one per branch create or reset, read at ``GET /v1/projects/{ref}/actions[/{id}]``.

The spec (``ActionRunResponse``) describes a run as steps whose statuses are container states; the sandbox derives
them from the branch's status (its deprecated ``status`` field, which the spec says action runs replace): steps
not reached yet are CREATED, the current one RUNNING, done ones EXITED, a failed one DEAD. The ``{ref}`` is the
branch's own project ref. Runs go with their branch.
"""

from __future__ import annotations

import secrets

from ..clock import now_iso
from ..routing import NotFound, RouteTable
from ..server import Call, Reply

routes = RouteTable()

STEPS = ("health", "configure", "migrate", "seed")  # no git in the sandbox: the spec's clone/pull never run
# The step each branch status is at (index into STEPS), and the status of that step.
PROGRESS = {"CREATING_PROJECT": (0, "RUNNING"), "RUNNING_MIGRATIONS": (2, "RUNNING"),
            "MIGRATIONS_PASSED": (len(STEPS), "EXITED"), "FUNCTIONS_DEPLOYED": (len(STEPS), "EXITED"),
            "MIGRATIONS_FAILED": (2, "DEAD"), "FUNCTIONS_FAILED": (len(STEPS), "EXITED")}
_RUN_ID_CHARS = "0123456789abcdefghjkmnpqrstvwxyz"  # the Crockford base32 of the spec's example run_01hq3q9m...


def new_run(call: Call, branch: dict) -> str:
    """Start a run for ``branch`` (its create or a reset); it becomes the branch's current run."""
    run_id = "run_" + "".join(secrets.choice(_RUN_ID_CHARS) for _ in range(26))
    call.store["action_runs"][run_id] = {"id": run_id, "branch_id": branch["id"], "created_at": now_iso(),
                                         "_project_ref": branch["project_ref"]}
    branch["_run_id"] = run_id
    return run_id


def drop_runs(store, project_ref: str) -> None:
    for run_id in [k for k, run in store["action_runs"].items() if run["_project_ref"] == project_ref]:
        del store["action_runs"][run_id]


def run_view(call: Call, run: dict) -> dict:
    from .branches import advance_branch  # circular: branches starts runs

    branch = call.store["branches"].get(run["branch_id"])
    current = branch is not None and branch.get("_run_id") == run["id"]
    if current:
        advance_branch(call.server, branch)
    reached, state = PROGRESS[branch["status"]] if current else (len(STEPS), "EXITED")
    updated = branch["updated_at"] if current else run["created_at"]
    steps = [{"name": name, "status": "EXITED" if i < reached else state if i == reached else "CREATED",
              "created_at": run["created_at"], "updated_at": updated} for i, name in enumerate(STEPS)]
    return {"id": run["id"], "branch_id": run["branch_id"], "run_steps": steps, "git_config": None,
            "workdir": None, "check_run_id": None, "created_at": run["created_at"], "updated_at": updated}


def _runs_of(call: Call) -> list[dict]:
    ref = call.params["ref"]
    project = call.store["projects"].get(ref)
    if project is None:
        raise NotFound("Project not found")
    return [run for run in call.store["action_runs"].values() if run["_project_ref"] == ref]


@routes.get("/v1/projects/{ref}/actions")
def list_runs(call: Call) -> Reply:
    runs = sorted(_runs_of(call), key=lambda run: run["created_at"], reverse=True)
    offset, limit = int(call.query.get("offset", 0)), int(call.query.get("limit", 20))
    return 200, [run_view(call, run) for run in runs[offset:offset + limit]]


@routes.get("/v1/projects/{ref}/actions/{run_id}")
def get_run(call: Call) -> Reply:
    for run in _runs_of(call):
        if run["id"] == call.params["run_id"]:
            return 200, run_view(call, run)
    raise NotFound("Action run not found")
