"""Frontend tier under mocks: the React app's static site, headers, SPA route, build variables, domain."""
import pytest

from stack_cases import config_of
from tests.components.platform_mocks import ANON_KEY, run_stack

COMPONENT = "procurement:frontend:Frontend"
R = "pulumi-python:dynamic/render:"


@pytest.fixture(scope="module", params=["staging", "production"])
def run(request):
    return run_stack(request.param)


def headers(run):
    site = run.one(R + "Service", "frontend-site")
    assert all(h["path"] == "/*" for h in site.inputs["headers"])
    return {h["name"]: h["value"] for h in site.inputs["headers"]}


def test_children_are_parented_to_the_component_and_named_after_it(run):
    component = run.one(COMPONENT, "frontend")
    assert {c.name for c in run.children_of(component)} == {"frontend-site", "frontend-site-env", "frontend-domain"}
    assert component.parent == run.stack_urn


def test_the_static_site_is_built_from_the_app_repository(run):
    cfg = config_of(run.stack)
    site = run.one(R + "Service", "frontend-site").inputs
    assert site["service_type"] == "static_site"
    assert site["name"] == f"procurement-{run.stack}-app"
    assert site["owner_id"] == cfg.render.owner_id
    assert (site["repo"], site["branch"]) == ("https://github.com/acme-procurement/procurement", "main")
    assert (site["build_command"], site["publish_path"]) == ("npm ci && npm run build", "dist")
    assert site["auto_deploy"] is (run.stack == "staging")  # production changes only through a promotion


def test_security_headers_on_every_path(run):
    found = headers(run)
    assert found["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert found["X-Frame-Options"] == "DENY"
    assert found["X-Content-Type-Options"] == "nosniff"
    assert found["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = dict(part.split(" ", 1) for part in found["Content-Security-Policy"].split("; "))
    assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    supabase = run.outputs["supabase_url"]
    assert csp["connect-src"].split() == ["'self'", run.outputs["api_url"], supabase,
                                          supabase.replace("https://", "wss://")]


def test_client_routes_are_rewritten_to_the_app(run):
    site = run.one(R + "Service", "frontend-site").inputs
    assert site["routes"] == [{"type": "rewrite", "source": "/*", "destination": "/index.html"}]


def test_vite_gets_the_supabase_url_and_anon_key_as_secret_build_variables(run):
    env = run.one(R + "EnvVars", "frontend-site-env")
    assert env.inputs["service_id"] == run.one(R + "Service", "frontend-site").id
    assert env.inputs["variables"] == {"VITE_SUPABASE_URL": run.outputs["supabase_url"],
                                       "VITE_SUPABASE_ANON_KEY": ANON_KEY, "VITE_API_URL": run.outputs["api_url"]}
    assert env.is_secret("variables")


def test_the_app_answers_on_its_custom_domain(run):
    cfg = config_of(run.stack)
    domain = run.one(R + "CustomDomain", "frontend-domain")
    assert domain.inputs == {**domain.inputs, "name": cfg.app_hostname,
                             "service_id": run.one(R + "Service", "frontend-site").id}
    assert run.outputs["frontend_url"] == f"https://{cfg.app_hostname}"
    assert run.outputs["frontend_service_id"] == run.one(R + "Service", "frontend-site").id


def test_without_the_database_and_backend_tiers_the_site_gets_no_such_variables():
    tiers = {"images": False, "backend": False, "frontend": True, "database": False, "edge": False,
             "sourceControl": False, "observability": False}
    run = run_stack("local", overrides={"procurement:tiers": tiers})
    assert run.of_type(R + "EnvVars") == []
    csp = headers(run)["Content-Security-Policy"]
    assert "connect-src 'self';" in csp
