"""SQL generation for ``SqlRole`` and ``Extension`` (run through ``POST /v1/projects/{ref}/database/query``).

Everything user-supplied is quoted here and nowhere else (:func:`quote_ident`, :func:`quote_literal`); role
passwords travel only as a locally computed SCRAM-SHA-256 verifier. Grants are :class:`Grant` tuples compared as
sets; ``all_tables`` covers present and future tables (and, with INSERT, USAGE on the sequences) and is read
back folded. The rules and why: dynamic_providers/supabase/README.md, "Semantics worth knowing" (SqlRole).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from ..core import formats

MAX_IDENTIFIER_BYTES = 63  # NAMEDATALEN - 1: Postgres silently truncates longer names


# Platform roles Supabase itself owns: managing them from here would break the project.
RESERVED_ROLES = frozenset({
    "postgres", "anon", "authenticated", "service_role", "authenticator", "dashboard_user",
    "pgbouncer", "pgsodium_keyholder", "pgsodium_keyiduser", "pgsodium_keymaker", "public",
})
RESERVED_ROLE_PREFIXES = ("pg_", "supabase_")

PRIVILEGES = {
    "database": ("CONNECT", "CREATE", "TEMPORARY"),
    "schema": ("USAGE", "CREATE"),
    "table": ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"),
    "sequence": ("USAGE", "SELECT", "UPDATE"),
    "all_tables": ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"),
    # Declared directly only where a role reads sequences without writing tables (a backup role: pg_dump
    # reads each sequence's last_value, which needs SELECT); INSERT's USAGE is derived, see above.
    "all_sequences": ("USAGE", "SELECT", "UPDATE"),
}
# Read-back only: a default privilege (future tables) whose schema has tables without the privilege.
TABLE_DEFAULTS = "table_defaults"
# Derived from an all_tables INSERT (never declared): USAGE on the schema's sequences, present and
# future; SEQUENCE_DEFAULTS is its partial-coverage read-back, like TABLE_DEFAULTS.
ALL_SEQUENCES = "all_sequences"
SEQUENCE_DEFAULTS = "sequence_defaults"
SEQUENCE_PRIVILEGE_FOR_INSERT = "USAGE"  # enough for nextval/currval
# Whose future tables ``all_tables`` covers when the spec names no ``owner``: Supabase runs
# ``database/query`` (and the dashboard's SQL editor, and most migration tools) as ``postgres``.
DEFAULT_TABLE_OWNER = "postgres"
# Postgres reports TEMPORARY as "TEMPORARY"; accept the TEMP spelling on input.
_PRIVILEGE_ALIASES = {"TEMP": "TEMPORARY"}
# PG17 adds MAINTAIN on tables; it may show up in read-back, so it is accepted but not in "ALL".
_EXTRA_PRIVILEGES = {"table": ("MAINTAIN",), "all_tables": ("MAINTAIN",)}

# What GRANT ... ON ALL TABLES IN SCHEMA covers: tables, views, materialized views, foreign and
# partitioned tables (Postgres' objectsInSchemaToOids for OBJECT_TABLE).
_ALL_TABLES_RELKINDS_SQL = "('r', 'v', 'm', 'p', 'f')"

class SqlInputError(ValueError):
    """A value cannot be turned into safe SQL (bad identifier, unknown privilege ...)."""


# --- quoting ------------------------------------------------------------------------------------

def quote_ident(name: str) -> str:
    """``"name"`` with embedded quotes doubled; rejects what Postgres would truncate or refuse."""
    if not isinstance(name, str) or not name:
        raise SqlInputError("identifier must be a non-empty string")
    if "\x00" in name:
        raise SqlInputError("identifier must not contain NUL characters")
    if len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        raise SqlInputError(f"identifier {name!r} is longer than {MAX_IDENTIFIER_BYTES} bytes")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A string literal that is correct whatever ``standard_conforming_strings`` is set to."""
    if not isinstance(value, str):
        raise SqlInputError("literal must be a string")
    if "\x00" in value:
        raise SqlInputError("string literal must not contain NUL characters")
    escaped = value.replace("'", "''")
    if "\\" in value:
        return "E'" + escaped.replace("\\", "\\\\") + "'"
    return "'" + escaped + "'"


