"""Reads the procurement platform's stack outputs through `pulumi.StackReference`.

Required outputs use `require_output` (a missing key fails loudly: the contract says when each key
is present); outputs that depend on a tier use `get_output` and may be None. Secret outputs stay
secret here: exporting or passing them on keeps them encrypted.
"""
import pulumi

platform = pulumi.StackReference(pulumi.Config().require("platformStack"))

api_url = platform.require_output("api_url")
environment = platform.require_output("environment")

# What a smoke test or another service would be configured with.
pulumi.export("platform_environment", environment)
pulumi.export("api_health_url", pulumi.Output.concat(api_url, "/health"))
pulumi.export("frontend_url", platform.get_output("frontend_url"))
pulumi.export("api_service_id", platform.require_output("api_service_id"))
pulumi.export("supabase_url", platform.get_output("supabase_url"))
# Secret in the platform's outputs, so secret here too (shown as [secret]).
pulumi.export("supabase_anon_key", platform.get_output("supabase_anon_key"))
pulumi.export("database_url", platform.get_output("database_url"))
