"""Backend releases under mocks: a checked candidate before each web service's deploy, the Deploy's watch and
checks, and the shutdown delay of web services and workers (procurement:release, backend.shutdownDelaySeconds)."""
import pytest

from stack_cases import config_of
from tests.components.platform_mocks import run_stack

R = "pulumi-python:dynamic/render:"


@pytest.fixture(scope="module", params=["local", "staging", "production"])
def run(request):
    return run_stack(request.param)


def expected_checks(stack, service):
    cfg = config_of(stack)
    smoke = [{"path": c.path, "status": c.status} for c in cfg.release.smoke_checks]
    return [{"path": service.health_check_path, "status": 200},
            *(smoke if service.name == cfg.backend.api_service else [])]


def test_only_web_services_get_a_candidate(run):
    backend = config_of(run.stack).backend
    candidates = {r.name for r in run.of_type(R + "ReleaseCandidate")}
    assert candidates == {f"backend-{s.name}-candidate" for s in backend.of_type("web")}
    assert backend.of_type("worker") and backend.of_type("cron")  # the stacks do have other kinds


def test_the_candidate_checks_the_deploys_digest_and_triggers_and_the_deploy_waits_for_it(run):
    for service in config_of(run.stack).backend.of_type("web"):
        candidate = run.one(R + "ReleaseCandidate", f"backend-{service.name}-candidate")
        deploy = run.one(R + "Deploy", f"backend-{service.name}-deploy")
        assert candidate.parent == run.one("procurement:backend:Backend", "backend").urn
        for key in ("service_id", "image_digest", "triggers"):
            assert candidate.inputs[key] == deploy.inputs[key], key
        assert candidate.urn in deploy.depends_on
        # The candidate runs with the service's variables and group, so it waits for them as the deploy does.
        assert run.one(R + "EnvVars", f"backend-{service.name}-env").urn in candidate.depends_on
        assert candidate.inputs["checks"] == deploy.inputs["checks"] == expected_checks(run.stack, service)


def test_one_release_no_deploy_before_every_candidate_passed_and_workers_after_the_web_watch(run):
    backend = config_of(run.stack).backend
    candidates = {c.urn for c in run.of_type(R + "ReleaseCandidate")}
    web_deploys = {run.one(R + "Deploy", f"backend-{s.name}-deploy").urn for s in backend.of_type("web")}
    for service in backend.services:
        waits_for = set(run.one(R + "Deploy", f"backend-{service.name}-deploy").depends_on)
        assert candidates <= waits_for, service.name  # a candidate stopping the image stops every service
        # A web service switched back never leaves a worker or cron job on the image it rejected.
        assert (web_deploys <= waits_for) == (service.type != "web"), service.name


def test_web_deploys_are_watched_and_other_deploys_are_plain(run):
    cfg = config_of(run.stack)
    for service in cfg.backend.services:
        deploy = run.one(R + "Deploy", f"backend-{service.name}-deploy").inputs
        if service.type == "web":
            assert deploy["watch_seconds"] == cfg.release.watch_seconds
        else:
            assert "checks" not in deploy and deploy.get("watch_seconds", 0) == 0


def test_the_api_checks_its_smoke_paths_and_production_watches_at_least_a_minute():
    production = config_of("production")
    api = run_stack("production").one(R + "Deploy", "backend-api-deploy").inputs
    assert len(api["checks"]) > 1 and api["checks"][0] == {"path": "/health", "status": 200}
    assert api["watch_seconds"] >= 60 and production.release.candidate
    assert config_of("local").release.watch_seconds == 5


def test_switching_the_candidate_off_keeps_the_watch_and_drops_the_candidate():
    run = run_stack("staging", overrides={"procurement:release": {"candidate": False, "watchSeconds": 30}})
    assert run.of_type(R + "ReleaseCandidate") == []
    deploy = run.one(R + "Deploy", "backend-api-deploy")
    assert deploy.inputs["watch_seconds"] == 30 and deploy.inputs["checks"][0]["path"] == "/health"


def test_web_services_and_workers_get_the_shutdown_delay_and_cron_jobs_do_not(run):
    backend = config_of(run.stack).backend
    for service in backend.services:
        inputs = run.one(R + "Service", f"backend-{service.name}").inputs
        if service.type in ("web", "worker") and backend.shutdown_delay_seconds is not None:
            assert inputs["max_shutdown_delay_seconds"] == backend.shutdown_delay_seconds
        else:  # cron jobs have none; absent config sends nothing (Render's default, 30 s)
            assert "max_shutdown_delay_seconds" not in inputs
    if run.stack == "production":
        assert backend.shutdown_delay_seconds >= backend.slowest_request_seconds