# --- passwords ----------------------------------------------------------------------------------

SCRAM_ITERATIONS = 4096  # Postgres' default scram_iterations


def scram_sha256_verifier(password: str, *, salt: Optional[bytes] = None,
                          iterations: int = SCRAM_ITERATIONS) -> str:
    """The verifier Postgres stores for ``password`` (RFC 5802/7677, as in ``pg_authid.rolpassword``).

    Postgres applies SASLprep to the password first; for ASCII that is the identity, which is why
    :func:`validate_role_password` only admits ASCII passwords.
    """
    salt = os.urandom(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def validate_role_password(password: Any) -> Optional[str]:
    """None when usable, else the reason (used by ``check`` to fail preview with a clear message)."""
    if not isinstance(password, str) or not password:
        return "must be a non-empty string"
    if len(password) < 12:
        return "must be at least 12 characters long"
    if not password.isascii() or not password.isprintable():
        # Non-ASCII would need full SASLprep to match what Postgres computes at login.
        return "must consist of printable ASCII characters"
    return None


def validate_role_name(name: Any) -> Optional[str]:
    # Role names we manage are plain identifiers (the config's rule), so that generated SQL (including the DO
    # block used for database grants) never depends on exotic identifiers.
    if not isinstance(name, str):
        return "must be a string"
    reason = formats.pg_identifier(name)
    if reason:
        return reason
    if name in RESERVED_ROLES or name.startswith(RESERVED_ROLE_PREFIXES):
        return f"'{name}' is a Postgres/Supabase platform role and cannot be managed here"
    return None


# --- grants -------------------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Grant:
    kind: str  # database | schema | table | sequence | all_tables | all_sequences (derived)
    #            | table_defaults, sequence_defaults (read back only)
    schema: str  # "" for database grants
    object: str  # "" for database and schema grants; the owner role for the schema-wide kinds
    privilege: str

    def to_dict(self) -> dict[str, str]:
        out = {"on": self.kind, "privilege": self.privilege}
        if self.schema:
            out["schema"] = self.schema
        if self.object:
            out["owner" if self.kind in _SCHEMA_WIDE else "object"] = self.object
        return out


_SEQUENCE_WIDE = (ALL_SEQUENCES, SEQUENCE_DEFAULTS)
_SCHEMA_WIDE = ("all_tables", TABLE_DEFAULTS, *_SEQUENCE_WIDE)


def expand_grants(specs: Iterable[Mapping[str, Any]]) -> set[Grant]:
    """Declared grant specs -> the canonical set.

    A spec is ``{"on": "table"|"sequence", "schema": s, "objects": [...], "privileges": [...]}``,
    ``{"on": "schema", "schema": s, "privileges": [...]}``, ``{"on": "database", "privileges": [...]}``
    or ``{"on": "all_tables", "schema": s, "privileges": [...], "owner": r}`` (every table of the
    schema, present and future; ``owner`` defaults to :data:`DEFAULT_TABLE_OWNER`; with INSERT it
    also yields the derived ``all_sequences`` USAGE unless ``"sequences": false``).
    Per-object grants a schema-wide grant already covers are dropped, as read-back folds them too.
    ``"ALL"`` expands to every privilege of the kind, so it compares equal to what Postgres reports.
    Raises :class:`SqlInputError` naming the offending spec.
    """
    grants: set[Grant] = set()
    for index, spec in enumerate(specs):
        where = f"grants[{index}]"
        if not isinstance(spec, Mapping):
            raise SqlInputError(f"{where} must be an object")
        unknown = set(spec) - {"on", "schema", "objects", "privileges", "owner", "sequences"}
        if unknown:
            raise SqlInputError(f"{where} has unknown keys {sorted(unknown)}")
        kind = spec.get("on")
        if kind not in PRIVILEGES:
            raise SqlInputError(f"{where}.on must be one of {sorted(PRIVILEGES)}")
        privileges = spec.get("privileges")
        if not isinstance(privileges, (list, tuple)) or not privileges:
            raise SqlInputError(f"{where}.privileges must be a non-empty list")
        resolved: set[str] = set()
        for raw in privileges:
            priv = _PRIVILEGE_ALIASES.get(str(raw).upper(), str(raw).upper())
            if priv == "ALL":
                resolved.update(PRIVILEGES[kind])
            elif priv in PRIVILEGES[kind] or priv in _EXTRA_PRIVILEGES.get(kind, ()):
                resolved.add(priv)
            else:
                raise SqlInputError(f"{where}: {raw!r} is not a {kind} privilege "
                                    f"(one of {', '.join(PRIVILEGES[kind])}, ALL)")
        schema = spec.get("schema")
        objects = spec.get("objects")
        if spec.get("owner") is not None and kind not in ("all_tables", ALL_SEQUENCES):
            raise SqlInputError(f"{where}: only all_tables and all_sequences grants take an owner")
        sequences = spec.get("sequences")
        if sequences is not None:
            if kind != "all_tables" or "INSERT" not in resolved:
                raise SqlInputError(f"{where}: sequences only applies to all_tables grants that include INSERT")
            if not isinstance(sequences, bool):
                raise SqlInputError(f"{where}.sequences must be true or false")
        if kind in ("all_tables", ALL_SEQUENCES):
            if objects is not None:
                raise SqlInputError(f"{where}: {kind} grants take no objects (they cover every one of the schema)")
            quote_ident(schema if isinstance(schema, str) else "")
            owner = spec.get("owner")
            owner = DEFAULT_TABLE_OWNER if owner is None else owner
            quote_ident(owner if isinstance(owner, str) else "")
            targets = [(schema, owner)]
            if kind == "all_tables" and "INSERT" in resolved and sequences is not False:
                grants.add(Grant(ALL_SEQUENCES, schema, owner, SEQUENCE_PRIVILEGE_FOR_INSERT))
        elif kind == "database":
            if schema is not None or objects is not None:
                raise SqlInputError(f"{where}: database grants take no schema or objects "
                                    "(they apply to the project's database)")
            targets = [("", "")]
        elif kind == "schema":
            if objects is not None:
                raise SqlInputError(f"{where}: schema grants take no objects")
            quote_ident(schema if isinstance(schema, str) else "")
            targets = [(schema, "")]
        else:
            quote_ident(schema if isinstance(schema, str) else "")
            if not isinstance(objects, (list, tuple)) or not objects:
                raise SqlInputError(f"{where}.objects must list the {kind} names explicitly")
            for obj in objects:
                quote_ident(obj if isinstance(obj, str) else "")
            targets = [(schema, obj) for obj in objects]
        for target_schema, target_object in targets:
            for priv in resolved:
                grants.add(Grant(kind, target_schema, target_object, priv))
    return {g for g in grants if not _within_schema_wide(g, grants)}


def _within_schema_wide(g: Grant, grants: set[Grant]) -> bool:
    """Whether ``g`` is a single table/sequence grant that a schema-wide one in ``grants`` includes."""
    wide = {"table": "all_tables", "sequence": ALL_SEQUENCES}.get(g.kind)
    return wide is not None and any(
        d.kind == wide and d.schema == g.schema and d.privilege == g.privilege for d in grants)


def group_grants(grants: Iterable[Grant]) -> list[dict[str, Any]]:
    """The inverse of :func:`expand_grants`: compact specs, deterministic order (for ``read`` inputs).

    The derived sequence USAGE folds back into its all_tables INSERT; an INSERT without it reads as
    ``"sequences": false``, and one without an INSERT stays visible as an ``all_sequences`` spec.
    """
    grants = set(grants)
    inserts = {(g.schema, g.object) for g in grants if g.kind == "all_tables" and g.privilege == "INSERT"}
    derived = {(g.schema, g.object) for g in grants
               if g.kind == ALL_SEQUENCES and g.privilege == SEQUENCE_PRIVILEGE_FOR_INSERT}
    by_target: dict[tuple[str, str], dict[str, set[str]]] = {}
    for g in grants:
        if g.kind == ALL_SEQUENCES and g.privilege == SEQUENCE_PRIVILEGE_FOR_INSERT and (g.schema, g.object) in inserts:
            continue
        by_target.setdefault((g.kind, g.schema), {}).setdefault(g.object, set()).add(g.privilege)
    specs: list[dict[str, Any]] = []
    for (kind, schema), objects in sorted(by_target.items()):
        # Objects sharing exactly the same privileges go into one spec.
        by_privs: dict[tuple[str, ...], list[str]] = {}
        for obj, privs in objects.items():
            by_privs.setdefault(tuple(sorted(privs)), []).append(obj)
        for privs, objs in sorted(by_privs.items()):
            spec: dict[str, Any] = {"on": kind, "privileges": list(privs)}
            if kind != "database":
                spec["schema"] = schema
            if kind in ("table", "sequence"):
                spec["objects"] = sorted(objs)
                specs.append(spec)
            elif kind in _SCHEMA_WIDE:
                for owner in sorted(objs):  # one spec per owner; the default owner goes unsaid
                    one = {**spec, "owner": owner} if owner != DEFAULT_TABLE_OWNER else dict(spec)
                    if kind == "all_tables" and "INSERT" in privs and (schema, owner) not in derived:
                        one["sequences"] = False
                    specs.append(one)
            else:
                specs.append(spec)
    return specs


def _object_clause(g: Grant) -> str:
    if g.kind == "schema":
        return f"SCHEMA {quote_ident(g.schema)}"
    kw = "TABLE" if g.kind == "table" else "SEQUENCE"
    return f"{kw} {quote_ident(g.schema)}.{quote_ident(g.object)}"


def _grant_statements(grants: Iterable[Grant], role: str, revoke: bool) -> list[str]:
    """One statement per object (privileges merged), deterministic order."""
    per_target: dict[tuple[str, str, str], list[str]] = {}
    for g in sorted(grants):
        per_target.setdefault((g.kind, g.schema, g.object), []).append(g.privilege)
    role_sql = quote_ident(role)
    out = []
    for (kind, schema, obj), privs in per_target.items():
        privs_sql = ", ".join(privs)
        if kind == "database":
            # The database name is only known server-side; privileges and role name are validated
            # keywords/identifiers, so embedding them in the DO block is safe.
            verb = "REVOKE %s ON DATABASE %I FROM %I" if revoke else "GRANT %s ON DATABASE %I TO %I"
            out.append(
                "DO $procurement$ BEGIN EXECUTE format("
                f"{quote_literal(verb)}, {quote_literal(privs_sql)}, current_database(), "
                f"{quote_literal(role)}); END $procurement$"
            )
            continue
        if kind in _SCHEMA_WIDE:
            # Future objects (the owner's default privileges), then - for all_* - existing ones.
            objects = "SEQUENCES" if kind in _SEQUENCE_WIDE else "TABLES"
            defaults = f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote_ident(obj)} IN SCHEMA {quote_ident(schema)}"
            if revoke:
                out.append(f"{defaults} REVOKE {privs_sql} ON {objects} FROM {role_sql}")
            else:
                out.append(f"{defaults} GRANT {privs_sql} ON {objects} TO {role_sql}")
            if kind in ("all_tables", ALL_SEQUENCES):
                verb = "REVOKE" if revoke else "GRANT"
                prep = "FROM" if revoke else "TO"
                out.append(f"{verb} {privs_sql} ON ALL {objects} IN SCHEMA {quote_ident(schema)} {prep} {role_sql}")
            continue
        clause = _object_clause(Grant(kind, schema, obj, ""))
        if revoke:
            out.append(f"REVOKE {privs_sql} ON {clause} FROM {role_sql}")
        else:
            out.append(f"GRANT {privs_sql} ON {clause} TO {role_sql}")
    return out


