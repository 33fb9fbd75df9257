"""The composition: which tiers each stack builds, how they are wired, and the component contract on every child."""
import pytest

from stack_cases import STACKS, config_of, tier_overrides
from tests.components.platform_mocks import run_stack
from tests.mock_harness import Secret

TIER_COMPONENTS = {
    "images": "procurement:images:BackendImage",
    "backend": "procurement:backend:Backend",
    "frontend": "procurement:frontend:Frontend",
    "database": "procurement:database:Database",
    "edge": "procurement:edge:Edge",
    "observability": "procurement:observability:EdgeMonitoring",
    "source_control": "procurement:source_control:SourceControl",
}
BRIDGED = ("cloudflare:", "github:", "docker:", "pulumi:providers:")
R = "pulumi-python:dynamic/render:"
ALL_OFF = {"images": False, "backend": False, "frontend": False, "database": False, "edge": False,
           "sourceControl": False, "observability": False}


def components(run):
    return {r.type for r in run.resources if not r.custom}


@pytest.fixture(scope="module")
def runs():
    return {stack: run_stack(stack) for stack in STACKS}


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_builds_exactly_the_tiers_it_switches_on(runs, stack):
    enabled = set(config_of(stack).tiers.enabled())
    # The backend's image is resolved (pinned/promoted) even where the images tier may not build.
    expected = {TIER_COMPONENTS[t] for t in enabled | ({"images"} if "backend" in enabled else set())}
    assert components(runs[stack]) - {"pulumi:pulumi:StackReference"} == expected


def test_local_declares_nothing_that_needs_an_outside_account(runs):
    local = runs["local"]
    assert not [r.type for r in local.resources if r.type.startswith(BRIDGED)]
    assert local.of_type("pulumi:pulumi:StackReference") == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_child_is_parented_to_a_tier_component_and_named_after_it(runs, stack):
    run = runs[stack]
    tiers = {r.urn: r for r in run.resources if r.type in TIER_COMPONENTS.values()}
    assert all(t.parent == run.stack_urn for t in tiers.values())
    for resource in run.resources:
        if resource.urn in tiers:
            continue
        parent = tiers.get(resource.parent)
        assert parent is not None, f"{resource.name} ({resource.type}) is not a child of a tier component"
        assert resource.name.startswith(parent.name + "-"), (resource.name, parent.name)


@pytest.mark.parametrize("stack", STACKS)
def test_physical_names_carry_project_and_stack(runs, stack):
    run = runs[stack]
    named = run.of_type(R + "Service") + run.of_type(R + "EnvGroup") + run.of_type(R + "RegistryCredential") + \
        run.of_type("pulumi-python:dynamic/supabase:Project")
    assert named and all(r.inputs["name"].startswith(f"procurement-{stack}-") for r in named)
    assert all(len(r.inputs["name"]) <= 63 for r in run.of_type(R + "Service"))


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_edge_points_each_public_host_at_what_render_reports(runs, stack):
    run, cfg = runs[stack], config_of(stack)
    records = {r.inputs["name"]: r.inputs["content"] for r in run.of_type("cloudflare:index/dnsRecord:DnsRecord")}
    api, site = run.one(R + "Service", "backend-api"), run.one(R + "Service", "frontend-site")
    # platform_mocks answers a CustomDomain's dns_target with `<service id>.onrender.com`.
    assert records == {cfg.api_hostname: f"{api.id}.onrender.com", cfg.app_hostname: f"{site.id}.onrender.com"}
    assert run.outputs["cloudflare_zone_id"] == cfg.edge.zone_id


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_health_checks_probe_both_public_hosts(runs, stack):
    run, cfg = runs[stack], config_of(stack)
    checks = {r.name: r.inputs for r in run.of_type("cloudflare:index/healthcheck:Healthcheck")}
    assert checks["observability-api-health"]["address"] == cfg.api_hostname
    assert checks["observability-api-health"]["httpConfig"]["path"] == "/health"
    assert checks["observability-app-health"]["address"] == cfg.app_hostname


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_ci_reads_this_stacks_values_from_its_own_github_environment(runs, stack):
    run = runs[stack]
    secrets = {(r.inputs["repository"], r.inputs["secretName"]): r
               for r in run.of_type("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret")}
    variables = {(r.inputs["repository"], r.inputs["variableName"]): r.inputs
                 for r in run.of_type("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")}
    assert set(secrets) == {("procurement", "VITE_SUPABASE_ANON_KEY")}
    anon = secrets[("procurement", "VITE_SUPABASE_ANON_KEY")]
    assert anon.is_secret("value") and anon.inputs["environment"] == stack
    assert {k: v["value"] for k, v in variables.items()} == {
        ("procurement", "VITE_SUPABASE_URL"): run.outputs["supabase_url"],
        ("procurement", "VITE_API_URL"): run.outputs["api_url"],
        ("procurement", "APP_URL"): run.outputs["frontend_url"],
        ("procurement-system", "API_URL"): run.outputs["api_url"],
    }
    assert all(v["environment"] == stack for v in variables.values())


def test_a_tier_switched_off_is_absent_not_half_built():
    tiers = {**ALL_OFF, "backend": True, "frontend": True}
    run = run_stack("local", overrides={"procurement:tiers": tiers})
    assert components(run) == {TIER_COMPONENTS["images"], TIER_COMPONENTS["backend"], TIER_COMPONENTS["frontend"]}
    assert not [r for r in run.resources if r.type.startswith("pulumi-python:dynamic/supabase:")]
    variables = run.one(R + "EnvVars", "backend-api-env").inputs["variables"]
    assert variables == {"PORT": "8000"}  # no database: no DATABASE_URL, no Supabase key
    group = run.one(R + "EnvGroup", "backend-env-group").inputs["variables"]
    assert "SUPABASE_URL" not in group and "SUPABASE_ANON_KEY" not in group
    assert not {"supabase_url", "supabase_anon_key", "database_url", "supabase_project_ref"} & set(run.outputs)


def test_with_every_tier_off_only_the_config_facts_remain():
    run = run_stack("local", overrides={"procurement:tiers": ALL_OFF})
    assert run.resources == []
    assert run.outputs == {"environment": "local", "enabled_tiers": []}


def test_the_database_alone_gives_no_service_keys_and_no_database_url_output():
    run = run_stack("local", overrides=tier_overrides("local", {**ALL_OFF, "database": True}))
    assert components(run) == {TIER_COMPONENTS["database"]}
    keys = run.one("pulumi-python:dynamic/supabase:ApiKeys").inputs
    assert keys["secret_key_names"] == []
    assert "database_url" not in run.outputs and "supabase_anon_key" in run.outputs


def test_a_log_stream_is_declared_only_where_configured(runs):
    assert all(not run.of_type(R + "LogStream") for run in runs.values())
    observability = {"uptimeTargetPercent": 99.9, "responseTimeTargetMs": 2000,
                     "logStreamEndpoint": "logs.acme-procurement.com:6514"}
    run = run_stack("production", overrides={"procurement:observability": observability,
                                             "procurement:logStreamToken": Secret("log-token-do-not-print")})
    stream = run.one(R + "LogStream", "backend-log-stream")
    assert stream.parent == run.one(TIER_COMPONENTS["backend"]).urn
    assert stream.inputs["endpoint"] == "logs.acme-procurement.com:6514"
    assert stream.inputs["owner_id"] == config_of("production").render.owner_id
    assert stream.inputs["token"] == "log-token-do-not-print" and stream.is_secret("token")
