"""The pack's policies, each at the enforcement level the stack's kind calls for (enforcement.py)."""
from __future__ import annotations

from pulumi_policy import Policy, ResourceValidationPolicy, StackValidationPolicy

from . import (rule_cloudflare, rule_coverage, rule_github, rule_protection, rule_r2, rule_release, rule_render,
               rule_review, rule_secrets, rule_supabase, rule_waf)
from .enforcement import StackContext

PACK_NAME = "procurement-platform"
# Rules whose finding fails any stack's preview, not only production's (enforcement.py).
ALWAYS_MANDATORY = frozenset({rule_review.NAME})


def build_policies(context: StackContext) -> list[Policy]:
    """Every policy of the pack, governed by `context` (enforcement follows the stack being judged)."""
    # No level set here: govern() gives each its stack's level (and ALWAYS_MANDATORY theirs), now and on update.
    return context.govern([
        ResourceValidationPolicy(rule_protection.NAME, rule_protection.DESCRIPTION, rule_protection.validate),
        ResourceValidationPolicy(rule_cloudflare.SSL_STRICT, rule_cloudflare.SSL_STRICT_DESCRIPTION,
                                 rule_cloudflare.validate_ssl),
        ResourceValidationPolicy(rule_cloudflare.MIN_TLS, rule_cloudflare.MIN_TLS_DESCRIPTION,
                                 rule_cloudflare.validate_min_tls),
        ResourceValidationPolicy(rule_cloudflare.HSTS, rule_cloudflare.HSTS_DESCRIPTION, rule_cloudflare.validate_hsts),
        StackValidationPolicy(rule_cloudflare.COMPLETE, rule_cloudflare.COMPLETE_DESCRIPTION,
                              rule_cloudflare.validate_complete),
        ResourceValidationPolicy(rule_render.HEALTH_CHECK, rule_render.HEALTH_CHECK_DESCRIPTION,
                                 rule_render.validate_health_check),
        ResourceValidationPolicy(rule_render.MIN_INSTANCES, rule_render.MIN_INSTANCES_DESCRIPTION,
                                 rule_render.validate_min_instances),
        ResourceValidationPolicy(rule_render.SHUTDOWN_DELAY, rule_render.SHUTDOWN_DELAY_DESCRIPTION,
                                 rule_render.make_validate_shutdown_delay(context)),
        ResourceValidationPolicy(rule_secrets.NAME, rule_secrets.DESCRIPTION, rule_secrets.validate),
        StackValidationPolicy(rule_coverage.NAME, rule_coverage.DESCRIPTION, rule_coverage.validate),
        StackValidationPolicy(rule_github.NAME, rule_github.DESCRIPTION, rule_github.make_validate(context)),
        StackValidationPolicy(rule_github.REVIEWS, rule_github.REVIEWS_DESCRIPTION,
                              rule_github.make_validate_reviews(context)),
        ResourceValidationPolicy(rule_github.SECRET_SCANNING, rule_github.SECRET_SCANNING_DESCRIPTION,
                                 rule_github.validate_secret_scanning),
        ResourceValidationPolicy(rule_supabase.SSL, rule_supabase.SSL_DESCRIPTION, rule_supabase.validate_ssl),
        ResourceValidationPolicy(rule_supabase.NETWORK, rule_supabase.NETWORK_DESCRIPTION,
                                 rule_supabase.validate_network),
        StackValidationPolicy(rule_supabase.SECURED, rule_supabase.SECURED_DESCRIPTION, rule_supabase.validate_secured),
        ResourceValidationPolicy(rule_r2.NAME, rule_r2.DESCRIPTION, rule_r2.validate),
        StackValidationPolicy(rule_waf.NAME, rule_waf.DESCRIPTION, rule_waf.validate),
        ResourceValidationPolicy(rule_release.NAME, rule_release.DESCRIPTION, rule_release.make_validate(context)),
        ResourceValidationPolicy(rule_review.NAME, rule_review.DESCRIPTION, rule_review.make_validate(context)),
    ], always_mandatory=ALWAYS_MANDATORY)