def grant_sql(grants: Iterable[Grant], role: str) -> list[str]:
    return _grant_statements(grants, role, revoke=False)


def revoke_sql(grants: Iterable[Grant], role: str) -> list[str]:
    return _grant_statements(grants, role, revoke=True)


# What each kind of grant needs the granting role (``postgres``) to hold WITH GRANT OPTION: on the object
# itself, or on every existing object of the schema for the schema-wide kinds.
_GRANTABLE_CHECKS = {
    "database": "has_database_privilege(current_database(), {priv})",
    "schema": "has_schema_privilege({schema}, {priv})",
    "table": "has_table_privilege({qualified}, {priv})",
    "sequence": "has_sequence_privilege({qualified}, {priv})",
    "all_tables": ("NOT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                   "WHERE n.nspname = {schema} "
                   f"AND CASE WHEN c.relkind IN {_ALL_TABLES_RELKINDS_SQL} "
                   "THEN NOT has_table_privilege(c.oid, {priv}) END)"),
    ALL_SEQUENCES: ("NOT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = {schema} "
                    # CASE: AND does not guarantee that the relkind test runs first.
                    "AND CASE WHEN c.relkind = 'S' THEN NOT has_sequence_privilege(c.oid, {priv}) END)"),
}


def grantable_check_sql(grants: Iterable[Grant]) -> Optional[str]:
    """A statement that fails (42501, naming every privilege) unless the running role may grant all of ``grants``.

    On Supabase ``postgres`` is no superuser: on objects another role owns (``auth.users`` belongs to
    ``supabase_auth_admin``) it holds some privileges without the grant option, and Postgres answers a GRANT
    of those with a WARNING and grants nothing. Run first in the same script, so nothing is changed then.
    Default privileges need no check: ALTER DEFAULT PRIVILEGES for a role we are not a member of is an error.
    """
    checks: dict[str, str] = {}
    for g in sorted(grants):
        template = _GRANTABLE_CHECKS.get(g.kind)
        if template is None:
            continue
        qualified = quote_literal(f"{quote_ident(g.schema)}.{quote_ident(g.object)}") if g.object else ""
        # Schema names as plain name literals (has_schema_privilege and nspname take names, not identifiers);
        # relations as quoted, qualified identifiers (has_*_privilege parse those like regclass input).
        condition = template.format(schema=quote_literal(g.schema) if g.schema else "",
                                    qualified=qualified, priv=quote_literal(f"{g.privilege} WITH GRANT OPTION"))
        target = {"database": "the database", "schema": f"schema {g.schema}",
                  "all_tables": f"every table in schema {g.schema}",
                  ALL_SEQUENCES: f"every sequence in schema {g.schema}"}.get(g.kind, f"{g.kind} {g.schema}.{g.object}")
        checks[f"{g.privilege} on {target}"] = condition
    if not checks:
        return None
    body = "\n".join(f"  IF NOT ({condition}) THEN missing := array_append(missing, {quote_literal(what)}); END IF;"
                     for what, condition in checks.items())
    message = ("role %s cannot grant %s: it holds them without the grant option (the objects belong to "
               "another role, e.g. supabase_admin or supabase_auth_admin)")
    if "$procurement$" in body:  # the dollar quote below must not end inside a name
        raise SqlInputError("object names must not contain '$procurement$'")
    return ("DO $procurement$\nDECLARE missing text[] := '{}';\nBEGIN\n" + body + "\n"
            "  IF cardinality(missing) > 0 THEN\n"
            f"    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format({quote_literal(message)}, "
            "current_user, array_to_string(missing, ', '));\n"
            "  END IF;\nEND $procurement$")


