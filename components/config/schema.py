"""The fields inside each structured `procurement:<key>` value.

The one declaration of each field: validation, default, description; the typed model (model.py) and README's
reference derive from it. `required=True`: required while the tier that reads the object is on.
"""
from __future__ import annotations

from . import constants as c
from . import formats as f
from typing import Any, Callable

from .declarative import Field, Flag, Integer, ListOf, MapOf, Nested, Number, ObjectSpec, Text, defaults_of


def _production(allowed: Callable[[Any], bool], message: str, doc: str) -> dict[str, Any]:
    """A production rule of one field: `message` ({value}: the value given) when `allowed` says no."""
    return {"production": lambda value: None if allowed(value) else message.format(value=value), "production_doc": doc}


def _production_required(why: str) -> dict[str, Any]:
    """A field production stacks must set (absent elsewhere means the vendor's default)."""
    return {"production_required": why, "production_doc": "required"}


_NOT_FREE = _production(lambda plan: plan != "free", "production cannot run on the free plan (it sleeps when idle)",
                        "not free")


def _variables(doc: str) -> Field:
    """`env`: environment variable name -> value (strings; quote numbers and booleans in YAML)."""
    return Field("env", MapOf(Text(allow_empty=True), key_check=f.env_var_name), doc, default={})


def _files(doc: str) -> Field:
    """`files`: file name in /etc/secrets -> content."""
    return Field("files", MapOf(Text(allow_empty=True), key_check=f.secret_file_name, key_label="<file>"), doc,
                 default={})

TIERS = ObjectSpec((
    Field("images", Flag(), "build and push backend images (off: use a pinned or promoted digest)", required=True),
    Field("backend", Flag(), "Render web services, workers and cron jobs", required=True),
    Field("frontend", Flag(), "Render static site for the React app", required=True),
    Field("database", Flag(), "Supabase project and its settings", required=True),
    Field("edge", Flag(), "Cloudflare DNS, zone settings, rate limit, cache rules", required=True),
    Field("sourceControl", Flag(), "GitHub repository settings, rulesets, environments", required=True),
    Field("observability", Flag(), "health checks, notifications, log streams", required=True),
))

RENDER = ObjectSpec((
    Field("ownerId", Text(check=f.render_owner), "Render workspace id (tea-…)", required=True),
    Field("region", Text(choices=c.RENDER_REGIONS), "region of every Render service", default="oregon"),
))

IMAGES = ObjectSpec((
    Field("registry", Text(check=f.registry_host), "registry host, e.g. ghcr.io", required=True),
    Field("repository", Text(check=f.image_repository), "image path in the registry", required=True),
    Field("username", Text(), "registry user Render pulls with (its token: REGISTRY_PULL_TOKEN)"),
    Field("private", Flag(), "Render needs registry credentials to pull", default=True),
    Field("context", Text(check=f.workspace_path), "docker build context, relative to this project (a sibling checkout: ../<repository>)"),
    Field("dockerfile", Text(check=f.relative_path), "Dockerfile path relative to the context",
          default="Dockerfile"),
    Field("platform", Text(choices=c.IMAGE_PLATFORMS), "target platform", default="linux/amd64"),
))

SERVICE = ObjectSpec((
    Field("name", Text(check=f.service_name), "service purpose, unique, used in names", required=True),
    Field("type", Text(choices=c.SERVICE_TYPES), "web, worker or cron", required=True),
    Field("command", Text(), "container command (required for cron jobs)"),
    Field("plan", Text(choices=c.RENDER_WEB_PLANS), "plan override (workers/cron: paid plans only)"),
    Field("schedule", Text(check=f.cron_schedule), "cron schedule in UTC (cron jobs only)"),
    Field("healthCheckPath", Text(check=f.url_path), "health-check path override (web only)"),
    Field("minInstances", Integer(1, c.RENDER_MAX_INSTANCES), "instance floor override (web/worker)"),
    Field("maxInstances", Integer(1, c.RENDER_MAX_INSTANCES), "instance ceiling override (web/worker)"),
    _variables("plain environment variables of this service only (secret ones: procurement:appSecrets)"),
))

