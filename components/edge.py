"""Edge tier: Cloudflare in front of the Render services (pulumi-cloudflare 6.23.1).

Every stack declares its own hostnames' CNAMEs; the zone-wide settings and entry-point rulesets (one per phase)
only the stack with `edge.manageZoneSettings`. Checked under mocks only; the `security_header` value shape awaits
a first real preview: components/README.md, "edge.py".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

import pulumi
import pulumi_cloudflare as cloudflare

from components import cloudflare_waf, naming
from components.config import EdgeConfig

AUTOMATIC_TTL = 1  # Cloudflare's "automatic"; proxied records always use it

# Challenge actions end when the visitor passes the challenge; the Rulesets API then requires a
# mitigation timeout of 0 (developers.cloudflare.com/waf/rate-limiting-rules/parameters/).
_CHALLENGE_ACTIONS = ("challenge", "js_challenge", "managed_challenge")


@dataclass(frozen=True, kw_only=True)
class EdgeArgs:
    config: EdgeConfig
    """The stack's `edge` config: zone, TLS/HSTS settings, rate limit, cache rules, ownership flag."""

    stack: str
    """Stack name, for physical names (`procurement-<stack>-…`)."""

    dns_targets: Mapping[str, pulumi.Input[str]]
    """Public hostname -> the Render target it must CNAME to (render:CustomDomain `dns_target`).
    Every hostname must be inside the zone; each gets one proxied record."""

    api_hostname: Optional[str] = None
    """Host of the backend API; the rate-limit rule matches it. None: no rate-limit rule."""

    app_hostname: Optional[str] = None
    """Host of the web app; the static-asset cache rules match it. None: no cache rules."""


