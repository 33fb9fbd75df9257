"""The three committed stacks evaluate under mocks, and say what the docs say they say."""
import pytest

from stack_cases import ESC_SECRETS, STACKS, config_of
from components.config import stack_facts
from components.config.keys import RETIRED
from tests.components.platform_mocks import run_stack
from tests.mock_harness import read_stack_config


@pytest.mark.parametrize("stack", STACKS)
def test_stack_evaluates_and_exports_its_config_facts(stack):
    run = run_stack(stack)
    cfg = config_of(stack)
    assert run.error is None
    assert run.outputs["environment"] == stack
    assert run.outputs["enabled_tiers"] == list(cfg.tiers.enabled())
    assert run.outputs["api_hostname"] == cfg.api_hostname
    # The tiers' secrets (tests/components/test_outputs_contract.py has the whole contract).
    assert run.secret_outputs == {"supabase_anon_key", "database_url"}


@pytest.mark.parametrize("stack", STACKS)
def test_preview_and_update_evaluate_alike(stack):
    # Values providers compute are unknown in a preview; the keys and the config facts are not.
    preview, update = run_stack(stack, preview=True), run_stack(stack)
    assert set(preview.outputs) == set(update.outputs)
    for key, value in stack_facts(config_of(stack)).items():
        assert preview.outputs[key] == update.outputs[key] == value


def test_local_needs_no_outside_account_and_targets_the_sandbox():
    cfg = config_of("local")
    assert not (cfg.tiers.images or cfg.tiers.edge or cfg.tiers.source_control)
    assert cfg.apis.render_api_url == "http://127.0.0.1:18081/v1"
    assert cfg.apis.supabase_api_url == "http://127.0.0.1:18082"
    # No token is config, not even the sandbox's: tools/scripts/local-stack.sh exports them.
    local = read_stack_config("local")
    assert not local.secret_keys
    assert cfg.images.kind == "digest"


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_shared_environments_are_larger_protected_and_strict(stack):
    cfg = config_of(stack)
    local = config_of("local")
    assert cfg.backend.scaling.min_instances >= 2
    assert all(s.scaling.min_instances >= 2 for s in cfg.backend.of_type("web"))
    assert cfg.database.deletion_protection and cfg.database.enforce_ssl
    assert cfg.edge.ssl_mode == "strict" and cfg.edge.min_tls_version in ("1.2", "1.3") and cfg.edge.hsts.enabled
    plans = ("starter", "standard", "pro")
    assert plans.index(cfg.backend.plan) > plans.index(local.backend.plan)
    assert cfg.database.instance_size != local.database.instance_size


def test_production_promotes_and_staging_builds():
    assert config_of("production").images.kind == "promote"
    assert config_of("production").images.promote_from_stack.endswith("/procurement/staging")
    assert config_of("staging").images.kind == "build"


@pytest.mark.parametrize("stack", STACKS)
def test_no_stack_file_holds_a_secret_or_a_credential_key(stack):
    # Credentials come from the environment (ESC) at call time; the config, which the engine stores
    # in the state, has no key for them and the committed files no secure: value.
    config = read_stack_config(stack)
    assert not config.secret_keys
    assert not {f"procurement:{name}" for name in RETIRED} & set(config.values)


def test_every_web_service_has_a_health_check_and_cron_jobs_a_schedule():
    for stack in STACKS:
        backend = config_of(stack).backend
        assert all(s.health_check_path.startswith("/") for s in backend.of_type("web"))
        assert all(s.schedule and s.command for s in backend.of_type("cron"))
        assert backend.service(backend.api_service).type == "web"


def test_local_stack_matches_what_the_sandbox_serves_by_default():
    # `make up` starts `python -m tools.sandbox` with its defaults; the local stack must point at them.
    from tools.sandbox.render.owners import SANDBOX_OWNER
    from tools.sandbox.runner import DEFAULT_RENDER_PORT, DEFAULT_SUPABASE_PORT, RENDER_TOKEN, SUPABASE_TOKEN
    from tools.sandbox.supabase.projects import SANDBOX_ORG

    cfg = config_of("local")
    assert cfg.apis.render_api_url == f"http://127.0.0.1:{DEFAULT_RENDER_PORT}/v1"
    assert cfg.apis.supabase_api_url == f"http://127.0.0.1:{DEFAULT_SUPABASE_PORT}"
    assert cfg.render.owner_id == SANDBOX_OWNER["id"]
    assert cfg.database.organization_slug == SANDBOX_ORG["slug"]
    assert (RENDER_TOKEN, SUPABASE_TOKEN) == ("rnd_sandbox_local_token", "sbp_sandbox_local_token")
