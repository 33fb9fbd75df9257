"""An in-memory Supabase branches API behind the provider's transport interface, for the Branch provider's unit
tests (the sandbox tests drive the same provider over HTTP). Bodies follow the recordings ``*branches*``:
a POST answers ``BranchResponse`` in CREATING_PROJECT, each lookup by name moves the status on to
MIGRATIONS_PASSED and the database (``GET /v1/branches/{ref}``) from COMING_UP to ACTIVE_HEALTHY."""
from __future__ import annotations

import itertools
import re
import string
import uuid
from typing import Any, Optional

from dynamic_providers.core.errors import NotFoundError, TransportError, ValidationError

PARENT = "abcdefghijklmnopqrst"
PROGRESSION = ("CREATING_PROJECT", "RUNNING_MIGRATIONS", "MIGRATIONS_PASSED")


class FakeBranchesApi:
    api_name = "Supabase"

    def __init__(self) -> None:
        self.branches: dict[str, dict[str, Any]] = {}  # branch ref -> BranchResponse plus "_db_status"
        self.sent: list[tuple[str, str, Any]] = []
        self.lose_next_post = False
        self.fail_with: Optional[str] = None  # the status new branches end in instead of MIGRATIONS_PASSED
        self._refs = ("".join(letters) for letters in itertools.product(string.ascii_lowercase, repeat=20))
        self._add("main", is_default=True, persistent=True)

    # ---------------------------------------------------------------- state
    def _add(self, name: str, **fields: Any) -> dict[str, Any]:
        ref = next(r for r in self._refs if r != PARENT)
        branch = {"id": str(uuid.uuid4()), "name": name, "project_ref": ref, "parent_project_ref": PARENT,
                  "is_default": False, "git_branch": None, "persistent": False, "status": "CREATING_PROJECT",
                  "created_at": "2000-01-01T00:00:00Z", "updated_at": "2000-01-01T00:00:00Z", "with_data": False,
                  "_db_status": "COMING_UP", "_db_pass": f"pw-{ref}", **fields}
        self.branches[ref] = branch
        return branch

    def named(self, name: str) -> list[dict[str, Any]]:
        return [b for b in self.branches.values() if b["name"] == name]

    @staticmethod
    def _public(branch: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in branch.items() if not k.startswith("_") and v is not None}

    def _advance(self, branch: dict[str, Any]) -> None:
        if branch["status"] in PROGRESSION[:-1]:
            following = PROGRESSION[PROGRESSION.index(branch["status"]) + 1]
            branch["status"] = self.fail_with if following == PROGRESSION[-1] and self.fail_with else following

    def _missing(self, method: str, path: str):
        return NotFoundError("Supabase", method, path, 404, "Branch not found")

    # ---------------------------------------------------------------- transport interface
    def request(self, method: str, path: str, *, params=None, json=None, idempotent=None):
        raise AssertionError(f"unexpected raw request {method} {path}")

    def get(self, path: str, *, params=None) -> Any:
        self.sent.append(("GET", path, None))
        if m := re.fullmatch(r"/v1/projects/(\w+)/branches/([\w-]+)", path):
            found = [b for b in self.named(m[2]) if b["parent_project_ref"] == m[1]]
            if not found:
                raise self._missing("GET", path)
            self._advance(found[0])
            return self._public(found[0])
        if m := re.fullmatch(r"/v1/projects/(\w+)/branches", path):
            return [self._public(b) for b in self.branches.values() if b["parent_project_ref"] == m[1]]
        if m := re.fullmatch(r"/v1/branches/(\w+)", path):
            branch = self.branches.get(m[1]) or self._raise(self._missing("GET", path))
            status = branch["_db_status"]
            branch["_db_status"] = "ACTIVE_HEALTHY"
            return {"ref": branch["project_ref"], "postgres_version": "15.1.1.78", "postgres_engine": "supabase",
                    "release_channel": "ga", "status": status, "db_host": f"db.{branch['project_ref']}.supabase.co",
                    "db_port": 5432, "db_user": "postgres", "db_pass": branch["_db_pass"], "jwt_secret": "jwt-secret"}
        raise AssertionError(f"unexpected GET {path}")

    def post(self, path: str, json=None, *, params=None, idempotent=None) -> Any:
        self.sent.append(("POST", path, json))
        body = dict(json)
        branch = self._add(body.pop("branch_name"), **{k: v for k, v in body.items() if k in ("git_branch",
                                                       "persistent", "with_data")})
        if self.lose_next_post:
            self.lose_next_post = False
            raise TransportError("Supabase", "POST", path, "connection reset", request_sent=True)
        return self._public(branch)

    def patch(self, path: str, json=None, *, params=None, idempotent=None) -> Any:
        self.sent.append(("PATCH", path, json))
        ref = path.rsplit("/", 1)[1]
        branch = self.branches.get(ref) or self._raise(self._missing("PATCH", path))
        branch.update(json)
        return self._public(branch)

    def delete(self, path: str, *, params=None, missing_ok: bool = False) -> Any:
        self.sent.append(("DELETE", path, params))
        ref = path.rsplit("/", 1)[1]
        branch = self.branches.get(ref)
        if branch is None:
            if missing_ok:
                return None
            raise self._missing("DELETE", path)
        if branch["persistent"]:
            raise ValidationError("Supabase", "DELETE", path, 422, "Persistent branches cannot be deleted")
        del self.branches[ref]
        return {"message": "ok"}

    @staticmethod
    def _raise(exc: Exception):
        raise exc
