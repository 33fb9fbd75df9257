"""Frontend tier: the React app as a Render static site behind `app.<domain>`.

Children (the site with security headers and the SPA rewrite, its build-time variables, the custom domain):
components/README.md, "frontend.py".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
from pulumi import Input, Output, ResourceOptions

from components import naming
from components.config import FrontendConfig, RenderConfig
from dynamic_providers import render

HSTS_MAX_AGE = 31536000  # one year, what HSTS preload lists and scanners expect
SPA_REWRITE = {"type": "rewrite", "source": "/*", "destination": "/index.html"}


@dataclass(frozen=True, kw_only=True)
class FrontendArgs:
    config: FrontendConfig
    """The stack's `frontend` config: repository, branch, build command, publish path, auto-deploy."""

    render: RenderConfig
    """Render workspace (`owner_id`)."""

    stack: str
    """Stack name, for the physical name `procurement-<stack>-app`."""

    app_hostname: Optional[str]
    """Public host of the app (its custom domain); None (a review stack): no custom domain, the site answers on
    its own `*.onrender.com` URL."""

    api_url: Optional[Input[str]] = None
    """Public URL of the backend API; None when the backend tier is off."""

    supabase_url: Optional[Input[str]] = None
    """Supabase API URL; None when the database tier is off."""

    supabase_anon_key: Optional[Input[str]] = None
    """Supabase anon key; None when the database tier is off."""

    environment_id: Optional[Input[str]] = None
    """Render environment the static site belongs to (a review stack's `pr-<n>`); None: none."""


class Frontend(pulumi.ComponentResource):
    """The React app's static site, its build variables and its domain (``procurement:frontend:Frontend``)."""

    site_id: Output[str]
    """Render id of the static site."""
    url: Input[str]
    """`https://<app host>`; without a custom domain the site's own URL."""
    dns_target: Optional[Output[str]]
    """Host name Render tells DNS to CNAME `app.<domain>` to (None without a custom domain)."""

    def __init__(self, name: str, args: FrontendArgs, opts: Optional[ResourceOptions] = None) -> None:
        super().__init__("procurement:frontend:Frontend", name, None, opts)
        cfg = args.config
        child = ResourceOptions(parent=self)
        site = render.Service(
            f"{name}-site", name=naming.physical_name(args.stack, naming.STATIC_SITE, naming.RENDER_SERVICE),
            owner_id=args.render.owner_id, service_type="static_site",
            repo=cfg.repo, branch=cfg.branch, build_command=cfg.build_command, publish_path=cfg.publish_path,
            auto_deploy=cfg.auto_deploy, headers=security_headers(args.api_url, args.supabase_url),
            routes=[SPA_REWRITE],
            **({"environment_id": args.environment_id} if args.environment_id is not None else {}), opts=child)
        variables = build_variables(args)
        if variables:
            render.EnvVars(f"{name}-site-env", service_id=site.id, variables=variables, opts=child)
        self.dns_target = None
        if args.app_hostname is not None:
            domain = render.CustomDomain(f"{name}-domain", service_id=site.id, name=args.app_hostname, opts=child)
            self.dns_target = domain.dns_target

        self.site_id = site.id
        self.url = f"https://{args.app_hostname}" if args.app_hostname is not None else site.url
        self.register_outputs({"site_id": self.site_id, "url": self.url, "dns_target": self.dns_target})


def build_variables(args: FrontendArgs) -> dict[str, Input[str]]:
    """The generated build variables and the config's (plain and secret; validation keeps them apart)."""
    variables: dict[str, Input[str]] = dict(args.config.env.all_variables())
    if args.supabase_url is not None:
        variables["VITE_SUPABASE_URL"] = args.supabase_url
    if args.supabase_anon_key is not None:
        variables["VITE_SUPABASE_ANON_KEY"] = args.supabase_anon_key
    if args.api_url is not None:
        variables["VITE_API_URL"] = args.api_url
    return variables


def security_headers(api_url: Optional[Input[str]], supabase_url: Optional[Input[str]]) -> list[dict[str, Input[str]]]:
    """Headers Render adds to every response of the site (path `/*`)."""
    return [{"path": "/*", "name": header, "value": value} for header, value in (
        ("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}; includeSubDomains"),
        ("Content-Security-Policy", content_security_policy(api_url, supabase_url)),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
    )]


def content_security_policy(api_url: Optional[Input[str]], supabase_url: Optional[Input[str]]) -> Input[str]:
    """Scripts and styles from the site only; the browser talks to the API and Supabase (incl. realtime)."""
    def policy(api: Optional[str], supabase: Optional[str]) -> str:
        connect = ["'self'"]
        if api:
            connect.append(api)
        if supabase:
            connect += [supabase, "wss://" + supabase.split("://", 1)[-1]]
        return "; ".join((
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",  # React inline style attributes
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            f"connect-src {' '.join(connect)}",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ))

    if supabase_url is None and not isinstance(api_url, Output):
        return policy(api_url, None)
    return Output.all(api_url, supabase_url).apply(lambda urls: policy(*urls))