BACKEND = ObjectSpec((
    Field("plan", Text(choices=c.RENDER_WEB_PLANS), "default Render plan of every service", default="starter",
          **_NOT_FREE),
    Field("minInstances", Integer(1, c.RENDER_MAX_INSTANCES), "instances per web service/worker", default=1,
          **_production(lambda n: n >= 2, "production runs at least 2 instances of each web service (got {value})",
                        "at least 2")),
    Field("maxInstances", Integer(1, c.RENDER_MAX_INSTANCES),
          "autoscaling ceiling; absent or equal to minInstances means a fixed count (removing it turns autoscaling off)"),
    Field("targetCpuPercent", Integer(10, 90), "autoscaling CPU target", default=70),
    Field("targetMemoryPercent", Integer(10, 90), "autoscaling memory target (absent: CPU only)"),
    Field("healthCheckPath", Text(check=f.url_path), "health-check path of web services", default="/health"),
    Field("port", Integer(1, 65535), "port the container listens on (PORT)", default=8000),
    Field("apiService", Text(check=f.service_name), "web service that serves api.<domain>", default="api"),
    Field("shutdownDelaySeconds", Integer(1, c.RENDER_MAX_SHUTDOWN_DELAY_SECONDS), "seconds Render lets an old "
          "instance of a web service or worker finish after SIGTERM (maxShutdownDelaySeconds: in-flight requests, "
          "the current job) before it is killed; at least slowestRequestSeconds (absent: Render's default, 30, "
          "not sent)",
          **_production_required("Render's default of 30 s is not a decision: set it to cover the slowest request "
                                 "(slowestRequestSeconds)")),
    Field("slowestRequestSeconds", Integer(1, c.RENDER_MAX_SHUTDOWN_DELAY_SECONDS), "longest a request (or a "
          "worker's job) may take; shutdownDelaySeconds must cover it", default=30),
    Field("services", ListOf(Nested(SERVICE), min_items=1, max_items=20), "web services, workers, cron jobs",
          required=True),
    _variables("plain environment variables of every backend service (the shared env group)"),
))

SMOKE_CHECK = ObjectSpec((
    Field("path", Text(check=f.url_path), "path requested (GET) on the API service", required=True),
    Field("status", Integer(100, 599), "HTTP status it must answer", default=200),
))

RELEASE = ObjectSpec((
    Field("candidate", Flag(), "before a web service's deploy, run the image as a preview instance (the candidate), "
          "check it and delete it; only a passing candidate is deployed", default=True,
          **_production(bool, "must be true in production: an image is checked beside production before it "
                        "takes production traffic", "true")),
    Field("smokeChecks", ListOf(Nested(SMOKE_CHECK), max_items=20), "requests the API service's candidate and "
          "deploy must answer as expected (every web service's health-check path is always checked, expecting 200)",
          default=()),
    Field("watchSeconds", Integer(0, 3600), "seconds a deploy is watched after the switch (still live, checks "
          "pass); a failure rolls back to the previous deploy at once (0: no watch)", default=120,
          **_production(lambda s: s >= 60, "production watches a deploy for at least 60 s after the switch "
                        "(got {value})", "at least 60")),
))

FRONTEND = ObjectSpec((
    Field("repo", Text(check=f.github_repo_url), "GitHub URL of the React app", required=True),
    Field("branch", Text(check=f.git_branch), "branch Render builds", default="main"),
    Field("buildCommand", Text(), "build command", default="npm ci && npm run build"),
    Field("publishPath", Text(check=f.relative_path), "directory of the built site", default="dist"),
    Field("autoDeploy", Flag(), "deploy on every push to the branch", default=True),
    _variables("plain build-time environment variables of the static site (VITE_* reach the browser)"),
))

POSTGRES = ObjectSpec((
    Field("statementTimeout", Text(check=f.pg_duration), "statement_timeout (removing it restores the earlier override, "
          "or warns: \"Removing a setting reverts it\")"),
    Field("maxConnections", Integer(1, c.SUPABASE_MAX_CONNECTIONS), "max_connections"),
    Field("workMem", Text(check=f.pg_memory), "work_mem"),
))

POOLER = ObjectSpec((
    Field("mode", Text(choices=c.SUPABASE_POOL_MODES), "Supavisor pool mode", default="transaction"),
    Field("defaultPoolSize", Integer(0, c.SUPABASE_MAX_POOL_SIZE), "Supavisor default pool size"),
))

AUTH = ObjectSpec((
    Field("siteUrl", Text(check=f.http_url), "auth site URL (absent: https://<app hostname>)"),
    Field("redirectUrls", ListOf(Text(check=f.http_url)), "additional redirect URLs", default=()),
    Field("jwtExpirySeconds", Integer(300, c.SUPABASE_MAX_JWT_EXPIRY), "access token lifetime", default=3600),
    Field("disableSignup", Flag(), "invite-only (procurement users are provisioned)", default=True),
    Field("passwordMinLength", Integer(c.SUPABASE_MIN_PASSWORD_LENGTH, 128), "minimum password length",
          default=12),
    Field("mfaTotp", Flag(), "allow TOTP multi-factor enrolment", default=True),
))

