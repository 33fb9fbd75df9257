"""Type tokens the rules target. Dynamic resources keep `pulumi-python:dynamic/<module>:<Name>` forever
(interfaces.md); bridged ones are the tokens of the installed SDKs (pulumi-cloudflare 6.23.1,
pulumi-github 6.15.0)."""

RENDER_SERVICE = "pulumi-python:dynamic/render:Service"
RENDER_CUSTOM_DOMAIN = "pulumi-python:dynamic/render:CustomDomain"
RENDER_NOTIFICATION_OVERRIDE = "pulumi-python:dynamic/render:NotificationOverride"
SUPABASE_PROJECT = "pulumi-python:dynamic/supabase:Project"
SUPABASE_BRANCH = "pulumi-python:dynamic/supabase:Branch"
SUPABASE_SSL_ENFORCEMENT = "pulumi-python:dynamic/supabase:SslEnforcement"
SUPABASE_NETWORK_RESTRICTIONS = "pulumi-python:dynamic/supabase:NetworkRestrictions"
CLOUDFLARE_ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
CLOUDFLARE_HEALTHCHECK = "cloudflare:index/healthcheck:Healthcheck"
CLOUDFLARE_NOTIFICATION_POLICY = "cloudflare:index/notificationPolicy:NotificationPolicy"
CLOUDFLARE_RULESET = "cloudflare:index/ruleset:Ruleset"
CLOUDFLARE_R2_MANAGED_DOMAIN = "cloudflare:index/r2ManagedDomain:R2ManagedDomain"  # the bucket's r2.dev URL
CLOUDFLARE_R2_CUSTOM_DOMAIN = "cloudflare:index/r2CustomDomain:R2CustomDomain"  # the bucket on a zone host name
GITHUB_REPOSITORY = "github:index/repository:Repository"
GITHUB_RULESET = "github:index/repositoryRuleset:RepositoryRuleset"

# Render `service_type` values (dynamic_providers/render/encoders.py SERVICE_TYPES).
WEB_SERVICE = "web_service"
STATIC_SITE = "static_site"
