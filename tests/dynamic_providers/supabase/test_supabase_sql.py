"""SQL generation: quoting, grant sets, role statements and the SCRAM verifier (checked against the
RFC 7677 test vector). Execution against a real Postgres is in test_supabase_sql_lifecycle.py."""
from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from dynamic_providers.supabase import sql
from dynamic_providers.supabase.sql import Grant


def test_quote_ident():
    assert sql.quote_ident("orders") == '"orders"'
    assert sql.quote_ident('we"ird') == '"we""ird"'
    assert sql.quote_ident("Mixed Case") == '"Mixed Case"'
    for bad in ("", "a\x00b", "x" * 64, None):
        with pytest.raises(sql.SqlInputError):
            sql.quote_ident(bad)


def test_quote_literal_is_safe_whatever_standard_conforming_strings_is():
    assert sql.quote_literal("plain") == "'plain'"
    assert sql.quote_literal("it's") == "'it''s'"
    assert sql.quote_literal("back\\slash'") == "E'back\\\\slash'''"
    with pytest.raises(sql.SqlInputError):
        sql.quote_literal("nul\x00")


def test_scram_verifier_matches_rfc7677_vector():
    # RFC 7677 section 3: user "user", password "pencil".
    salt = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
    verifier = sql.scram_sha256_verifier("pencil", salt=salt, iterations=4096)
    scheme, rest = verifier.split("$", 1)
    iter_salt, keys = rest.split("$")
    assert scheme == "SCRAM-SHA-256" and iter_salt == "4096:W22ZaJ0SNY7soEsUEjb6gQ=="
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    auth_message = (b"n=user,r=rOprNGfwEbeRWgbNEkqO,"
                    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
                    b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")
    server_signature = hmac.new(server_key, auth_message, hashlib.sha256).digest()
    assert base64.b64encode(server_signature).decode() == "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
    # The client proof from the RFC, XORed with the client signature, gives a key whose hash is StoredKey.
    proof = base64.b64decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    client_signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
    client_key = bytes(a ^ b for a, b in zip(proof, client_signature))
    assert hashlib.sha256(client_key).digest() == stored_key


def test_scram_verifier_salts_randomly():
    assert sql.scram_sha256_verifier("same-password") != sql.scram_sha256_verifier("same-password")


@pytest.mark.parametrize("password,ok", [
    ("correct-horse-battery", True), ("short", False), ("pässwörd-lang-genug", False), ("tab\tinside-pass", False),
    (None, False), ("", False)])
def test_password_validation(password, ok):
    assert (sql.validate_role_password(password) is None) == ok


@pytest.mark.parametrize("name,ok", [
    ("orders_api", True), ("_svc", True), ("Orders", False), ("1abc", False), ("postgres", False),
    ("supabase_admin", False), ("pg_monitor", False), ("service_role", False), ("a" * 64, False)])
def test_role_name_validation(name, ok):
    assert (sql.validate_role_name(name) is None) == ok


def test_expand_grants_canonical_set():
    grants = sql.expand_grants([
        {"on": "schema", "schema": "public", "privileges": ["usage"]},
        {"on": "table", "schema": "public", "objects": ["orders", "lines"], "privileges": ["SELECT", "INSERT"]},
        {"on": "sequence", "schema": "public", "objects": ["orders_id_seq"], "privileges": ["ALL"]},
        {"on": "database", "privileges": ["CONNECT", "TEMP"]},
    ])
    assert Grant("schema", "public", "", "USAGE") in grants
    assert Grant("table", "public", "lines", "INSERT") in grants
    assert {g.privilege for g in grants if g.kind == "sequence"} == {"USAGE", "SELECT", "UPDATE"}
    assert {g.privilege for g in grants if g.kind == "database"} == {"CONNECT", "TEMPORARY"}
    assert len(grants) == 1 + 4 + 3 + 2


def test_grouping_round_trips_and_ignores_order():
    specs = [
        {"on": "table", "schema": "public", "objects": ["b", "a"], "privileges": ["INSERT", "SELECT"]},
        {"on": "table", "schema": "public", "objects": ["c"], "privileges": ["SELECT"]},
        {"on": "schema", "schema": "public", "privileges": ["USAGE"]},
        {"on": "database", "privileges": ["CONNECT"]},
    ]
    expanded = sql.expand_grants(specs)
    assert sql.expand_grants(sql.group_grants(expanded)) == expanded
    regrouped = [{"on": "table", "schema": "public", "objects": ["a"], "privileges": ["SELECT"]},
                 {"on": "table", "schema": "public", "objects": ["a", "b"], "privileges": ["INSERT"]},
                 {"on": "table", "schema": "public", "objects": ["b", "c"], "privileges": ["SELECT"]},
                 {"on": "database", "privileges": ["connect"]},
                 {"on": "schema", "schema": "public", "privileges": ["USAGE"]}]
    assert sql.expand_grants(regrouped) == expanded


@pytest.mark.parametrize("spec,message", [
    ({"on": "tables", "privileges": ["SELECT"]}, "on must be one of"),
    ({"on": "table", "schema": "public", "privileges": ["SELECT"]}, "objects must list"),
    ({"on": "table", "schema": "public", "objects": ["t"], "privileges": ["USAGE"]}, "not a table privilege"),
    ({"on": "schema", "schema": "public", "privileges": []}, "non-empty list"),
    ({"on": "database", "schema": "public", "privileges": ["CONNECT"]}, "take no schema"),
    ({"on": "schema", "schema": "public", "privileges": ["USAGE"], "grantable": True}, "unknown keys"),
    ({"on": "table", "schema": "x" * 70, "objects": ["t"], "privileges": ["SELECT"]}, "longer than"),
])
def test_bad_grant_specs_are_named(spec, message):
    with pytest.raises(sql.SqlInputError, match=message):
        sql.expand_grants([{"on": "schema", "schema": "ok", "privileges": ["USAGE"]}, spec])


def test_grant_and_revoke_statements_quote_everything():
    grants = sql.expand_grants([
        {"on": "table", "schema": "My Schema", "objects": ['odd"name'], "privileges": ["SELECT", "UPDATE"]},
        {"on": "database", "privileges": ["CONNECT"]},
    ])
    stmts = sql.grant_sql(grants, "orders_api")
    assert 'GRANT SELECT, UPDATE ON TABLE "My Schema"."odd""name" TO "orders_api"' in stmts
    db = [s for s in stmts if "DATABASE" in s][0]
    assert db.startswith("DO $procurement$") and "current_database()" in db and "'orders_api'" in db
    assert sql.revoke_sql(grants, "orders_api")[1] == 'REVOKE SELECT, UPDATE ON TABLE "My Schema"."odd""name" FROM "orders_api"'


def test_role_statements_never_contain_the_password():
    password = "plain-text-password-1"
    create = sql.create_role_sql("orders_api", login=True, password=password, connection_limit=5)
    assert password not in create and "PASSWORD 'SCRAM-SHA-256$4096:" in create
    for keyword in ("LOGIN", "NOSUPERUSER", "NOCREATEDB", "NOCREATEROLE", "NOREPLICATION", "NOBYPASSRLS",
                    "CONNECTION LIMIT 5"):
        assert keyword in create
    alter = sql.alter_role_sql("orders_api", login=False, password=None, connection_limit=-1)
    assert "PASSWORD" not in alter and "NOLOGIN" in alter
    # BYPASSRLS only when asked for, and never restated by the ALTER of the other options.
    assert "BYPASSRLS" not in create.replace("NOBYPASSRLS", "")
    bypassing = sql.create_role_sql("backup_reader", login=True, password=password, connection_limit=-1,
                                    bypass_rls=True)
    assert " BYPASSRLS " in bypassing and "NOBYPASSRLS" not in bypassing and "NOSUPERUSER" in bypassing
    assert "BYPASSRLS" not in alter
    assert sql.alter_bypass_rls_sql("backup_reader", True) == 'ALTER ROLE "backup_reader" WITH BYPASSRLS'
    assert sql.alter_bypass_rls_sql("backup_reader", False) == 'ALTER ROLE "backup_reader" WITH NOBYPASSRLS'


def test_decode_role_rows():
    assert not sql.decode_role_rows([]).exists
    state = sql.decode_role_rows([
        {"kind": "role", "schema": None, "object": None, "privilege": None, "can_login": True, "connection_limit": -1},
        {"kind": "table", "schema": "public", "object": "orders", "privilege": "SELECT"},
        {"kind": "schema", "schema": "public", "object": None, "privilege": "USAGE"},
    ])
    assert state.exists and state.can_login and state.connection_limit == -1
    assert sql.decode_role_rows([{"kind": "role", "can_login": True, "bypass_rls": True}]).bypass_rls is True
    assert state.grants == {Grant("table", "public", "orders", "SELECT"), Grant("schema", "public", "", "USAGE")}


def test_extension_statements():
    create = sql.create_extension_sql("uuid-ossp", "extensions", "1.1")
    assert create == ['CREATE SCHEMA IF NOT EXISTS "extensions"',
                      'CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA "extensions" VERSION \'1.1\'']
    assert sql.drop_extension_sql("pgcrypto") == 'DROP EXTENSION IF EXISTS "pgcrypto"'
    assert sql.validate_extension_name("pg_trgm") is None
    assert sql.validate_extension_name("x; DROP TABLE y") is not None


def test_all_tables_grants_expand_group_and_default_the_owner():
    grants = sql.expand_grants([{"on": "all_tables", "schema": "public", "privileges": ["SELECT", "insert"]},
                                {"on": "all_tables", "schema": "app", "privileges": ["ALL"], "owner": "migrator"}])
    assert Grant("all_tables", "public", "postgres", "SELECT") in grants
    assert {g.privilege for g in grants if g.schema == "app" and g.kind == "all_tables"} == set(sql.PRIVILEGES["table"])
    assert {g.object for g in grants if g.schema == "app"} == {"migrator"}
    # INSERT brings USAGE on the schema's sequences (nextval for serial columns), for the same owner.
    assert {g for g in grants if g.kind == sql.ALL_SEQUENCES} == {
        Grant(sql.ALL_SEQUENCES, "public", "postgres", "USAGE"), Grant(sql.ALL_SEQUENCES, "app", "migrator", "USAGE")}
    grouped = sql.group_grants(grants)
    assert {"on": "all_tables", "schema": "public", "privileges": ["INSERT", "SELECT"]} in grouped  # owner unsaid
    assert sql.expand_grants(grouped) == grants
    assert Grant("all_tables", "public", "postgres", "SELECT").to_dict()["owner"] == "postgres"


@pytest.mark.parametrize("spec,message", [
    ({"on": "all_tables", "schema": "public", "objects": ["t"], "privileges": ["SELECT"]}, "take no objects"),
    ({"on": "all_tables", "privileges": ["SELECT"]}, "non-empty string"),
    ({"on": "all_tables", "schema": "public", "privileges": ["USAGE"]}, "not a all_tables privilege"),
    ({"on": "table", "schema": "public", "objects": ["t"], "privileges": ["SELECT"], "owner": "x"}, "only all_tables"),
    ({"on": "table_defaults", "schema": "public", "privileges": ["SELECT"]}, "on must be one of"),  # read back only
    ({"on": "all_sequences", "schema": "public", "objects": ["s"], "privileges": ["SELECT"]}, "take no objects"),
    ({"on": "all_sequences", "schema": "public", "privileges": ["INSERT"]}, "not a all_sequences privilege"),
    ({"on": "all_tables", "schema": "public", "privileges": ["SELECT"], "sequences": True}, "include INSERT"),
    ({"on": "all_tables", "schema": "public", "privileges": ["INSERT"], "sequences": "no"}, "true or false"),
    ({"on": "sequence", "schema": "public", "objects": ["s"], "privileges": ["USAGE"], "sequences": False},
     "only applies to all_tables"),
])
def test_bad_all_tables_specs_are_named(spec, message):
    with pytest.raises(sql.SqlInputError, match=message):
        sql.expand_grants([spec])


def test_declared_sequence_reads_cover_existing_and_future_sequences_and_read_back_the_same():
    # The backup role (components/database.py backup_grants): SELECT on every sequence, which pg_dump needs.
    specs = [{"on": "all_tables", "schema": "public", "privileges": ["SELECT"]},
             {"on": "all_sequences", "schema": "public", "privileges": ["SELECT"]}]
    grants = sql.expand_grants(specs)
    assert grants == {Grant("all_tables", "public", "postgres", "SELECT"),
                      Grant(sql.ALL_SEQUENCES, "public", "postgres", "SELECT")}
    assert sql.expand_grants(sql.group_grants(grants)) == grants
    assert sql.grant_sql({Grant(sql.ALL_SEQUENCES, "public", "postgres", "SELECT")}, "backup_reader") == [
        'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT SELECT ON SEQUENCES TO "backup_reader"',
        'GRANT SELECT ON ALL SEQUENCES IN SCHEMA "public" TO "backup_reader"']


def test_all_tables_statements_cover_existing_and_future_tables():
    grants = sql.expand_grants([{"on": "all_tables", "schema": "My Schema", "privileges": ["SELECT", "UPDATE"]}])
    assert sql.grant_sql(grants, "orders_api") == [
        'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "My Schema" GRANT SELECT, UPDATE ON TABLES TO "orders_api"',
        'GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA "My Schema" TO "orders_api"']
    assert sql.revoke_sql(grants, "orders_api") == [
        'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "My Schema" REVOKE SELECT, UPDATE ON TABLES FROM "orders_api"',
        'REVOKE SELECT, UPDATE ON ALL TABLES IN SCHEMA "My Schema" FROM "orders_api"']
    stale_default = {Grant(sql.TABLE_DEFAULTS, "s", "postgres", "DELETE")}
    assert sql.revoke_sql(stale_default, "r") == [
        'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "s" REVOKE DELETE ON TABLES FROM "r"']


def test_read_back_folds_full_coverage_into_all_tables():
    def rows(*extra, count=2):
        return [{"kind": "role", "can_login": True, "connection_limit": -1},
                {"kind": "table_count", "schema": "public", "connection_limit": count}, *extra]
    defaults = {"kind": "table_default", "schema": "public", "object": "postgres", "privilege": "SELECT"}
    t = lambda name, priv="SELECT": {"kind": "table", "schema": "public", "object": name, "privilege": priv}  # noqa: E731
    # Default privilege + every table granted = one all_tables grant; other per-table grants stay.
    state = sql.decode_role_rows(rows(defaults, t("a"), t("b"), t("a", "DELETE")))
    assert state.grants == {Grant("all_tables", "public", "postgres", "SELECT"), Grant("table", "public", "a", "DELETE")}
    # An empty schema is fully covered by its default privilege.
    assert sql.decode_role_rows(rows(defaults, count=0)).grants == {Grant("all_tables", "public", "postgres", "SELECT")}
    # A table without the privilege: the default reads as table_defaults and the tables stay single.
    state = sql.decode_role_rows(rows(defaults, t("a")))
    assert state.grants == {Grant(sql.TABLE_DEFAULTS, "public", "postgres", "SELECT"), Grant("table", "public", "a", "SELECT")}
    # Every table granted but no default privilege: single table grants (future tables are not covered).
    assert Grant("table", "public", "b", "SELECT") in sql.decode_role_rows(rows(t("a"), t("b"))).grants


def test_change_sql_does_not_revoke_what_a_schema_wide_grant_restores():
    desired = sql.expand_grants([{"on": "all_tables", "schema": "public", "privileges": ["SELECT"]}])
    current = {Grant(sql.TABLE_DEFAULTS, "public", "postgres", "SELECT"), Grant("table", "public", "a", "SELECT"),
               Grant("table", "public", "a", "DELETE")}
    assert sql.change_sql(current, desired, "r") == [
        'REVOKE DELETE ON TABLE "public"."a" FROM "r"',
        'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT SELECT ON TABLES TO "r"',
        'GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "r"']
    assert sql.change_sql(desired, desired, "r") == []


def test_sequence_usage_is_derived_from_insert_and_folds_back():
    spec = [{"on": "all_tables", "schema": "public", "privileges": ["SELECT", "INSERT"]}]
    grants = sql.expand_grants(spec)
    assert grants == {Grant("all_tables", "public", "postgres", "SELECT"), Grant("all_tables", "public", "postgres", "INSERT"),
                      Grant(sql.ALL_SEQUENCES, "public", "postgres", "USAGE")}
    assert sql.group_grants(grants) == [{"on": "all_tables", "privileges": ["INSERT", "SELECT"], "schema": "public"}]
    assert sql.grant_sql(grants, "r")[:2] == [
        'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT USAGE ON SEQUENCES TO "r"',
        'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "public" TO "r"']
    # The derived USAGE missing (opted out, or revoked by hand) reads back as "sequences": false.
    without = grants - {Grant(sql.ALL_SEQUENCES, "public", "postgres", "USAGE")}
    opted_out = [{**spec[0], "sequences": False}]
    assert sql.expand_grants(opted_out) == without
    assert sql.group_grants(without) == [{"on": "all_tables", "privileges": ["INSERT", "SELECT"], "schema": "public",
                                          "sequences": False}]
    # Without INSERT the sequence usage is nobody's: it stays visible (and is not declarable).
    stray = {Grant("all_tables", "public", "postgres", "SELECT"), Grant(sql.ALL_SEQUENCES, "public", "postgres", "USAGE")}
    assert {"on": sql.ALL_SEQUENCES, "privileges": ["USAGE"], "schema": "public"} in sql.group_grants(stray)
    # A single sequence grant the derived one includes is redundant (read-back folds it the same way).
    assert sql.expand_grants([*spec, {"on": "sequence", "schema": "public", "objects": ["s"],
                                      "privileges": ["USAGE"]}]) == grants


def test_read_back_folds_sequence_defaults_and_repairs_partial_coverage():
    base = [{"kind": "role", "can_login": True, "connection_limit": -1},
            {"kind": "sequence_count", "schema": "public", "connection_limit": 2},
            {"kind": "sequence_default", "schema": "public", "object": "postgres", "privilege": "USAGE"}]
    seq = lambda name: {"kind": "sequence", "schema": "public", "object": name, "privilege": "USAGE"}  # noqa: E731
    assert sql.decode_role_rows([*base, seq("a"), seq("b")]).grants == {Grant(sql.ALL_SEQUENCES, "public", "postgres", "USAGE")}
    partial = sql.decode_role_rows([*base, seq("a")]).grants
    assert partial == {Grant(sql.SEQUENCE_DEFAULTS, "public", "postgres", "USAGE"), Grant("sequence", "public", "a", "USAGE")}
    desired = {Grant(sql.ALL_SEQUENCES, "public", "postgres", "USAGE")}
    assert sql.change_sql(partial, desired, "r") == [
        'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT USAGE ON SEQUENCES TO "r"',
        'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "public" TO "r"']
    assert 'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" REVOKE USAGE ON SEQUENCES FROM "r"' \
        in sql.revoke_sql(partial, "r")  # delete clears it before DROP ROLE
    assert "sequence_default" in sql.read_role_sql("r") and "defaclobjtype IN ('r', 'S')" in sql.read_role_sql("r")


@pytest.mark.parametrize("message,transient", [
    ("Failed to run sql query: ERROR:  XX000: tuple concurrently updated", True),
    ('Failed to run sql query: ERROR:  23505: duplicate key value violates unique constraint '
     '"pg_namespace_nspname_index"', True),
    ('Failed to run sql query: ERROR:  23505: duplicate key value violates unique constraint '
     '"pg_default_acl_role_nsp_obj_index"', True),
    ('Failed to run sql query: ERROR:  23505: duplicate key value violates unique constraint "orders_pkey"', False),
    ("Failed to run sql query: ERROR:  XX000: cache lookup failed for relation 1234", False),
    ('Failed to run sql query: ERROR:  42P01: relation "public.no_such_table" does not exist', False),
])
def test_only_concurrent_catalog_races_are_transient(message, transient):
    from dynamic_providers.core.errors import ServerError, ValidationError
    from dynamic_providers.supabase.api import is_transient_sql_error
    err = ValidationError("Supabase", "POST", "/v1/projects/x/database/query", 400, message)
    assert is_transient_sql_error(err) is transient
    assert not is_transient_sql_error(ServerError("Supabase", "POST", "/v1/projects/x/database/query", 500, message))


def test_grantable_check_names_every_privilege_and_skips_default_privileges():
    grants = sql.expand_grants([
        {"on": "database", "privileges": ["CONNECT"]},
        {"on": "schema", "schema": "auth", "privileges": ["USAGE"]},
        {"on": "table", "schema": "auth", "objects": ["users"], "privileges": ["SELECT"]},
        {"on": "all_tables", "schema": "public", "privileges": ["INSERT"]},
    ])
    check = sql.grantable_check_sql(grants)
    assert check.startswith("DO $procurement$") and "ERRCODE = '42501'" in check
    for condition in ("has_database_privilege(current_database(), 'CONNECT WITH GRANT OPTION')",
                      "has_schema_privilege('auth', 'USAGE WITH GRANT OPTION')",
                      """has_table_privilege('"auth"."users"', 'SELECT WITH GRANT OPTION')""",
                      "n.nspname = 'public'", "has_sequence_privilege(c.oid, 'USAGE WITH GRANT OPTION')"):
        assert condition in check
    assert sql.grantable_check_sql({Grant("table_defaults", "public", "postgres", "SELECT")}) is None
    assert sql.grantable_check_sql(set()) is None
    with pytest.raises(sql.SqlInputError):
        sql.grantable_check_sql({Grant("table", "public", "x$procurement$y", "SELECT")})