class Edge(pulumi.ComponentResource):
    """Cloudflare DNS, zone security settings and rulesets (``procurement:edge:Edge``).

    Children (all parented to the component):
    ``<name>-dns-<label>`` cloudflare:index/dnsRecord:DnsRecord per hostname (label = the hostname
    without the zone, ``apex`` for the zone itself); and only where `config.manage_zone_settings`:
    ``<name>-ssl``, ``<name>-min-tls``, ``<name>-tls13``, ``<name>-always-https``,
    ``<name>-security-level``, ``<name>-hsts`` (cloudflare:index/zoneSetting:ZoneSetting, retained on
    delete), ``<name>-managed-waf``, ``<name>-rate-limit`` and ``<name>-cache-rules``
    (cloudflare:index/ruleset:Ruleset).
    """

    zone_id: str
    """The Cloudflare zone the records live in."""
    record_ids: pulumi.Output[dict]
    """Public hostname -> DNS record id."""
    manages_zone_settings: bool
    """Whether this stack owns the zone-wide settings and rulesets."""
    managed_waf_ruleset_id: Optional[pulumi.Output[str]]
    """Id of the zone's http_request_firewall_managed entry-point ruleset; None where this stack does not own it."""
    rate_limit_ruleset_id: Optional[pulumi.Output[str]]
    """Id of the zone's http_ratelimit entry-point ruleset; None where this stack does not own it."""
    cache_ruleset_id: Optional[pulumi.Output[str]]
    """Id of the zone's http_request_cache_settings entry-point ruleset; None when not owned or no rules."""

    def __init__(self, name: str, args: EdgeArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("procurement:edge:Edge", name, None, opts)
        config = args.config
        for hostname in (*args.dns_targets, args.api_hostname, args.app_hostname):
            if hostname is not None:
                _label(hostname, config.zone_name)  # raises for a hostname outside the zone

        records = {hostname: self._record(name, args, hostname, target)
                   for hostname, target in sorted(args.dns_targets.items())}

        self.zone_id = config.zone_id
        self.record_ids = pulumi.Output.all(**{h: r.id for h, r in records.items()}) if records else \
            pulumi.Output.from_input({})
        self.manages_zone_settings = bool(config.manage_zone_settings)
        self.managed_waf_ruleset_id = None
        self.rate_limit_ruleset_id = None
        self.cache_ruleset_id = None
        if self.manages_zone_settings:
            self._zone_settings(name, config)
            self.managed_waf_ruleset_id = self._managed_waf(name, args).id
            if args.api_hostname is not None:
                self.rate_limit_ruleset_id = self._rate_limit(name, args).id
            if args.app_hostname is not None and config.cache_rules:
                self.cache_ruleset_id = self._cache_rules(name, args).id

        self.register_outputs({
            "zone_id": self.zone_id,
            "record_ids": self.record_ids,
            "manages_zone_settings": self.manages_zone_settings,
            "managed_waf_ruleset_id": self.managed_waf_ruleset_id,
            "rate_limit_ruleset_id": self.rate_limit_ruleset_id,
            "cache_ruleset_id": self.cache_ruleset_id,
        })

    def _record(self, name: str, args: EdgeArgs, hostname: str, target: pulumi.Input[str]) -> cloudflare.DnsRecord:
        return cloudflare.DnsRecord(
            f"{name}-dns-{_label(hostname, args.config.zone_name)}",
            zone_id=args.config.zone_id,
            name=hostname,
            type="CNAME",
            content=target,
            proxied=True,  # TLS, HSTS, rate limit and cache rules only apply to proxied traffic
            ttl=AUTOMATIC_TTL,
            comment=f"{naming.physical_name(args.stack, 'edge')}: Render custom domain, managed by Pulumi",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _zone_settings(self, name: str, config: EdgeConfig) -> None:
        hsts = config.hsts
        settings = {
            "ssl": ("ssl", config.ssl_mode),
            "min-tls": ("min_tls_version", config.min_tls_version),
            "tls13": ("tls_1_3", _on_off(config.tls13)),
            "always-https": ("always_use_https", _on_off(config.always_use_https)),
            "security-level": ("security_level", config.security_level),
            # The value is passed through as the API's JSON (a dynamic value in the provider
            # schema), hence the API's snake_case field names.
            "hsts": ("security_header", {"strict_transport_security": {
                "enabled": hsts.enabled,
                "max_age": hsts.max_age_seconds,
                "include_subdomains": hsts.include_subdomains,
                "preload": hsts.preload,
                "nosniff": True,  # X-Content-Type-Options: nosniff on every proxied response
            }}),
        }
        for suffix, (setting_id, value) in settings.items():
            cloudflare.ZoneSetting(
                f"{name}-{suffix}",
                zone_id=config.zone_id,
                setting_id=setting_id,
                value=value,
                # A zone setting cannot be absent, only changed: removing it from the program (or
                # moving ownership to another stack) must leave the live value alone, not reset it.
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )

    def _managed_waf(self, name: str, args: EdgeArgs) -> cloudflare.Ruleset:
        """One `execute` rule per managed ruleset, on every request, with Cloudflare's default rule actions."""
        rulesets = cloudflare_waf.RULESETS_BY_CHOICE[args.config.managed_waf]
        return self._zone_ruleset(
            name, args, "managed-waf", cloudflare_waf.MANAGED_PHASE, "Managed WAF rulesets",
            [cloudflare.RulesetRuleArgs(
                ref=f"procurement_managed_waf_{ruleset_id}",
                description=f"Execute the {cloudflare_waf.RULESET_NAMES[ruleset_id]} on every request",
                expression="true",
                action="execute",
                enabled=True,
                action_parameters=cloudflare.RulesetRuleActionParametersArgs(id=ruleset_id),
            ) for ruleset_id in rulesets],
        )

    def _rate_limit(self, name: str, args: EdgeArgs) -> cloudflare.Ruleset:
        limit = args.config.rate_limit
        challenge = limit.action in _CHALLENGE_ACTIONS
        return self._zone_ruleset(
            name, args, "rate-limit", "http_ratelimit", "Zone rate limiting",
            [cloudflare.RulesetRuleArgs(
                ref="procurement_api_rate_limit",
                description=f"At most {limit.requests} requests per {limit.period_seconds}s per client IP on "
                            f"{args.api_hostname}",
                expression=f'(http.host eq "{args.api_hostname}")',
                action=limit.action,
                enabled=True,
                ratelimit=cloudflare.RulesetRuleRatelimitArgs(
                    characteristics=["cf.colo.id", "ip.src"],  # cf.colo.id is mandatory in the API
                    period=limit.period_seconds,
                    requests_per_period=limit.requests,
                    mitigation_timeout=0 if challenge else limit.mitigation_timeout_seconds,
                ),
            )],
        )

    def _cache_rules(self, name: str, args: EdgeArgs) -> cloudflare.Ruleset:
        rules = []
        for rule in args.config.cache_rules:
            extensions = " ".join(f'"{ext}"' for ext in rule.extensions)
            rules.append(cloudflare.RulesetRuleArgs(
                ref=f"procurement_cache_{rule.name.replace('-', '_')}",
                description=f"{rule.name}: cache {', '.join(rule.extensions)} on {args.app_hostname}",
                expression=f'(http.host eq "{args.app_hostname}" and '
                           f'http.request.uri.path.extension in {{{extensions}}})',
                action="set_cache_settings",
                enabled=True,
                action_parameters=cloudflare.RulesetRuleActionParametersArgs(
                    cache=True,
                    edge_ttl=cloudflare.RulesetRuleActionParametersEdgeTtlArgs(
                        mode="override_origin", default=rule.edge_ttl_seconds),
                    browser_ttl=cloudflare.RulesetRuleActionParametersBrowserTtlArgs(
                        mode="override_origin", default=rule.browser_ttl_seconds),
                ),
            ))
        return self._zone_ruleset(name, args, "cache-rules", "http_request_cache_settings", "Static-asset cache rules",
                                  rules)

    def _zone_ruleset(self, name: str, args: EdgeArgs, suffix: str, phase: str, what: str,
                      rules: list[cloudflare.RulesetRuleArgs]) -> cloudflare.Ruleset:
        """The zone's ruleset of one phase: `suffix` ends both its resource name and its physical name."""
        return cloudflare.Ruleset(
            f"{name}-{suffix}",
            zone_id=args.config.zone_id,
            kind="zone",
            phase=phase,
            name=naming.physical_name(args.stack, suffix),
            description=f"{what} (procurement platform, managed by Pulumi)",
            rules=rules,
            opts=pulumi.ResourceOptions(parent=self),
        )


def _label(hostname: str, zone: str) -> str:
    """`api-staging` for `api-staging.<zone>`, `apex` for the zone itself; refuses other zones."""
    host = hostname.lower().rstrip(".")
    if host == zone:
        return "apex"
    if not host.endswith("." + zone):
        raise ValueError(f"edge: hostname '{hostname}' is not inside the Cloudflare zone '{zone}' (edge.zoneName)")
    return host[: -len(zone) - 1]


def _on_off(flag: bool) -> str:
    return "on" if flag else "off"
