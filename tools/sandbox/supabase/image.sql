-- The roles, schemas, privileges and extensions of a new Supabase project's database, for the sandbox's
-- Debian Postgres 15 (see image.py, which runs this once per session on the template every project is cloned
-- from). Our own SQL; the facts come from Supabase's public image sources and real projects' dumps:
--   [init]     supabase/postgres migrations/db/init-scripts/00000000000000-initial-schema.sql,
--              -00000000000001-auth-schema.sql, -00000000000002-storage-schema.sql,
--              -00000000000003-realtime-schema.sql, -00000000000003-post-setup.sql
--   [migrate]  supabase/postgres migrations/db/migrate.sh: init scripts run as `postgres` (a superuser then),
--              migrations as `supabase_admin`, then `postgres` is demoted
--   [demote]   migrations/db/migrations/10000000000000_demote-postgres.sql
--   [inherit]  migrations/db/migrations/20230529180330_alter_api_roles_for_inherit.sql
--   [revoke]   migrations/db/migrations/20250421084701_revoke_admin_roles_from_postgres.sql
--   [admin16]  migrations/db/migrations/20250605172253_grant_with_admin_to_postgres_16_and_above.sql
--   [superu]   migrations/db/migrations/20251215120934_supabase_superuser.sql
--   [pgb]      ansible/files/pgbouncer_config/pgbouncer_auth_schema.sql and
--              migrations/db/migrations/20251121132723_correct_search_path_pgbouncer.sql
--   [graphql]  migrations/db/migrations/20220317095840_pg_graphql.sql, 20260421000000_pg_graphql-off-by-default.sql
--   [authrole] migrations/db/migrations/20260821154147_revoke_createrole_from_auth_admin.sql
--   [privs]    migrations/tests/database/privs.sql and exists.sql (what the image's own tests assert)
--   [dump]     `pg_dumpall` of real projects (roles, schema owners and ACLs, default privileges, PG 15 and 17)
-- Left out, because Debian's Postgres has no such extension: pg_graphql (off by default on new projects anyway,
-- [graphql]), supabase_vault and its `vault` schema, pgsodium, pg_net, pg_cron, supautils, safeupdate; and what
-- Supabase's services create at run time (GoTrue's later auth tables, Storage's and Realtime's tables).

