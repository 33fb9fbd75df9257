"""Values the vendors' APIs accept, frozen at development time (the program validates with no access to
`shared/`); tests/components/test_constants_match_specs.py re-derives each list from the spec beside it."""
from __future__ import annotations

# The vendor vocabularies live once, in the providers that send them; config validation reuses them.
from components import cloudflare_waf as _cloudflare_waf
from dynamic_providers.render import encoders as _render
from dynamic_providers.render import metrics_streams as _render_metrics
from dynamic_providers.render import notifications as _render_notifications
from dynamic_providers.supabase import backups as _supabase_backups
from dynamic_providers.supabase import fields as _supabase_fields
from dynamic_providers.supabase import project as _supabase_project
from dynamic_providers.supabase import settings as _supabase_settings
from dynamic_providers.supabase import sql as _supabase_sql

NAMESPACE = "procurement"

# `review`: a pull request's stack pr-<n>, derived from a base stack (ops/review/stack_config.py).
REVIEW = "review"
ENVIRONMENTS = ("local", "staging", "production", REVIEW)

# --- Render -------------------------------------------------------------------------------------
# shared/specs/render/render-openapi.json, components.schemas.region.enum
RENDER_REGIONS = _render.REGIONS

# components.schemas.plan.enum (web services: webServiceDetailsPOST.plan), without "custom",
# which is assigned by Render sales and cannot be requested through the API.
RENDER_WEB_PLANS = tuple(plan for plan in _render.WEB_PLANS if plan != "custom")

# components.schemas.paidPlan.enum: what backgroundWorkerDetailsPOST.plan and
# cronJobDetailsPOST.plan accept (workers and cron jobs have no free plan).
RENDER_PAID_PLANS = _render.PAID_PLANS

# Notification settings: notificationsToSend of the owner settings (none, failure, all); per-service overrides
# also take "default" (paths /notification-settings/*). Metrics-stream receivers: upsertOwnerMetricsStream.
RENDER_NOTIFY_EVENTS = _render_notifications.EVENTS
RENDER_METRICS_PROVIDERS = _render_metrics.PROVIDERS

# Not in the spec (numInstances only has minimum 1). Render's dashboard caps manual scaling and
# autoscaling at 100 instances; a larger number is a typo, not a plan.
RENDER_MAX_INSTANCES = 100

# components.schemas.maxShutdownDelaySeconds: 1-300, default 30 (how long Render waits after SIGTERM).
RENDER_MAX_SHUTDOWN_DELAY_SECONDS = 300

# Application variables (procurement:backend.env, backend.services[].env, frontend.env and
# procurement:appSecrets) may not take names the program sets itself or Render sets for every service
# (render.com/docs/environment-variables: RENDER, RENDER_*, IS_PULL_REQUEST). Exact names and prefixes.
BACKEND_GENERATED_VARIABLES = ("PORT", "DATABASE_URL", "ENVIRONMENT", "API_URL", "APP_URL")
BACKEND_GENERATED_PREFIXES = ("SUPABASE_",)
FRONTEND_GENERATED_VARIABLES = ("VITE_API_URL",)
FRONTEND_GENERATED_PREFIXES = ("VITE_SUPABASE_",)
RENDER_SET_VARIABLES = ("RENDER", "IS_PULL_REQUEST")
RENDER_SET_PREFIXES = ("RENDER_",)
# Vite compiles VITE_* variables into the public bundle: never a secret.
PUBLIC_BUILD_PREFIX = "VITE_"

# --- Supabase -----------------------------------------------------------------------------------
# shared/specs/supabase/openapi.json, components.schemas.V1CreateProjectBody.region_selection
# (type "specific").code.enum, same list as the deprecated V1CreateProjectBody.region.enum
SUPABASE_REGIONS = _supabase_project.REGIONS

# components.schemas.V1CreateProjectBody.desired_instance_size.enum
SUPABASE_INSTANCE_SIZES = _supabase_project.INSTANCE_SIZES