def _covered(g: Grant, desired: set[Grant]) -> bool:
    """Whether granting ``desired`` puts ``g`` back anyway (so revoking it first is pointless)."""
    if g.kind in ("table", "sequence"):
        return _within_schema_wide(g, desired)
    if g.kind == TABLE_DEFAULTS:
        return Grant("all_tables", g.schema, g.object, g.privilege) in desired
    if g.kind == SEQUENCE_DEFAULTS:
        return Grant(ALL_SEQUENCES, g.schema, g.object, g.privilege) in desired
    return False


def change_sql(current: Iterable[Grant], desired: set[Grant], role: str) -> list[str]:
    """Statements turning the role's ``current`` grants (as read back) into exactly ``desired``.

    Revokes go first: revoking a schema-wide grant also clears its tables, which a later grant of
    single tables then restores.
    """
    current = set(current)
    extra = {g for g in current - desired if not _covered(g, desired)}
    return revoke_sql(extra, role) + grant_sql(desired - current, role)


# --- roles --------------------------------------------------------------------------------------

# Least privilege spelled out on CREATE, so the statement documents itself and defaults cannot drift.
# ALTER must not repeat them: Postgres requires superuser to even restate (NO)SUPERUSER, REPLICATION
# or BYPASSRLS in ALTER ROLE, and Supabase's ``postgres`` role is not a superuser.
_LEAST_PRIVILEGE = ("NOSUPERUSER", "NOCREATEDB", "NOCREATEROLE", "NOREPLICATION")


