"""The pack's policies, each at the enforcement level the stack's kind calls for (enforcement.py)."""
from __future__ import annotations

from pulumi_policy import Policy, ResourceValidationPolicy, StackValidationPolicy

from . import rule_cloudflare, rule_coverage, rule_github, rule_protection, rule_render, rule_secrets
from .enforcement import StackContext

PACK_NAME = "procurement-platform"


def build_policies(context: StackContext) -> list[Policy]:
    """Every policy of the pack, governed by `context` (enforcement follows the stack being judged)."""
    level = context.facts.enforcement
    return context.govern([
        ResourceValidationPolicy(rule_protection.NAME, rule_protection.DESCRIPTION, rule_protection.validate,
                                 enforcement_level=level),
        ResourceValidationPolicy(rule_cloudflare.SSL_STRICT, rule_cloudflare.SSL_STRICT_DESCRIPTION,
                                 rule_cloudflare.validate_ssl, enforcement_level=level),
        ResourceValidationPolicy(rule_cloudflare.MIN_TLS, rule_cloudflare.MIN_TLS_DESCRIPTION,
                                 rule_cloudflare.validate_min_tls, enforcement_level=level),
        ResourceValidationPolicy(rule_cloudflare.HSTS, rule_cloudflare.HSTS_DESCRIPTION,
                                 rule_cloudflare.validate_hsts, enforcement_level=level),
        StackValidationPolicy(rule_cloudflare.COMPLETE, rule_cloudflare.COMPLETE_DESCRIPTION,
                              rule_cloudflare.validate_complete, enforcement_level=level),
        ResourceValidationPolicy(rule_render.HEALTH_CHECK, rule_render.HEALTH_CHECK_DESCRIPTION,
                                 rule_render.validate_health_check, enforcement_level=level),
        ResourceValidationPolicy(rule_render.MIN_INSTANCES, rule_render.MIN_INSTANCES_DESCRIPTION,
                                 rule_render.validate_min_instances, enforcement_level=level),
        ResourceValidationPolicy(rule_secrets.NAME, rule_secrets.DESCRIPTION, rule_secrets.validate,
                                 enforcement_level=level),
        StackValidationPolicy(rule_coverage.NAME, rule_coverage.DESCRIPTION, rule_coverage.validate,
                              enforcement_level=level),
        StackValidationPolicy(rule_github.NAME, rule_github.DESCRIPTION, rule_github.make_validate(context),
                              enforcement_level=level),
    ])