# components.schemas.UpdateSupavisorConfigBody.pool_mode.enum
SUPABASE_POOL_MODES = _supabase_settings.POOL_MODES
# The spec's ranges, as the settings providers check them (UpdateSupavisorConfigBody, UpdatePostgresConfigBody,
# UpdateAuthConfigBody; jwt_exp in seconds).
SUPABASE_MAX_POOL_SIZE = _supabase_fields.POOLER_FIELDS["default_pool_size"].maximum
SUPABASE_MAX_CONNECTIONS = _supabase_fields.POSTGRES_FIELDS["max_connections"].maximum
SUPABASE_MAX_JWT_EXPIRY = _supabase_fields.AUTH_SCALARS["jwt_expiry"][1].maximum
SUPABASE_MIN_PASSWORD_LENGTH = _supabase_fields.AUTH_SCALARS["password_min_length"][1].minimum

# ApplyProjectAddonBody.addon_variant pitr_<days>, as the PitrAddon provider buys it; PITR needs at least the Small
# compute size (Supabase's PITR docs; the sandbox enforces it as the stricter reading).
SUPABASE_PITR_DAYS = _supabase_backups.PITR_DAYS
SUPABASE_PITR_MINIMUM_SIZE = "small"

# Roles Postgres and Supabase own (a service role with such a name would hijack or break them), and the table
# privileges a role may hold: as the SqlRole provider checks and grants them.
POSTGRES_RESERVED_ROLES = _supabase_sql.RESERVED_ROLES
POSTGRES_RESERVED_ROLE_PREFIXES = _supabase_sql.RESERVED_ROLE_PREFIXES
POSTGRES_TABLE_PRIVILEGES = _supabase_sql.PRIVILEGES["table"]

# --- Cloudflare ---------------------------------------------------------------------------------
# Zone settings as the Cloudflare API names them (zone setting ids ssl, min_tls_version,
# security_level) and the rate-limit rule's period/action values (Rulesets API, http_ratelimit).
CLOUDFLARE_SSL_MODES = ("off", "flexible", "full", "strict")
CLOUDFLARE_TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
CLOUDFLARE_SECURITY_LEVELS = ("off", "essentially_off", "low", "medium", "high", "under_attack")
CLOUDFLARE_RATE_LIMIT_PERIODS = (10, 60, 120, 300, 600, 3600)
CLOUDFLARE_RATE_LIMIT_ACTIONS = ("block", "managed_challenge", "js_challenge", "challenge", "log")
# `edge.managedWaf`: which managed WAF rulesets the zone runs (components/cloudflare_waf.py has the ids).
CLOUDFLARE_MANAGED_WAF_CHOICES = tuple(_cloudflare_waf.RULESETS_BY_CHOICE)
HSTS_MAX_AGE_MAX = 31536000  # one year, the preload list's requirement and Cloudflare's maximum

# --- GitHub -------------------------------------------------------------------------------------
GITHUB_MAX_REQUIRED_APPROVALS = 10  # rulesets' required_approving_review_count maximum
GITHUB_MAX_ENVIRONMENT_REVIEWERS = 6  # environments accept at most six required reviewers
REPOSITORY_ROLES = ("frontend", "backend", "infrastructure")

# --- Images -------------------------------------------------------------------------------------
# Render runs linux/amd64 only; building anything else produces an image Render cannot start.
IMAGE_PLATFORMS = ("linux/amd64",)

SERVICE_TYPES = ("web", "worker", "cron")

# --- Database TLS -----------------------------------------------------------------------------------
# `database.caCertificate` reaches the Render services and the backup job as this secret file; Render mounts a
# service's secret files in /etc/secrets (render-openapi.json, secretFile), where the database URLs' sslrootcert
# points.
RENDER_SECRET_FILES_DIR = "/etc/secrets"
DATABASE_CA_FILE = "database-ca.crt"