def _role_options(login: bool, password: Optional[str], connection_limit: int) -> list[str]:
    parts = ["LOGIN" if login else "NOLOGIN", f"CONNECTION LIMIT {int(connection_limit)}"]
    if password is not None:
        parts.append(f"PASSWORD {quote_literal(scram_sha256_verifier(password))}")
    return parts


def _bypass_rls_option(bypass_rls: bool) -> str:
    return "BYPASSRLS" if bypass_rls else "NOBYPASSRLS"


def create_role_sql(name: str, *, login: bool, password: Optional[str], connection_limit: int,
                    bypass_rls: bool = False) -> str:
    options = " ".join([*_LEAST_PRIVILEGE, _bypass_rls_option(bypass_rls), "INHERIT",
                        *_role_options(login, password, connection_limit)])
    return f"CREATE ROLE {quote_ident(name)} WITH {options}"


def alter_role_sql(name: str, *, login: bool, password: Optional[str], connection_limit: int) -> str:
    return f"ALTER ROLE {quote_ident(name)} WITH {' '.join(_role_options(login, password, connection_limit))}"


def alter_bypass_rls_sql(name: str, bypass_rls: bool) -> str:
    """Its own statement, only when ``bypass_rls`` changes: it needs more than the other options (see
    ``BYPASS_RLS_PRIVILEGE``), so an ALTER of login or limit never asks for that."""
    return f"ALTER ROLE {quote_ident(name)} WITH {_bypass_rls_option(bypass_rls)}"


