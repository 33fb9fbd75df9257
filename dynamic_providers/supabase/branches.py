"""``Branch``: a Supabase branch of a parent project (its own project ref and database), for review stacks.

Natural key (parent_project_ref, name), looked up before create and taken over (``adopt`` defaults to True: a
stack killed mid-create leaves its branch behind), never the parent's default branch; the POST is never repeated
blindly. Lifecycle decisions and their vendor sources: dynamic_providers/supabase/README.md, "Semantics worth
knowing" (Branch).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from pulumi.dynamic import CheckFailure

from ..core import formats
from ..core.errors import ValidationError
from ..core.fields import Field, contains_unknown, no_live_setting, warn_on_removal
from ..core.provider import ADOPT, AdoptionRequiredError
from ..core.transport import Transport
from . import models
from .base import WAIT_FIELDS, SupabaseProvider, wait_settings
from .health import classify_status, wait_until

# CreateBranchBody.desired_instance_size.enum
INSTANCE_SIZES = (
    "pico", "nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge",
    "16xlarge", "24xlarge", "24xlarge_optimized_memory", "24xlarge_optimized_cpu", "24xlarge_high_memory",
    "48xlarge", "48xlarge_optimized_memory", "48xlarge_optimized_cpu", "48xlarge_high_memory",
)
# BranchResponse.status: ready once migrations passed (and functions, if any, deployed); these two never move on.
READY_STATUSES = frozenset({"MIGRATIONS_PASSED", "FUNCTIONS_DEPLOYED"})
FAILED_HINTS = {
    "MIGRATIONS_FAILED": "its migrations failed; fix them, then delete the branch and run `pulumi up` again",
    "FUNCTIONS_FAILED": "deploying its Edge Functions failed; fix them, then delete the branch and run "
                        "`pulumi up` again",
}
OUTPUTS = ("branch_id", "project_ref", "status", "db_host", "db_port", "db_user", "db_password", "jwt_secret")
_CREATE_ONLY = no_live_setting("chosen at create; the branch (BranchResponse) does not show it, so removing it "
                               "changes nothing")


class BranchFailedError(RuntimeError):
    """The branch or its database reached a status it will not leave by itself."""

    concise = True  # one line naming the status and what to do (core/sdk_patches.py)


class BranchProvider(SupabaseProvider):
    kind = "Supabase branch"
    fields = {
        "parent_project_ref": Field(kind=str, required=True, replace=True, doc="Ref of the project to branch."),
        "name": Field(kind=str, required=True, replace=True, doc="Branch name (Supabase branch_name), e.g. pr-42."),
        "git_branch": Field(kind=str, on_remove=warn_on_removal(
                                "the API cannot unset a branch's git branch (UpdateBranchBody.git_branch is a "
                                "string); set another one instead"),
                            doc="Git branch the Supabase branch follows; changed in place."),
        "persistent": Field(kind=bool, default=False, doc="Keep the branch (it refuses deletion); changed in place."),
        "region": Field(kind=str, replace=True, on_remove=_CREATE_ONLY, doc="Region; unset = the parent's."),
        "desired_instance_size": Field(kind=str, replace=True, choices=INSTANCE_SIZES, on_remove=_CREATE_ONLY,
                                       doc="Compute size of the branch database; unset = Supabase's default."),
        "with_data": Field(kind=bool, default=False, replace=True, doc="Copy the parent's data into the branch."),
        ADOPT: Field(kind=bool, default=True, managed=False,
                     doc="Take over the branch already made for this name (a stack killed mid-create)."),
        **WAIT_FIELDS,
    }
    output_names = OUTPUTS
    secret_output_names = ("db_password", "jwt_secret")
    adopt_alternative = "choose another branch name"

    # ------------------------------------------------------------------ check
    def validate(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        failures = []
        parent = inputs.get("parent_project_ref")
        reason = formats.supabase_ref(parent) if isinstance(parent, str) and not contains_unknown(parent) else None
        if reason:
            failures.append(CheckFailure("parent_project_ref", f"'parent_project_ref' {reason}"))
        name = inputs.get("name")
        if isinstance(name, str) and not contains_unknown(name) and not name.strip():
            failures.append(CheckFailure("name", "'name' must not be empty"))
        return failures

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"{inputs.get('name')!r} of project {inputs.get('parent_project_ref')}"

    # ------------------------------------------------------------------ API hooks
    def id_of(self, live: Any) -> str:
        return live["branch"].project_ref

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        branch = self.client(api).find_branch(inputs["parent_project_ref"], inputs["name"])
        if branch is None:
            return None
        if branch.is_default:
            raise AdoptionRequiredError(
                f"The Supabase branch {self.describe(inputs)} is the project's default (production) branch "
                f"({branch.project_ref}); a Branch never takes it over: choose another branch name.")
        if branch.deletion_scheduled_at:
            raise AdoptionRequiredError(
                f"The Supabase branch {self.describe(inputs)} ({branch.project_ref}) is scheduled for deletion at "
                f"{branch.deletion_scheduled_at}; restore it (POST /v1/branches/{branch.project_ref}/restore) or "
                f"wait until it is gone, then run `pulumi up` again.")
        return {"branch": branch, "detail": None}

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"branch_name": inputs["name"], "persistent": bool(inputs.get("persistent")),
                                "with_data": bool(inputs.get("with_data"))}
        for name in ("git_branch", "region", "desired_instance_size"):
            if inputs.get(name) is not None:
                body[name] = inputs[name]
        return {"branch": self.client(api).create_branch(inputs["parent_project_ref"], body), "detail": None}

    def after_create(self, api: Transport, id_: str, live: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return self._wait_until_ready(api, id_, inputs)

    def after_takeover(self, api: Transport, id_: str, live: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return self._wait_until_ready(api, id_, inputs)

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        client = self.client(api)
        detail = client.get_branch_detail(id_)  # 404: gone
        branch = next((b for b in client.list_branches(props["parent_project_ref"]) if b.project_ref == id_), None)
        return None if branch is None else {"branch": branch, "detail": detail}

    def update_remote(self, api: Transport, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      changed: set[str]) -> Optional[dict[str, Any]]:
        body = {name: news[name] for name in ("persistent", "git_branch") if name in changed}
        if body:
            self.client(api).update_branch(id_, body)
        return self.read_remote(api, id_, news)

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        client = self.client(api)
        if props.get("persistent"):
            client.update_branch(id_, {"persistent": False})  # a persistent branch refuses deletion
        try:
            client.delete_branch(id_)
        except ValidationError as exc:
            if exc.status != 422:
                raise
            # Made persistent out of band: demote it, then delete (what the Terraform provider does on 422).
            client.update_branch(id_, {"persistent": False})
            client.delete_branch(id_)

    # ------------------------------------------------------------------ shaping
    def live_inputs(self, live: Any) -> dict[str, Any]:
        branch: models.Branch = live["branch"]
        observed = {"name": branch.name, "parent_project_ref": branch.parent_project_ref,
                    "git_branch": branch.git_branch, "persistent": branch.persistent, "with_data": branch.with_data}
        return {k: v for k, v in observed.items() if v is not None}

    def live_outputs(self, live: Any) -> dict[str, Any]:
        branch: models.Branch = live["branch"]
        detail: Optional[models.BranchDetail] = live.get("detail")
        database = {} if detail is None else {
            "db_host": detail.db_host, "db_port": detail.db_port, "db_user": detail.db_user,
            "db_password": detail.db_pass, "jwt_secret": detail.jwt_secret}
        return {"branch_id": branch.id, "project_ref": branch.project_ref, "status": branch.status, **database}

    # ------------------------------------------------------------------ waiting
    def _wait_until_ready(self, api: Transport, ref: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Polls the branch by name, then its database, until both are ready (see the module docstring)."""
        client = self.client(api)
        parent, name = inputs["parent_project_ref"], inputs["name"]
        where = f"Supabase branch {name!r} ({ref}) of project {parent}"

        def poll() -> dict[str, Any]:
            branch = client.find_branch(parent, name)
            if branch is None or branch.project_ref != ref or branch.status not in READY_STATUSES:
                return {"branch": branch, "detail": None}
            return {"branch": branch, "detail": client.get_branch_detail(ref)}

        def pending_reason(live: dict[str, Any]) -> Optional[str]:
            branch, detail = live["branch"], live["detail"]
            if branch is None or branch.project_ref != ref:
                raise BranchFailedError(f"{where} disappeared while it was being made; run `pulumi up` again.")
            if branch.status in FAILED_HINTS:
                raise BranchFailedError(f"{where} is {branch.status}: {FAILED_HINTS[branch.status]}.")
            if detail is None:
                return f"status {branch.status}"
            verdict = classify_status(detail.status)
            if verdict == "failed":
                raise BranchFailedError(f"{where}: its database is {detail.status}; delete the branch and run "
                                        f"`pulumi up` again.")
            return None if verdict == "ready" else f"database {detail.status}"

        return wait_until(poll, pending_reason, what=f"{where} to be ready", **wait_settings(inputs))