ROLE = ObjectSpec((
    Field("name", Text(check=f.pg_identifier), "Postgres role name", required=True),
    Field("service", Text(check=f.service_name), "backend service that logs in as this role", required=True),
    Field("privileges", ListOf(Text(choices=c.POSTGRES_TABLE_PRIVILEGES), min_items=1), "table privileges",
          default=("SELECT",)),
    Field("schemas", ListOf(Text(check=f.pg_identifier), min_items=1), "schemas the privileges apply to",
          default=("public",)),
))

DATABASE = ObjectSpec((
    Field("organizationSlug", Text(check=f.supabase_org), "Supabase organization", required=True),
    Field("region", Text(choices=c.SUPABASE_REGIONS), "Supabase region", required=True),
    Field("instanceSize", Text(choices=c.SUPABASE_INSTANCE_SIZES), "compute size", default="micro"),
    Field("postgres", Nested(POSTGRES), "Postgres settings", default=defaults_of(POSTGRES)),
    Field("pooler", Nested(POOLER), "connection pooler", default=defaults_of(POOLER)),
    Field("networkRestrictions", ListOf(Text(check=f.public_cidr)), "CIDRs allowed to connect (empty: anywhere)",
          default=()),
    Field("enforceSsl", Flag(), "reject non-TLS database connections", default=True,
          **_production(bool, "must be true in production", "true")),
    Field("caCertificate", Text(check=f.relative_path, label="path (relative to Pulumi.yaml)"), "the database's CA "
          "certificate (PEM file; Supabase: Database settings > SSL Configuration > Download certificate): the database "
          "URLs then verify the server (sslmode=verify-full, the file reaching the services and the backup job as the "
          "Render secret file database-ca.crt); absent: sslmode=require (encrypted, server not verified)"),
    Field("auth", Nested(AUTH), "Supabase Auth settings", default=defaults_of(AUTH)),
    Field("roles", ListOf(Nested(ROLE)), "least-privilege login role per backend service", default=()),
    Field("extensions", ListOf(Text(check=f.pg_extension)), "Postgres extensions to enable", default=()),
    Field("deletionProtection", Flag(), "protect the project from delete/replace", default=True,
          **_production(bool, "must be true in production (the database holds every purchase order; deleting or "
                        "replacing it must need an explicit unprotect first)", "true")),
    Field("pitrDays", Integer(choices=c.SUPABASE_PITR_DAYS), "point-in-time recovery retention in days "
          "(billing add-on pitr_<days>, needs instanceSize small or larger; absent or removed: PITR off)"),
    Field("projectRef", Text(check=f.supabase_ref), "use (adopt) this existing project instead of creating one; "
          "set by the restore command (docs/how-to/restore-the-database.md)"),
))

REVIEW = ObjectSpec((
    Field("pr", Integer(1, 2**31 - 1), "pull request number; the stack is pr-<pr>", required=True),
    Field("parentProjectRef", Text(check=f.supabase_ref), "Supabase project the database is a branch of (the base "
          "stack's project)", required=True),
    Field("expiresAt", Text(check=f.utc_timestamp), "when the sweeper destroys the stack (ISO-8601 UTC)",
          required=True),
    Field("headBranch", Text(check=f.git_branch), "the pull request's git branch (the Supabase branch follows it)"),
))

HSTS = ObjectSpec((
    Field("enabled", Flag(), "send Strict-Transport-Security", default=True),
    Field("maxAgeSeconds", Integer(0, c.HSTS_MAX_AGE_MAX), "max-age", default=c.HSTS_MAX_AGE_MAX),
    Field("includeSubdomains", Flag(), "includeSubDomains", default=True),
    Field("preload", Flag(), "preload", default=False),
))

RATE_LIMIT = ObjectSpec((
    Field("requests", Integer(1, 1_000_000), "requests per period per client IP on the API host", default=600),
    Field("periodSeconds", Integer(choices=c.CLOUDFLARE_RATE_LIMIT_PERIODS), "counting period", default=60),
    Field("mitigationTimeoutSeconds", Integer(choices=c.CLOUDFLARE_RATE_LIMIT_PERIODS), "how long to act",
          default=600),
    Field("action", Text(choices=c.CLOUDFLARE_RATE_LIMIT_ACTIONS), "what happens over the limit",
          default="block"),
))