# Who may set or clear BYPASSRLS on a role (CREATE or ALTER): on PostgreSQL 16+ a CREATEROLE role that has
# BYPASSRLS itself (and ADMIN on the role, which its creator holds), as Supabase's ``postgres`` does; on 15 and
# older only a superuser, except that on Supabase the supautils extension runs ``postgres``' CREATE/ALTER ROLE
# as superuser. A plain PostgreSQL 15 (the sandbox's) refuses it for a non-superuser ``postgres``.
BYPASS_RLS_PRIVILEGE = re.compile(r"bypassrls|permission denied to (create|alter) role", re.IGNORECASE)


def drop_role_sql(name: str) -> str:
    return f"DROP ROLE IF EXISTS {quote_ident(name)}"


def script(statements: Iterable[str]) -> str:
    """Statements as one request: the endpoint runs a multi-statement query in one transaction."""
    return ";\n".join(statements) + ";"


def read_role_sql(name: str) -> str:
    """One query returning the role's attributes (row kind 'role') and every privilege it holds.

    ACLs are read from the catalogs with ``aclexplode`` rather than ``information_schema``, whose
    views hide grants the querying role is not involved in.

    Schema-wide grants need two more facts: the role's default privileges on tables and sequences
    (row kinds 'table_default'/'sequence_default', object = the owner whose future objects they
    cover) and, per schema with such defaults, how many tables and sequences it has (row kinds
    'table_count'/'sequence_count', in ``connection_limit``).
    """
    lit = quote_literal(name)
    return f"""WITH r AS (SELECT oid, rolcanlogin, rolconnlimit, rolbypassrls FROM pg_roles WHERE rolname = {lit}),
d AS (SELECT da.defaclnamespace AS nsp, da.defaclrole AS owner, da.defaclobjtype AS objtype, a.privilege_type
        FROM pg_default_acl da CROSS JOIN LATERAL aclexplode(da.defaclacl) a JOIN r ON a.grantee = r.oid
       WHERE da.defaclobjtype IN ('r', 'S') AND da.defaclnamespace <> 0)
SELECT 'role' AS kind, NULL::text AS schema, NULL::text AS object, NULL::text AS privilege,
       r.rolcanlogin AS can_login, r.rolconnlimit AS connection_limit, r.rolbypassrls AS bypass_rls FROM r
UNION ALL
SELECT CASE WHEN d.objtype = 'S' THEN 'sequence_default' ELSE 'table_default' END,
       n.nspname::text, o.rolname::text, d.privilege_type, NULL::bool, NULL::int, NULL::bool
  FROM d JOIN pg_namespace n ON n.oid = d.nsp JOIN pg_roles o ON o.oid = d.owner
UNION ALL
SELECT 'table_count', n.nspname::text, NULL, NULL, NULL::bool,
       (SELECT count(*)::int FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN {_ALL_TABLES_RELKINDS}),
       NULL::bool
  FROM pg_namespace n WHERE n.oid IN (SELECT nsp FROM d WHERE objtype = 'r')
UNION ALL
SELECT 'sequence_count', n.nspname::text, NULL, NULL, NULL::bool,
       (SELECT count(*)::int FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind = 'S'), NULL::bool
  FROM pg_namespace n WHERE n.oid IN (SELECT nsp FROM d WHERE objtype = 'S')
UNION ALL
SELECT 'database', NULL, NULL, a.privilege_type, NULL::bool, NULL::int, NULL::bool
  FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a JOIN r ON a.grantee = r.oid
 WHERE d.datname = current_database()
UNION ALL
SELECT 'schema', n.nspname::text, NULL, a.privilege_type, NULL::bool, NULL::int, NULL::bool
  FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a JOIN r ON a.grantee = r.oid
UNION ALL
SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, n.nspname::text, c.relname::text,
       a.privilege_type, NULL::bool, NULL::int, NULL::bool
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN r ON a.grantee = r.oid
 WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f', 'S')"""


