"""Cloudflare's managed WAF rulesets: their documented ids, and which ones each plan choice deploys.

The ids are Cloudflare's, the same in every account (developers.cloudflare.com/waf/managed-rules/:
"Ruleset ID"). Kept free of imports so the policy pack (policies/rule_waf.py) reads the very same
declaration the edge component deploys.
"""

MANAGED_PHASE = "http_request_firewall_managed"

CLOUDFLARE_MANAGED_RULESET = "efb7b8c949ac4650a09736fc376e9aee"  # Pro or higher
OWASP_CORE_RULESET = "4814384a9e5d4991b9815dcfc25d2f1f"  # Pro or higher
FREE_MANAGED_RULESET = "77454fe2d30c4220b5701f6fdfb893ba"  # every plan, Free included

# `edge.managedWaf` -> the managed rulesets the zone executes, in order. The Free Managed Ruleset is a
# subset of the Cloudflare Managed Ruleset (Cloudflare: no need for both), so "full" replaces it.
RULESETS_BY_CHOICE = {
    "free": (FREE_MANAGED_RULESET,),
    "full": (CLOUDFLARE_MANAGED_RULESET, OWASP_CORE_RULESET),
}
RULESET_NAMES = {
    FREE_MANAGED_RULESET: "Cloudflare Free Managed Ruleset",
    CLOUDFLARE_MANAGED_RULESET: "Cloudflare Managed Ruleset",
    OWASP_CORE_RULESET: "Cloudflare OWASP Core Ruleset",
}