-- ---------------------------------------------------------------------------------------------------------
-- As supabase_admin (initdb's bootstrap superuser). migrate.sh first creates `postgres` as a superuser [migrate].
CREATE ROLE postgres WITH LOGIN SUPERUSER;
ALTER DATABASE postgres OWNER TO postgres;  -- so `public` (owned by pg_database_owner) is postgres' own [privs]

-- ---------------------------------------------------------------------------------------------------------
-- The init scripts, as `postgres` while it is still a superuser [migrate]: what it creates, it owns.
SET ROLE postgres;

CREATE PUBLICATION supabase_realtime;  -- empty; owned by postgres [init][dump]

CREATE ROLE supabase_replication_admin WITH LOGIN REPLICATION;
CREATE ROLE supabase_etl_admin WITH LOGIN REPLICATION;
CREATE ROLE supabase_read_only_user WITH LOGIN BYPASSRLS;  -- database/query/read-only runs as this role
GRANT pg_read_all_data TO supabase_read_only_user, supabase_etl_admin;

-- The API roles PostgREST switches to; INHERIT since [inherit], authenticator logs in and SET ROLEs [init][dump].
CREATE ROLE anon WITH NOLOGIN INHERIT;
CREATE ROLE authenticated WITH NOLOGIN INHERIT;
CREATE ROLE service_role WITH NOLOGIN INHERIT BYPASSRLS;
CREATE ROLE authenticator WITH LOGIN NOINHERIT;
GRANT anon, authenticated, service_role TO authenticator;
ALTER ROLE anon SET statement_timeout = '3s';
ALTER ROLE authenticated SET statement_timeout = '8s';
ALTER ROLE authenticator SET statement_timeout = '8s';
ALTER ROLE authenticator SET lock_timeout = '8s';

-- Everything postgres creates in public is open to the API roles (row level security is what restricts them).
GRANT USAGE ON SCHEMA public TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;

-- Where extensions live: owned by postgres, usable by the API roles [init][dump].
CREATE SCHEMA extensions;
GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role;

CREATE ROLE dashboard_user WITH NOLOGIN CREATEDB CREATEROLE REPLICATION;  -- [init post-setup][dump]
GRANT ALL ON DATABASE postgres TO dashboard_user;
GRANT ALL ON SCHEMA extensions TO dashboard_user;

-- auth: owned by supabase_admin, its objects by supabase_auth_admin (GoTrue) [init auth][dump][authrole].
CREATE SCHEMA auth AUTHORIZATION supabase_admin;
CREATE ROLE supabase_auth_admin WITH LOGIN NOINHERIT NOCREATEROLE NOREPLICATION;
ALTER ROLE supabase_auth_admin SET search_path = auth;
ALTER ROLE supabase_auth_admin SET idle_in_transaction_session_timeout = 60000;
GRANT ALL ON SCHEMA auth TO supabase_auth_admin, dashboard_user;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role, postgres;  -- no CREATE for postgres [revoke]
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_auth_admin IN SCHEMA auth GRANT ALL ON TABLES TO postgres, dashboard_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_auth_admin IN SCHEMA auth
    GRANT ALL ON SEQUENCES TO postgres, dashboard_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_auth_admin IN SCHEMA auth
    GRANT ALL ON FUNCTIONS TO postgres, dashboard_user;

SET ROLE supabase_auth_admin;
-- The first auth tables the image ships (GoTrue's own migrations add the rest when Auth starts).
CREATE TABLE auth.users (
    instance_id uuid,
    id uuid NOT NULL PRIMARY KEY,
    aud varchar(255),
    role varchar(255),
    email varchar(255) UNIQUE,
    encrypted_password varchar(255),
    confirmed_at timestamptz,
    invited_at timestamptz,
    confirmation_token varchar(255),
    confirmation_sent_at timestamptz,
    recovery_token varchar(255),
    recovery_sent_at timestamptz,
    email_change_token varchar(255),
    email_change varchar(255),
    email_change_sent_at timestamptz,
    last_sign_in_at timestamptz,
    raw_app_meta_data jsonb,
    raw_user_meta_data jsonb,
    is_super_admin boolean,
    created_at timestamptz,
    updated_at timestamptz
);
CREATE TABLE auth.refresh_tokens (
    instance_id uuid,
    id bigserial PRIMARY KEY,
    token varchar(255),
    user_id varchar(255),
    revoked boolean,
    created_at timestamptz,
    updated_at timestamptz
);
CREATE TABLE auth.instances (id uuid PRIMARY KEY, uuid uuid, raw_base_config text, created_at timestamptz,
                             updated_at timestamptz);
CREATE TABLE auth.audit_log_entries (instance_id uuid, id uuid PRIMARY KEY, payload json, created_at timestamptz);
CREATE TABLE auth.schema_migrations (version varchar(255) PRIMARY KEY);
-- The JWT claim helpers RLS policies call (the request's claims arrive as settings; [dump] shape).
CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $fn$
    SELECT coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                    nullif(current_setting('request.jwt.claims', true), ''))::jsonb
$fn$;
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $fn$
    SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid
$fn$;
CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $fn$
    SELECT coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')::text
$fn$;
CREATE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $fn$
    SELECT coalesce(nullif(current_setting('request.jwt.claim.email', true), ''),
                    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')::text
$fn$;
SET ROLE postgres;
-- postgres may read auth's tables and pass SELECT on, but not grant the rest [dump].
REVOKE ALL ON ALL TABLES IN SCHEMA auth FROM postgres;
GRANT SELECT ON ALL TABLES IN SCHEMA auth TO postgres WITH GRANT OPTION;
GRANT INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA auth TO postgres;
GRANT ALL ON ALL TABLES IN SCHEMA auth TO dashboard_user;
GRANT ALL ON ALL SEQUENCES IN SCHEMA auth TO postgres, dashboard_user;
GRANT ALL ON ALL ROUTINES IN SCHEMA auth TO dashboard_user;

-- storage: owned by supabase_admin; the Storage API (supabase_storage_admin) creates its tables [init storage].
CREATE SCHEMA storage AUTHORIZATION supabase_admin;
CREATE ROLE supabase_storage_admin WITH LOGIN NOINHERIT CREATEROLE NOREPLICATION;
ALTER ROLE supabase_storage_admin SET search_path = storage;
GRANT CREATE ON DATABASE postgres TO supabase_storage_admin;
GRANT authenticator TO supabase_storage_admin;
GRANT USAGE ON SCHEMA storage TO postgres, anon, authenticated, service_role;
GRANT ALL ON SCHEMA storage TO supabase_storage_admin, dashboard_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;

-- realtime: owned by supabase_admin [init realtime][dump].
CREATE SCHEMA realtime AUTHORIZATION supabase_admin;
CREATE ROLE supabase_realtime_admin WITH NOLOGIN NOINHERIT;
GRANT USAGE ON SCHEMA realtime TO postgres, anon, authenticated, service_role;
GRANT ALL ON SCHEMA realtime TO supabase_realtime_admin;

RESET ROLE;

-- ---------------------------------------------------------------------------------------------------------
-- The migrations, as supabase_admin [migrate].

-- Objects supabase_admin creates in these schemas are postgres' to use (and pass on, in extensions) [dump].
ALTER DEFAULT PRIVILEGES IN SCHEMA extensions GRANT ALL ON TABLES TO postgres WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES IN SCHEMA extensions GRANT ALL ON SEQUENCES TO postgres WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES IN SCHEMA extensions GRANT ALL ON FUNCTIONS TO postgres WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES IN SCHEMA realtime GRANT ALL ON TABLES TO postgres, dashboard_user;
ALTER DEFAULT PRIVILEGES IN SCHEMA realtime GRANT ALL ON SEQUENCES TO postgres, dashboard_user;
ALTER DEFAULT PRIVILEGES IN SCHEMA realtime GRANT ALL ON FUNCTIONS TO postgres, dashboard_user;

-- Pre-installed extensions, owned by supabase_admin like those Supabase installs for the project [init][dump].
CREATE EXTENSION "uuid-ossp" WITH SCHEMA extensions;
CREATE EXTENSION pgcrypto WITH SCHEMA extensions;
CREATE EXTENSION pg_stat_statements WITH SCHEMA extensions;  -- preloaded (image.py), as on the platform
GRANT ALL ON extensions.pg_stat_statements, extensions.pg_stat_statements_info TO dashboard_user;

-- graphql_public: with pg_graphql off, its entry point answers that the extension is not enabled [graphql].
CREATE SCHEMA graphql_public;
CREATE FUNCTION graphql_public.graphql("operationName" text DEFAULT NULL, query text DEFAULT NULL,
                                       variables jsonb DEFAULT NULL, extensions jsonb DEFAULT NULL)
    RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('errors', jsonb_build_array(
        jsonb_build_object('message', 'pg_graphql extension is not enabled.')))
$fn$;
GRANT USAGE ON SCHEMA graphql_public TO postgres, anon, authenticated, service_role;
GRANT ALL ON FUNCTION graphql_public.graphql(text, text, jsonb, jsonb) TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA graphql_public GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA graphql_public
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA graphql_public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;

-- pgbouncer: the pooler's auth_query user and function [pgb]. The function reads pg_authid, so it must belong
-- to a superuser; the sandbox's own pooler (pooler.py) authenticates clients through it.
CREATE ROLE pgbouncer WITH LOGIN;
CREATE SCHEMA pgbouncer AUTHORIZATION pgbouncer;
CREATE FUNCTION pgbouncer.get_auth(p_usename text) RETURNS TABLE (username text, password text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $fn$
BEGIN
    RETURN QUERY
    SELECT rolname::text, CASE WHEN rolvaliduntil < now() THEN NULL ELSE rolpassword::text END
      FROM pg_catalog.pg_authid WHERE rolname = p_usename AND rolcanlogin;
END;
$fn$;
REVOKE ALL ON FUNCTION pgbouncer.get_auth(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbouncer.get_auth(text) TO pgbouncer;

-- supabase_superuser: the platform's grouping of superuser-like grants for postgres [superu].
CREATE ROLE supabase_superuser;
GRANT supabase_superuser TO postgres, supabase_etl_admin;

-- What postgres is a member of on a new project [dump]; with ADMIN OPTION on the API roles, as on
-- Postgres 16 and above [admin16] (the API reports 17; see the sandbox README).
GRANT pg_monitor, pg_read_all_data, pg_signal_backend TO postgres;
GRANT anon, authenticated, service_role TO postgres WITH ADMIN OPTION;

ALTER ROLE supabase_admin SET search_path = "$user", public, auth, extensions;
ALTER ROLE postgres SET search_path = "$user", public, extensions;

-- ---------------------------------------------------------------------------------------------------------
-- Demote postgres: no superuser on a Supabase project [demote][dump].
GRANT ALL ON DATABASE postgres TO postgres;
ALTER ROLE postgres WITH NOSUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS;