CACHE_RULE = ObjectSpec((
    Field("name", Text(check=f.service_name), "rule name", required=True),
    Field("extensions", ListOf(Text(check=f.file_extension), min_items=1), "file extensions matched",
          required=True),
    Field("edgeTtlSeconds", Integer(0, 31536000), "edge cache TTL", default=86400),
    Field("browserTtlSeconds", Integer(0, 31536000), "browser cache TTL", default=3600),
))

HEALTH_CHECK = ObjectSpec((
    Field("path", Text(check=f.url_path), "path probed on api.<domain> (absent: backend.healthCheckPath)"),
    Field("intervalSeconds", Integer(15, 3600), "seconds between probes", default=60),
    Field("timeoutSeconds", Integer(1, 10), "probe timeout", default=5),
    Field("retries", Integer(0, 5), "immediate retries before a probe counts as failed", default=2),
    Field("consecutiveFails", Integer(1, 10), "failed probes before unhealthy", default=2),
    Field("consecutiveSuccesses", Integer(1, 10), "good probes before healthy again", default=2),
    Field("expectedCodes", Text(check=f.http_status_codes), "healthy status codes", default="200"),
    Field("notificationEmail", Text(check=f.email), "who is told when the API is unhealthy"),
))

EDGE = ObjectSpec((
    Field("zoneId", Text(check=f.hex32), "Cloudflare zone id", required=True),
    Field("zoneName", Text(check=f.domain), "zone apex; the domain must be inside it", required=True),
    Field("manageZoneSettings", Flag(), "this stack owns the zone-wide settings and rulesets", default=False),
    Field("sslMode", Text(choices=c.CLOUDFLARE_SSL_MODES), "SSL mode", default="strict"),
    Field("minTlsVersion", Text(choices=c.CLOUDFLARE_TLS_VERSIONS), "minimum TLS version", default="1.2"),
    Field("tls13", Flag(), "TLS 1.3", default=True),
    Field("alwaysUseHttps", Flag(), "redirect http to https", default=True),
    Field("securityLevel", Text(choices=c.CLOUDFLARE_SECURITY_LEVELS), "WAF security level", default="medium"),
    Field("managedWaf", Text(choices=c.CLOUDFLARE_MANAGED_WAF_CHOICES), "managed WAF rulesets: free (Free Managed "
          "Ruleset, every plan) or full (Cloudflare Managed + OWASP Core, Pro or higher)", default="free"),
    Field("hsts", Nested(HSTS), "HSTS", default=defaults_of(HSTS)),
    Field("rateLimit", Nested(RATE_LIMIT), "rate limit on the API hostname", default=defaults_of(RATE_LIMIT)),
    Field("cacheRules", ListOf(Nested(CACHE_RULE)), "cache rules for static assets", default=()),
    Field("healthCheck", Nested(HEALTH_CHECK), "API health check", default=defaults_of(HEALTH_CHECK)),
))

REPOSITORY = ObjectSpec((
    Field("name", Text(check=f.github_repo), "repository name", required=True),
    Field("role", Text(choices=c.REPOSITORY_ROLES), "frontend, backend or infrastructure", required=True),
    Field("requiredChecks", ListOf(Text(), min_items=1), "status checks required on the default branch",
          required=True),
))

SOURCE_CONTROL = ObjectSpec((
    Field("owner", Text(check=f.github_login), "GitHub organization", required=True),
    Field("manageRepositorySettings", Flag(), "this stack owns repository settings, rulesets, environments",
          default=False),
    Field("defaultBranch", Text(check=f.git_branch), "protected branch", default="main"),
    Field("requiredApprovals", Integer(0, c.GITHUB_MAX_REQUIRED_APPROVALS), "approving reviews", default=1),
    Field("productionReviewers", ListOf(Text(check=f.github_reviewer), max_items=c.GITHUB_MAX_ENVIRONMENT_REVIEWERS),
          "users or org/team allowed to approve production", default=()),
    Field("repositories", ListOf(Nested(REPOSITORY), min_items=1), "repositories and their checks",
          required=True),
))

