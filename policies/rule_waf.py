"""The zone runs Cloudflare's managed WAF: an `execute` rule for a managed ruleset in the managed phase.

Judged on the stack that owns the zone-wide settings (it declares `ZoneSetting`s: production,
`edge.manageZoneSettings`), since Cloudflare allows one entry-point ruleset per phase and zone.
That stack must declare a `cloudflare:index/ruleset:Ruleset` in phase `http_request_firewall_managed`
with an enabled rule whose action is `execute` and whose `actionParameters.id` is one of Cloudflare's
managed WAF rulesets (components/cloudflare_waf.py: the Free Managed Ruleset, or the Cloudflare
Managed Ruleset on Pro and higher; OWASP alone does not count, it scores requests on top of them).
"""
from __future__ import annotations

from pulumi_policy import PolicyResource, ReportViolation, StackValidationArgs

from components.cloudflare_waf import CLOUDFLARE_MANAGED_RULESET, FREE_MANAGED_RULESET, MANAGED_PHASE

from .inputs import UNKNOWN, lookup, plain
from .tokens import CLOUDFLARE_RULESET, CLOUDFLARE_ZONE_SETTING

NAME = "cloudflare-managed-waf"
DESCRIPTION = ("The stack that manages the Cloudflare zone deploys a managed WAF ruleset (an enabled 'execute' rule "
               "for the Free Managed or the Cloudflare Managed Ruleset in phase http_request_firewall_managed).")
ACCEPTED = (FREE_MANAGED_RULESET, CLOUDFLARE_MANAGED_RULESET)


def executes_managed_waf(ruleset: PolicyResource) -> object:
    """True when this ruleset runs a managed WAF ruleset, UNKNOWN when a preview cannot tell, else False."""
    props = plain(ruleset.props)
    phase = lookup(props, "phase")
    if phase is UNKNOWN:
        return UNKNOWN
    if phase != MANAGED_PHASE:
        return False
    rules = lookup(props, "rules")
    if rules is UNKNOWN:
        return UNKNOWN
    for rule in rules if isinstance(rules, list) else []:
        if rule is UNKNOWN:
            return UNKNOWN
        if lookup(rule, "action") == "execute" and lookup(rule, "enabled") is not False \
                and lookup(rule, "actionParameters", "id") in ACCEPTED:
            return True
    return False


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    if not any(r.resource_type == CLOUDFLARE_ZONE_SETTING for r in resources):
        return  # this stack does not own the zone-wide settings
    verdicts = [executes_managed_waf(r) for r in resources if r.resource_type == CLOUDFLARE_RULESET]
    if True in verdicts or UNKNOWN in verdicts:
        return
    report_violation(f"This stack manages the Cloudflare zone but runs no managed WAF ruleset: declare a Ruleset in "
                     f"phase {MANAGED_PHASE} with an enabled 'execute' rule for {' or '.join(ACCEPTED)} "
                     f"(components/edge.py does, from procurement:edge.managedWaf).")
