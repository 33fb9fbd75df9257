"""Backend tier under mocks: Render services by digest, their variables, deploys, env group and domain."""
import pytest

from components.backend import registry_kind
from stack_cases import ESC_SECRETS, config_of
from tests.components.platform_mocks import (ANON_KEY, BUILT_DIGEST, DIGEST, STAGING_IMAGE, password_of,
                                             run_stack, secret_key_of)

COMPONENT = "procurement:backend:Backend"
R = "pulumi-python:dynamic/render:"
IMAGE = "ghcr.io/acme-procurement/procurement-system"
LOCAL_DIGEST = "sha256:d4cf3ab194d0126d8be9968de9eaed39a2d33f7878ca2f7d797e1e027ef574c3"
DIGESTS = {"local": LOCAL_DIGEST, "staging": BUILT_DIGEST, "production": DIGEST}


@pytest.fixture(scope="module", params=["staging", "production"])
def run(request):
    return run_stack(request.param)


def services(run):
    return {r.name.removeprefix("backend-"): r for r in run.of_type(R + "Service") if r.name.startswith("backend-")}


def test_children_are_parented_to_the_component_and_named_after_it(run):
    component = run.one(COMPONENT, "backend")
    backend = config_of(run.stack).backend
    expected = {"backend-env-group", "backend-env-group-link", "backend-api-domain", "backend-registry"}
    for name in (s.name for s in backend.services):
        expected |= {f"backend-{name}", f"backend-{name}-env", f"backend-{name}-deploy"}
    expected |= {f"backend-{s.name}-candidate" for s in backend.of_type("web")}  # release.candidate is on
    assert {c.name for c in run.children_of(component)} == expected
    assert component.parent == run.stack_urn


def test_each_service_runs_the_image_by_digest_with_its_type_plan_and_command(run):
    cfg = config_of(run.stack)
    found = services(run)
    assert set(found) == {s.name for s in cfg.backend.services}
    credential = run.one(R + "RegistryCredential", "backend-registry")
    for service in cfg.backend.services:
        inputs = found[service.name].inputs
        assert inputs["name"] == f"procurement-{run.stack}-{service.name}"
        assert inputs["service_type"] == {"web": "web_service", "worker": "background_worker",
                                          "cron": "cron_job"}[service.type]
        assert (inputs["owner_id"], inputs["region"]) == (cfg.render.owner_id, "frankfurt")
        assert inputs["image"] == IMAGE and inputs["image_digest"] == DIGESTS[run.stack]
        assert inputs["plan"] == service.plan
        assert inputs["start_command"] == service.command
        assert inputs["registry_credential_id"] == credential.id
        assert inputs["deploy_on_update"] is False  # only the Deploy child deploys
        assert inputs["auto_deploy"] is False  # and Render never does on its own
        if service.type == "cron":
            assert inputs["schedule"] == service.schedule and "num_instances" not in inputs


def test_web_services_have_health_checks_and_at_least_two_instances(run):
    api = services(run)["api"].inputs
    cfg = config_of(run.stack).backend
    assert api["health_check_path"] == "/health"
    scaling = api["autoscaling"]
    assert scaling["min"] >= 2 and scaling["max"] == cfg.scaling.max_instances
    assert scaling["cpu_percent"] == cfg.scaling.target_cpu_percent
    assert "num_instances" not in api  # Render ignores the count while autoscaling
    if run.stack == "production":
        assert scaling["memory_percent"] == 75
        assert services(run)["worker"].inputs["autoscaling"] == {"enabled": True, "min": 2, "max": 4,
                                                                 "cpu_percent": 60, "memory_percent": 75}
    else:
        assert "memory_percent" not in scaling


def test_variables_are_secret_and_each_service_gets_only_its_own_role_and_key(run):
    cfg = config_of(run.stack)
    for service in cfg.backend.services:
        env = run.one(R + "EnvVars", f"backend-{service.name}-env")
        assert env.is_secret("variables")
        assert env.inputs["service_id"] == services(run)[service.name].id
        assert env.inputs["deploy_on_change"] is False
        variables = env.inputs["variables"]
        role = cfg.database.role_for(service.name).name
        assert variables["DATABASE_URL"].startswith(f"postgresql://{role}.")
        assert password_of(f"database-role-{role}-password") in variables["DATABASE_URL"]
        assert variables["SUPABASE_SECRET_KEY"] == secret_key_of("backend_" + service.name.replace("-", "_"))
        assert ("PORT" in variables) == (service.type == "web")
        assert "SUPABASE_SERVICE_ROLE_KEY" not in variables