_ALL_TABLES_RELKINDS = _ALL_TABLES_RELKINDS_SQL


@dataclass(frozen=True)
class RoleState:
    exists: bool
    can_login: Optional[bool] = None
    connection_limit: Optional[int] = None
    grants: frozenset[Grant] = frozenset()
    bypass_rls: Optional[bool] = None


def decode_role_rows(rows: Iterable[Mapping[str, Any]]) -> RoleState:
    rows = list(rows)
    role_rows = [r for r in rows if r.get("kind") == "role"]
    if not role_rows:
        return RoleState(exists=False)
    raw = {
        Grant(str(r["kind"]), r.get("schema") or "", r.get("object") or "", str(r["privilege"]).upper())
        for r in rows
        if r.get("kind") in PRIVILEGES and r.get("privilege")
    }

    def facts(kind: str) -> tuple[set[tuple[str, str, str]], dict[str, int]]:
        defaults = {(r.get("schema") or "", r.get("object") or "", str(r["privilege"]).upper())
                    for r in rows if r.get("kind") == f"{kind}_default" and r.get("privilege")}
        counts = {r.get("schema") or "": r.get("connection_limit") or 0
                  for r in rows if r.get("kind") == f"{kind}_count"}
        return defaults, counts

    grants = fold_schema_wide(raw, *facts("table"))
    grants = fold_schema_wide(grants, *facts("sequence"), kinds=("sequence", ALL_SEQUENCES, SEQUENCE_DEFAULTS))
    limit = role_rows[0].get("connection_limit")
    return RoleState(exists=True, can_login=role_rows[0].get("can_login"),
                     connection_limit=limit if isinstance(limit, int) else None,
                     grants=frozenset(grants), bypass_rls=role_rows[0].get("bypass_rls"))