RENDER_ALERTS = ObjectSpec((
    Field("serviceEvents", Text(choices=c.RENDER_NOTIFY_EVENTS), "Render notifications of each of this stack's "
          "services: none, failure (failed deploys, unhealthy services, failed cron runs) or all", default="failure",
          **_production(lambda events: events != "none", "must be failure or all in production: a failed deploy or an "
                        "unhealthy service must reach someone", "failure or all")),
    Field("previewNotifications", Flag(), "also notify for the services' preview environments", default=False),
    Field("manageWorkspace", Flag(), "this stack owns the Render workspace's notification defaults (one stack: production)",
          default=False),
    Field("workspaceEmail", Flag(), "workspace default: email the workspace's members", default=True),
    Field("workspaceEvents", Text(choices=c.RENDER_NOTIFY_EVENTS), "workspace default: which events notify",
          default="failure"),
))

OBSERVABILITY = ObjectSpec((
    Field("uptimeTargetPercent", Number(90.0, 100.0), "availability objective", default=99.9),
    Field("responseTimeTargetMs", Integer(100, 60000), "response time objective", default=2000),
    Field("logStreamEndpoint", Text(check=f.host_port), "syslog host:port for Render logs (absent: none)"),
    Field("metricsStreamUrl", Text(check=f.https_url), "OTLP endpoint Render streams the workspace's metrics to "
          "(absent: none; token: RENDER_METRICS_STREAM_TOKEN)"),
    Field("metricsStreamProvider", Text(choices=c.RENDER_METRICS_PROVIDERS), "kind of metrics receiver",
          default="CUSTOM"),
    Field("alerts", Nested(RENDER_ALERTS), "Render notification routing", default=defaults_of(RENDER_ALERTS)),
))

BACKUP_RECIPIENT = ObjectSpec((
    Field("holder", Text(check=f.one_line), "who holds this key pair's identity (private key), and where", required=True),
    Field("recipient", Text(check=f.age_recipient, label="age recipient"), "the key pair's public recipient (age1...)", required=True),
    Field("escrow", Flag(), "the identity is kept offline (printed, in a safe), never in ESC or on a machine",
          default=False),
))

BACKUP = ObjectSpec((
    Field("recipients", ListOf(Nested(BACKUP_RECIPIENT), min_items=1), "every age key pair a dump is encrypted "
          "to; each identity alone decrypts it (production: two or more, one an offline escrow)", required=True),
    Field("image", Text(check=f.digest_reference), "the backup job's image, pinned by digest "
          "(<registry>/<repository>@sha256:<64 hex>; built from ops/backup/Dockerfile)", required=True),
    Field("schedule", Text(check=f.cron_schedule), "when the nightly dump runs (cron, UTC)", default="30 2 * * *"),
    Field("retentionDays", Integer(7, 3650), "days a dump is kept: locked against deletion and overwrite that "
          "long (R2 bucket lock), then deleted (R2 lifecycle rule)", default=35),
    Field("schemas", ListOf(Text(check=f.pg_identifier), min_items=1), "schemas dumped (schema and data); the job's role backup_reader reads exactly these",
          default=("public",)),
    Field("plan", Text(choices=c.RENDER_PAID_PLANS), "Render plan of the backup cron job", default="starter"),
), retired={
    "recipient": "was renamed: give `recipients`, a list of {holder, recipient, escrow} (docs/how-to/operations.md, "
                 "\"Backup keys\"), and remove `recipient`",
    "repo": "is no longer read: the backup job runs a digest-pinned image (`image`), not a build of a repository; "
            "remove it",
    "branch": "is no longer read: the backup job runs a digest-pinned image (`image`), not a build of a branch; "
              "remove it",
})

# procurement:appSecrets, a secret key: every value is stored encrypted (`pulumi config set --secret
# --path 'procurement:appSecrets.services.api.env.STRIPE_API_KEY' <value>`, or fn::secret in ESC).
SECRET_SET = ObjectSpec((
    _variables("secret environment variables"),
    _files("secret files, mounted by Render at /etc/secrets/<file>"),
))

FRONTEND_SECRETS = ObjectSpec((
    _variables("secret build-time variables of the static site (never VITE_*: those are published)"),
))

APP_SECRETS = ObjectSpec((
    Field("backend", Nested(SECRET_SET), "every backend service, through the shared env group",
          default=defaults_of(SECRET_SET)),
    Field("services", MapOf(Nested(SECRET_SET), key_check=f.service_name, key_label="<service>"),
          "one backend service, by its backend.services[].name", default={}),
    Field("frontend", Nested(FRONTEND_SECRETS), "the static site's build", default=defaults_of(FRONTEND_SECRETS)),
))
