"""Every top-level key of the `procurement:` namespace the program reads.

Pulumi.yaml's `config:` block and README's reference are generated from it (tools/config_reference.py).
The loader reads keys only through this registry, so a key cannot be read without being declared.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from . import constants as c
from . import formats as f
from . import schema
from .declarative import MISSING, Kind, ListOf, ObjectSpec, Text


@dataclass(frozen=True)
class ConfigKey:
    name: str
    type: str  # the Pulumi.yaml type: "string", "object" or "array" (of strings)
    description: str
    default: Any = MISSING  # MISSING: the stack must set it (Pulumi.yaml has no default either)
    secret: bool = False  # must be stored encrypted (`pulumi config set --secret` or ESC fn::secret)
    spec: Optional[ObjectSpec] = None  # fields inside an object value
    kind: Optional[Kind] = None  # how a string or array value is checked (None: by the code that reads it)

    @property
    def required(self) -> bool:
        return self.default is MISSING


def _object(name: str, spec: ObjectSpec, description: str, required: bool = False, secret: bool = False) -> ConfigKey:
    # A secret key is optional: Pulumi.yaml's `secret: true` would make it mandatory on every stack.
    return ConfigKey(name, "object", description, MISSING if required else {}, secret=secret, spec=spec)


# Keys earlier versions read, and where their value lives now. Credentials are never stack config:
# the engine stores the whole stack config as the default dynamic provider's inputs in the state,
# and refresh/destroy keep using that stored copy after a rotation (docs/explanation/secrets.md).
RETIRED: dict[str, str] = {
    "renderApiKey": "RENDER_API_KEY",
    "supabaseAccessToken": "SUPABASE_ACCESS_TOKEN",
    "registryPassword": "REGISTRY_PULL_TOKEN",
    "logStreamToken": "RENDER_LOG_STREAM_TOKEN",
}


KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("environment", "string", "Kind of environment: local, staging, production or review (a pull "
              "request's stack pr-<n>). Production rules (protection, >= 2 instances, strict TLS, no image builds) "
              "apply to production.",
              kind=Text(choices=c.ENVIRONMENTS)),
    ConfigKey("domain", "string", "Apex domain of the platform; the app and API live at <appSubdomain>.<domain> "
              "and <apiSubdomain>.<domain>.", kind=Text(check=f.domain)),
    ConfigKey("apiSubdomain", "string", "Label of the API host name under the domain.", "api",
              kind=Text(check=f.dns_label)),
    ConfigKey("appSubdomain", "string", "Label of the web app host name under the domain.", "app",
              kind=Text(check=f.dns_label)),
    _object("tiers", schema.TIERS, "Which tiers this stack builds: images, backend, frontend, database, edge, "
            "sourceControl, observability (all booleans, all required).", required=True),
    ConfigKey("renderApiUrl", "string", "Base URL of the Render API (the local stack points at the sandbox).",
              "https://api.render.com/v1"),
    ConfigKey("renderMaxRateLimitWaitSeconds", "string", 'Longest wait, in seconds, a Render API call accepts for a rate-limit window to reset (Render allows 20 service creates per clock hour); longer waits fail at once naming the bucket and when it resets. Env: RENDER_MAX_RATE_LIMIT_WAIT_SECONDS.', "900",
              kind=Text(check=f.whole_seconds)),
    ConfigKey("renderTrafficGatewayUrl", "string", "Origin the release checks send a web service's requests to, "
              "keeping the service's public host in the Host header (the local stack: the sandbox's traffic "
              "gateway). The Render provider reads it itself (its configure() config), so setting it here is all it "
              "takes. Absent: the checks request each service's public URL (real Render). Env: "
              "RENDER_TRAFFIC_GATEWAY_URL. Never in production.", "", kind=Text(check=f.http_url)),
    ConfigKey("supabaseApiUrl", "string", "Base URL of the Supabase Management API (paths begin with /v1/).",
              "https://api.supabase.com"),
    ConfigKey("backendImageDigest", "string", "Pinned backend image, <registry>/<repository>@sha256:<digest>. "
              "Wins over promotion and builds; pin the previous digest to roll back.", "", kind=Text(check=f.digest_reference)),
    ConfigKey("promoteFromStack", "string", "Stack (<org>/<project>/<stack>) whose backend_image_digest output "
              "this stack deploys (production promotes staging).", "", kind=Text(check=f.stack_reference)),
    _object("render", schema.RENDER, "Render workspace (ownerId) and region."),
    _object("images", schema.IMAGES, "Backend image registry and docker build settings."),
    _object("backend", schema.BACKEND, "Render backend: plan, instances/autoscaling, health check, services "
            "(web, worker, cron)."),
    _object("release", schema.RELEASE, "How a backend image reaches production: a checked candidate before each web "
            "service's deploy, the smoke checks, and the watch after the switch that rolls back on a failure "
            "(docs/explanation/releases.md)."),
    _object("frontend", schema.FRONTEND, "Render static site: repo, branch, build command, publish path."),
    _object("database", schema.DATABASE, "Supabase project: organization, region, size, Postgres, pooler, "
            "network restrictions, SSL, auth, roles, extensions, deletion protection."),
    _object("edge", schema.EDGE, "Cloudflare zone, SSL/TLS, HSTS, WAF level, rate limit, cache rules, "
            "health check."),
    _object("sourceControl", schema.SOURCE_CONTROL, "GitHub owner, repositories, required checks, reviewers."),
    _object("observability", schema.OBSERVABILITY, "Uptime and response-time targets, Render notifications, "
            "optional log and metrics streams."),
    _object("appSecrets", schema.APP_SECRETS, "SECRET. Application secrets: environment variables and files of "
            "the backend services (shared or per service) and build variables of the frontend. Every value "
            "encrypted (pulumi config set --secret --path).", secret=True),
    _object("backup", schema.BACKUP, "Nightly encrypted logical backup of the database to an R2 bucket (absent: "
            "none)."),
    _object("review", schema.REVIEW, "Review stacks only (environment review, stack pr-<n>): the pull request, the "
            "Supabase project the database branches from, when the stack expires, the head branch. Generated by "
            "ops/review/stack_config.py, never written by hand."),
    ConfigKey("adopt", "array", "Resources (logical names such as backend-api, or URNs of this stack) that take "
              "over an existing object with the same natural key instead of failing (adopt=True). A Deploy entry "
              "may add @<deploy id>,... (take over only a deploy made after those). tools/scripts/recover.sh sets it "
              "after an interrupted update; removing an entry later changes nothing.", [], kind=ListOf(Text())),
)

BY_NAME: dict[str, ConfigKey] = {k.name: k for k in KEYS}
SECRET_KEYS = tuple(k.name for k in KEYS if k.secret)


def field_paths() -> list[str]:
    """Every documented path: `tiers`, `backend.services[].schedule`, ... (for docs and tests)."""
    paths: list[str] = []
    for key in KEYS:
        paths.append(key.name)
        if key.spec is not None:
            paths.extend(path for path, _ in key.spec.walk(key.name))
    return paths