def fold_schema_wide(raw: set[Grant], defaults: set[tuple[str, str, str]], counts: Mapping[str, int],
                     kinds: tuple[str, str, str] = ("table", "all_tables", TABLE_DEFAULTS)) -> set[Grant]:
    """Per-object grants + default privileges -> the canonical set (see the module docstring).

    ``defaults``: (schema, owner, privilege) of the role's default privileges on the object kind;
    a privilege that also holds on every existing object of the schema (``counts``) is one
    schema-wide grant (its per-object grants fold into it), otherwise a ``*_defaults`` grant next
    to the per-object ones. ``kinds``: (per-object, schema-wide, partial) kind names.
    """
    single, wide, partial = kinds
    grants = set(raw)
    folded: set[tuple[str, str]] = set()
    for schema, owner, privilege in defaults:
        granted = sum(1 for g in raw if g.kind == single and g.schema == schema and g.privilege == privilege)
        if granted >= counts.get(schema, 0):
            grants.add(Grant(wide, schema, owner, privilege))
            folded.add((schema, privilege))
        else:
            grants.add(Grant(partial, schema, owner, privilege))
    return {g for g in grants if not (g.kind == single and (g.schema, g.privilege) in folded)}


# --- extensions ---------------------------------------------------------------------------------

def validate_extension_name(name: Any) -> Optional[str]:
    return formats.extension_name(name) if isinstance(name, str) else "must be a string"


def create_extension_sql(name: str, schema: str, version: Optional[str]) -> list[str]:
    # CREATE EXTENSION ... WITH SCHEMA fails if the schema is missing; Supabase ships "extensions",
    # a bare Postgres does not.
    stmt = f"CREATE EXTENSION IF NOT EXISTS {quote_ident(name)} WITH SCHEMA {quote_ident(schema)}"
    if version:
        stmt += f" VERSION {quote_literal(version)}"
    return [f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}", stmt]


def alter_extension_sql(name: str, *, version: Optional[str] = None) -> list[str]:
    out = []
    if version:
        out.append(f"ALTER EXTENSION {quote_ident(name)} UPDATE TO {quote_literal(version)}")
    return out


def drop_extension_sql(name: str) -> str:
    # RESTRICT (the default): refuse to cascade into user objects that depend on the extension.
    return f"DROP EXTENSION IF EXISTS {quote_ident(name)}"


def read_extension_sql(name: str) -> str:
    return ("SELECT e.extname::text AS name, e.extversion::text AS version, n.nspname::text AS schema "
            "FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            f"WHERE e.extname = {quote_literal(name)}")