def test_the_env_group_holds_the_shared_values_and_links_every_service(run):
    cfg = config_of(run.stack)
    group = run.one(R + "EnvGroup", "backend-env-group")
    assert group.inputs["name"] == f"procurement-{run.stack}-backend-shared"
    assert group.is_secret("variables")
    assert group.inputs["variables"] == {
        "ENVIRONMENT": run.stack, "API_URL": f"https://{cfg.api_hostname}", "APP_URL": f"https://{cfg.app_hostname}",
        "SUPABASE_URL": run.outputs["supabase_url"], "SUPABASE_ANON_KEY": ANON_KEY}
    link = run.one(R + "EnvGroupLink", "backend-env-group-link")
    assert link.inputs["env_group_id"] == group.id
    assert sorted(link.inputs["service_ids"]) == sorted(s.id for s in services(run).values())


def test_one_deploy_per_service_after_its_variables_pinned_to_the_digest(run):
    link = run.one(R + "EnvGroupLink", "backend-env-group-link")
    for name, service in services(run).items():
        deploy = run.one(R + "Deploy", f"backend-{name}-deploy")
        assert deploy.inputs["service_id"] == service.id
        assert deploy.inputs["image_digest"] == DIGESTS[run.stack]
        assert set(deploy.inputs["triggers"]) == {"command", "variables"}
        assert deploy.is_secret("triggers")  # fingerprinted from secret values
        assert {run.one(R + "EnvVars", f"backend-{name}-env").urn, link.urn} <= set(deploy.depends_on)


def test_the_api_answers_on_its_custom_domain(run):
    cfg = config_of(run.stack)
    domain = run.one(R + "CustomDomain", "backend-api-domain")
    assert domain.inputs["name"] == cfg.api_hostname
    assert domain.inputs["service_id"] == services(run)["api"].id
    assert run.outputs["api_service_id"] == services(run)["api"].id
    assert run.outputs["backend_service_ids"] == {n: s.id for n, s in services(run).items()}


def test_render_pulls_the_private_image_with_a_token_named_not_given(run):
    credential = run.one(R + "RegistryCredential", "backend-registry")
    assert credential.inputs["registry"] == "GITHUB"
    assert credential.inputs["username"] == "acme-procurement-ci"
    # The token itself is never an input (nor state): the provider reads REGISTRY_PULL_TOKEN at call time.
    assert credential.inputs["auth_token_env"] == "REGISTRY_PULL_TOKEN"
    assert "auth_token" not in credential.inputs


def test_production_runs_what_staging_built():
    run = run_stack("production")
    assert run.outputs["backend_image_digest"] == STAGING_IMAGE
    assert all(s.inputs["image_digest"] == DIGEST for s in services(run).values())


def test_a_new_pinned_digest_changes_only_the_services_image_and_their_deploys():
    # Rollback: production pins the previous digest instead of the one staging verified.
    other = "sha256:" + "c" * 64
    before = run_stack("production", overrides={"procurement:backendImageDigest": STAGING_IMAGE})
    after = run_stack("production", overrides={"procurement:backendImageDigest": f"{IMAGE}@{other}"})
    assert before.urns == after.urns
    changed = {r.name for r in after.resources if r.inputs != before.by_urn(r.urn).inputs}
    backend = config_of("production").backend
    names = [s.name for s in backend.services]
    assert changed == ({f"backend-{n}" for n in names} | {f"backend-{n}-deploy" for n in names}
                       | {f"backend-{s.name}-candidate" for s in backend.of_type("web")})
    for name in names:
        deploy = after.one(R + "Deploy", f"backend-{name}-deploy").inputs
        assert deploy["image_digest"] == other
        assert deploy["triggers"] == before.one(R + "Deploy", f"backend-{name}-deploy").inputs["triggers"]


def test_a_changed_variable_changes_the_deploy_triggers_of_the_services_that_see_it():
    before = run_stack("staging")
    after = run_stack("staging", overrides={"procurement:apiSubdomain": "api-next"})  # API_URL is shared
    for name in ("api", "worker"):
        old = before.one(R + "Deploy", f"backend-{name}-deploy").inputs["triggers"]
        new = after.one(R + "Deploy", f"backend-{name}-deploy").inputs["triggers"]
        assert old["command"] == new["command"] and old["variables"] != new["variables"]


def test_local_pulls_a_public_image_without_credentials():
    run = run_stack("local")
    assert run.of_type(R + "RegistryCredential") == []
    assert "registry_credential_id" not in services(run)["api"].inputs
    assert services(run)["api"].inputs["num_instances"] == 1
    assert services(run)["api"].inputs["image_digest"] == LOCAL_DIGEST


def test_a_registry_render_cannot_pull_from_is_a_clear_error():
    assert registry_kind("ghcr.io") == "GITHUB" and registry_kind("europe-docker.pkg.dev") == "GOOGLE_ARTIFACT"
    assert registry_kind("123.dkr.ecr.eu-central-1.amazonaws.com") == "AWS_ECR"
    with pytest.raises(ValueError, match="images.registry"):
        registry_kind("registry.example.com")
