"""``SqlRole``: a least-privilege Postgres role for one backend service, with explicit grants.

Managed through ``POST /v1/projects/{ref}/database/query``, on a project or (``branch=True``) a preview branch's
own database. NOSUPERUSER ... NOBYPASSRLS (BYPASSRLS only with ``bypass_rls=True``, for the backup's pg_dump);
exactly the declared ``grants``, checked grantable first and read back after; the password is write-only.
An existing role is taken over only with ``adopt=True``. Details: dynamic_providers/supabase/README.md (SqlRole).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Mapping, Optional

from pulumi.dynamic import CheckFailure

from ..core.errors import ApiError
from ..core.lookup_retry import look_up_then_retry
from ..core.provider import rule_failures
from ..core.fields import Field, contains_unknown, warn_on_removal
from ..core.transport import Transport
from . import sql
from .base import BRANCH_FIELDS, WAIT_FIELDS, SupabaseProvider, wait_for_database_ready
from .settings import ref_of


DROP_ATTEMPTS = 3


class SqlRoleProvider(SupabaseProvider):
    kind = "Postgres role"
    fields = {
        "project_ref": Field(kind=str, required=True, replace=True, doc="Ref of the Supabase project."),
        "name": Field(kind=str, required=True, replace=True, doc="Role name (^[a-z_][a-z0-9_]{0,62}$)."),
        "password": Field(kind=str, secret=True, write_only=True, on_remove=warn_on_removal(
                              "a role's password is stored only as a hash; removing the input keeps it (set "
                              "login=false to stop logins)"),
                          doc="Login password (printable ASCII, >= 12 chars); required when login is true."),
        "login": Field(kind=bool, default=True, doc="Whether the role can log in."),
        "connection_limit": Field(kind=int, default=-1, doc="Maximum concurrent connections (-1 = no limit)."),
        "grants": Field(kind=list, default=[],
                        doc="Privileges: [{on, schema, objects, privileges}]; on=all_tables covers every "
                            "table of the schema, present and future ({on, schema, privileges, owner}); with "
                            "INSERT also USAGE on its sequences unless sequences=false."),
        "bypass_rls": Field(kind=bool, default=False,
                            doc="BYPASSRLS: row-level security policies do not apply to the role. Only for a role "
                                "that must read every row (the backup's pg_dump); setting or clearing it needs "
                                "Supabase's postgres (supautils on PG15, PG16+ natively) or a superuser."),
        **WAIT_FIELDS,
        **BRANCH_FIELDS,
    }
    output_names = ("granted",)

    # ------------------------------------------------------------------ check / diff
    def validate(self, inputs):
        failures = rule_failures("name", inputs.get("name"), sql.validate_role_name)
        if inputs.get("password") is None and inputs.get("login"):
            failures.append(CheckFailure("password", "'password' is required for a role that can log in"))
        failures += rule_failures("password", inputs.get("password"), sql.validate_role_password)
        limit = inputs.get("connection_limit")
        if isinstance(limit, int) and limit < -1:
            failures.append(CheckFailure("connection_limit", "'connection_limit' must be -1 (no limit) or more"))
        grants = inputs.get("grants")
        if isinstance(grants, list) and not contains_unknown(grants):
            try:
                sql.expand_grants(grants)
            except sql.SqlInputError as exc:
                failures.append(CheckFailure("grants", str(exc)))
        return failures

    def inputs_of(self, props):
        inputs = super().inputs_of(props)
        if inputs.get("bypass_rls") is None:
            # State from before the input existed: every role was created NOBYPASSRLS. Without this, the first
            # up would diff and ALTER every role (which a plain PG15 refuses: see sql.BYPASS_RLS_PRIVILEGE).
            inputs["bypass_rls"] = False
        # State written before a grant's meaning grew (e.g. all_tables INSERT now also covering
        # sequences) still says the declared grants hold; its ``granted`` output says what really
        # held. Diff from the latter, so ``up`` without ``--refresh`` applies the new meaning too.
        granted, grants = props.get("granted"), inputs.get("grants")
        if isinstance(granted, list) and isinstance(grants, list) and not contains_unknown(grants):
            try:
                held = {sql.Grant(g["on"], g.get("schema") or "", g.get("owner") or g.get("object") or "",
                                  g["privilege"]) for g in granted}
                if sql.expand_grants(grants) != held:
                    inputs["grants"] = sql.group_grants(held)
            except (sql.SqlInputError, KeyError, TypeError):
                pass
        return inputs

    def changed_fields(self, olds, news):
        changed, replaced = super().changed_fields(olds, news)
        # Grants compare as a set of (kind, schema, object, privilege): grouping/order is cosmetic.
        if "grants" in changed and not contains_unknown(news.get("grants")):
            try:
                if sql.expand_grants(olds.get("grants") or []) == sql.expand_grants(news.get("grants") or []):
                    changed.discard("grants")
            except sql.SqlInputError:
                pass
        return changed, replaced

    def describe(self, inputs: Mapping[str, Any]) -> str:
        return f"{inputs.get('name')!r} in Supabase project {inputs.get('project_ref')}"

    # ------------------------------------------------------------------ API hooks
    def id_of(self, live: Any) -> str:
        return f"{live['ref']}/{live['name']}"

    def _state(self, client, ref: str, name: str) -> sql.RoleState:
        return sql.decode_role_rows(client.read_query(ref, sql.read_role_sql(name)))

    def _ready(self, client, inputs):
        wait_for_database_ready(client, inputs)

    def find_existing(self, api: Transport, inputs: Mapping[str, Any]) -> Optional[dict]:
        client = self.client(api)
        self._ready(client, inputs)
        state = self._state(client, inputs["project_ref"], inputs["name"])
        if not state.exists:
            return None
        return {"ref": inputs["project_ref"], "name": inputs["name"], "state": state, "prior": inputs}

    def create_remote(self, api: Transport, inputs: Mapping[str, Any]) -> dict:
        client = self.client(api)
        ref, name = inputs["project_ref"], inputs["name"]
        desired = sql.expand_grants(inputs.get("grants") or [])
        # The grantability check runs first in the same transaction: a grant Postgres would skip with a
        # warning fails the whole script, so no half-granted role is left behind.
        statements = [s for s in [sql.grantable_check_sql(desired)] if s]
        statements.append(sql.create_role_sql(name, login=inputs["login"], password=inputs.get("password"),
                                              connection_limit=inputs["connection_limit"],
                                              bypass_rls=bool(inputs.get("bypass_rls"))))
        statements += sql.grant_sql(desired, name)
        # CREATE ROLE is not repeatable: never retried blindly (the base looks the role up instead).
        with _bypass_rls_refused(name, True if inputs.get("bypass_rls") else None):
            client.run_query(ref, sql.script(statements))
        state = self._state(client, ref, name)
        _verify(state, desired, name)
        return {"ref": ref, "name": name, "state": state, "prior": inputs}

    def read_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> Optional[dict]:
        ref, name = ref_of(id_), props.get("name") or id_.split("/", 1)[1]
        state = self._state(self.client(api), ref, name)
        if not state.exists:
            return None
        return {"ref": ref, "name": name, "state": state, "prior": props}

    def update_remote(self, api: Transport, id_: str, olds, news, changed) -> dict:
        client = self.client(api)
        ref, name = ref_of(id_), news["name"]
        self._ready(client, news)
        current = self._state(client, ref, name)
        statements = []
        if changed & {"login", "connection_limit", "password"}:
            statements.append(sql.alter_role_sql(
                name, login=news["login"], connection_limit=news["connection_limit"],
                password=news.get("password") if "password" in changed else None))
        if "bypass_rls" in changed:
            statements.append(sql.alter_bypass_rls_sql(name, bool(news["bypass_rls"])))
        desired = None
        if "grants" in changed:
            desired = sql.expand_grants(news.get("grants") or [])
            # Diff against what the database really has, not the old state: also removes grants
            # someone added by hand. Checked for grantability first, as on create.
            statements += [s for s in [sql.grantable_check_sql(desired - set(current.grants))] if s]
            statements += sql.change_sql(current.grants, desired, name)
        if statements:
            with _bypass_rls_refused(name, bool(news["bypass_rls"]) if "bypass_rls" in changed else None):
                client.run_query(ref, sql.script(statements), idempotent=True)
        state = self._state(client, ref, name)
        if desired is not None:
            _verify(state, desired, name)
        return {"ref": ref, "name": name, "state": state, "prior": news}

    def delete_remote(self, api: Transport, id_: str, props: Mapping[str, Any]) -> None:
        client = self.client(api)
        ref, name = ref_of(id_), props.get("name") or id_.split("/", 1)[1]
        current = self._state(client, ref, name)
        if not current.exists:
            return

        def drop() -> bool:
            # Privileges must go before the role can be dropped. Objects the role owns are not dropped
            # for it: DROP ROLE then fails with Postgres' own explanation, which is the safe outcome.
            client.run_query(ref, sql.script(sql.revoke_sql(current.grants, name) + [sql.drop_role_sql(name)]))
            return True

        def dropped() -> Optional[bool]:
            # Not repeated blindly: after a lost answer the REVOKEs would name a dropped role.
            nonlocal current
            current = self._state(client, ref, name)
            return None if current.exists else True

        look_up_then_retry(drop, dropped, attempts=DROP_ATTEMPTS, options=self.http)

    # ------------------------------------------------------------------ shaping
    def live_inputs(self, live: Any) -> dict[str, Any]:
        state: sql.RoleState = live["state"]
        prior_grants = live["prior"].get("grants") or []
        try:
            same = sql.expand_grants(prior_grants) == set(state.grants)
        except sql.SqlInputError:
            same = False
        return {
            "name": live["name"],
            "login": state.can_login,
            "connection_limit": state.connection_limit,
            "bypass_rls": state.bypass_rls,
            # Keep the user's own grouping when nothing changed, so refresh adds no noise.
            "grants": prior_grants if same else sql.group_grants(state.grants),
        }

    def live_outputs(self, live: Any) -> dict[str, Any]:
        return {"granted": [g.to_dict() for g in sorted(live["state"].grants)]}


@contextmanager
def _bypass_rls_refused(name: str, wanted: Optional[bool]) -> Iterator[None]:
    """The one line to show when Postgres refuses to set (``wanted`` True) or clear (False) BYPASSRLS; None: the
    script does not touch it."""
    try:
        yield
    except ApiError as exc:
        if wanted is None or not sql.BYPASS_RLS_PRIVILEGE.search(exc.api_message or ""):
            raise
        option = "BYPASSRLS" if wanted else "NOBYPASSRLS"
        raise type(exc)(exc.api, exc.method, exc.path, exc.status, exc.api_message, api_code=exc.api_code,
                        summary=f"Postgres refused to change BYPASSRLS of role {name!r} ({exc.api_message}): only "
                                f"Supabase's postgres (PG16+, or PG15 with supautils) or a superuser may; set it "
                                f"as one (ALTER ROLE {name} WITH {option}), then run `pulumi up --refresh`, or "
                                f"declare bypass_rls={str(not wanted).lower()}.") from exc


def _verify(state: sql.RoleState, desired: set[sql.Grant], name: str) -> None:
    """Fail when the role's privileges are not exactly ``desired`` after our statements ran.

    Postgres can leave a difference without an error: REVOKE removes only what the revoking role granted, so
    a privilege someone granted as another role (supabase_admin in the dashboard, say) stays."""
    extra, missing = set(state.grants) - desired, desired - set(state.grants)
    if not extra and not missing:
        return
    parts = []
    if extra:
        parts.append("still holds " + ", ".join(_describe(g) for g in sorted(extra)))
    if missing:
        parts.append("lacks " + ", ".join(_describe(g) for g in sorted(missing)))
    raise RuntimeError(
        f"Postgres role {name!r} {' and '.join(parts)} after the grants were applied. REVOKE only removes "
        f"privileges the revoking role (postgres) granted: revoke the rest as the role that granted them, then "
        f"run `pulumi up` again.")


def _describe(g: sql.Grant) -> str:
    where = {"database": "the database", "schema": f"schema {g.schema}"}.get(g.kind)
    if where is None:
        where = f"{g.kind} {g.schema}" + (f".{g.object}" if g.kind in ("table", "sequence") else f" (owner {g.object})")
    return f"{g.privilege} on {where}"

