"""A bad stack fails with ONE ConfigError naming every offending key, and declares nothing.

Each case starts from a committed stack file, breaks it the way people do, runs the real program
under mocks, and checks the exact set of keys the error names: a missing key is a miss, an extra
key is noise.
"""
import copy
import re

import pytest
import yaml

from components.config import ConfigError
from stack_cases import ESC_SECRETS
from tests.mock_harness import PROJECT_ROOT, Secret, run_program

DELETE = object()


def _stack_value(stack, key):
    doc = yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return copy.deepcopy(doc.get(key, {}))


def _set_path(obj, path, value):
    """Set (or, with DELETE, remove) the field at `path`, e.g. `services[1].plan`, inside `obj`."""
    steps = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    for step in steps[:-1]:
        obj = obj[int(step[1:-1])] if step.startswith("[") else obj.setdefault(step, {})
    last = int(steps[-1][1:-1]) if steps[-1].startswith("[") else steps[-1]
    if value is DELETE:
        del obj[last]
    else:
        obj[last] = value


def edits(stack, key, *changes):
    """Override for `key`: the committed stack's object value with each (path, value) applied."""
    obj = _stack_value(stack, key)
    for path, value in changes:
        _set_path(obj, path, value)
    return {key: obj}


def edit(stack, key, path, value):
    return edits(stack, key, (path, value))


P = "procurement:"
CASES = [
    # (id, stack, overrides, removed keys, keys the error must name)
    ("unknown-render-region", "production", edit("production", P + "render", "region", "eu-west"), (),
     {P + "render.region"}),
    ("unknown-render-plan", "staging", edit("staging", P + "backend", "plan", "enterprise"), (),
     {P + "backend.plan"}),
    ("worker-on-free-plan", "staging", edit("staging", P + "backend", "services[1].plan", "free"), (),
     {P + "backend.services[1].plan"}),
    ("unknown-supabase-region", "production", edit("production", P + "database", "region", "europe-1"), (),
     {P + "database.region"}),
    ("unknown-supabase-size", "staging", edit("staging", P + "database", "instanceSize", "tiny"), (),
     {P + "database.instanceSize"}),
    ("malformed-domain", "local", {P + "domain": "Procurement Test"}, (), {P + "domain"}),
    ("malformed-subdomain", "staging", {P + "apiSubdomain": "api_v2"}, (), {P + "apiSubdomain"}),
    ("bad-cidrs", "production",
     edit("production", P + "database", "networkRestrictions", ["10.0.0.1/8", "300.1.2.0/24", "2001:db8::/32"]), (),
     {P + "database.networkRestrictions[0]", P + "database.networkRestrictions[1]"}),
    ("instances-out-of-range", "staging",
     edits("staging", P + "backend", ("minInstances", 0), ("maxInstances", 500)), (),
     {P + "backend.minInstances", P + "backend.maxInstances"}),
    ("max-below-min", "staging", edits("staging", P + "backend", ("minInstances", 4), ("maxInstances", 3)), (),
     {P + "backend.maxInstances"}),
    ("health-check-not-a-path", "local", edit("local", P + "backend", "healthCheckPath", "health"), (),
     {P + "backend.healthCheckPath"}),
    ("production-without-deletion-protection", "production",
     edit("production", P + "database", "deletionProtection", False), (), {P + "database.deletionProtection"}),
    ("production-single-instance", "production",
     edits("production", P + "backend", ("minInstances", 1), ("services[0].minInstances", 1)), (),
     {P + "backend.minInstances", P + "backend.services[0].minInstances"}),
    ("plaintext-secret", "production", {P + "renderApiKey": "rnd_plaintext_key"}, (), {P + "renderApiKey"}),
    ("typo-in-structured-value", "staging", edit("staging", P + "backend", "minInstance", 2), (),
     {P + "backend.minInstance"}),
    ("unknown-top-level-key", "local", {P + "domian": "procurement.test"}, (), {P + "domian"}),
    ("missing-required-key", "local", {}, (P + "environment",), {P + "environment"}),
    ("unknown-environment", "production", {P + "environment": "prod"}, (), {P + "environment"}),
    ("impossible-cron-schedule", "local", edit("local", P + "backend", "services[2].schedule", "0 25 * * *"), (),
     {P + "backend.services[2].schedule"}),
    ("schedule-on-a-web-service", "local", edit("local", P + "backend", "services[0].schedule", "0 * * * *"), (),
     {P + "backend.services[0].schedule"}),
    ("cron-without-command", "staging", edit("staging", P + "backend", "services[3].command", DELETE), (),
     {P + "backend.services[3].command"}),
    ("role-for-unknown-service", "local", edit("local", P + "database", "roles[0].service", "billing"), (),
     {P + "database.roles[0].service"}),
    ("reserved-role-name", "staging", edit("staging", P + "database", "roles[1].name", "service_role"), (),
     {P + "database.roles[1].name"}),
    ("domain-outside-zone", "staging", edit("staging", P + "edge", "zoneName", "acme-purchasing.com"), (),
     {P + "edge.zoneName"}),
    ("production-weak-tls", "production",
     edits("production", P + "edge", ("sslMode", "flexible"), ("minTlsVersion", "1.0"), ("hsts", {"enabled": False})),
     (), {P + "edge.sslMode", P + "edge.minTlsVersion", P + "edge.hsts.enabled"}),
    ("local-needs-outside-accounts", "local",
     {P + "tiers": {"images": False, "backend": True, "frontend": True, "database": True, "edge": True,
                    "sourceControl": True, "observability": False}},
     (), {P + "tiers.edge", P + "tiers.sourceControl", P + "edge.zoneId", P + "edge.zoneName",
          P + "sourceControl.owner", P + "sourceControl.repositories"}),
    ("production-builds-images", "production",
     {**edit("production", P + "tiers", "images", True), **edit("production", P + "images", "context", "../app")}, (),
     {P + "tiers.images"}),
    ("no-image-to-run", "production", {}, (P + "promoteFromStack",), {P + "backendImageDigest"}),
    ("digest-not-pinned-by-sha", "local",
     {P + "backendImageDigest": "ghcr.io/acme-procurement/procurement-system:latest"}, (),
     {P + "backendImageDigest"}),
    ("digest-of-another-image", "local",
     {P + "backendImageDigest": "ghcr.io/acme/other@sha256:" + "a" * 64}, (), {P + "backendImageDigest"}),
    ("registry-token-missing", "staging", {P + "registryPassword": ""}, (), {P + "registryPassword"}),
    ("object-given-as-string", "staging", {P + "backend": "large"}, (), {P + "backend"}),
    ("secure-value-inside-object", "production", {}, (), {P + "database"}),  # built below
    ("wrong-type-inside-object", "staging", edit("staging", P + "backend", "minInstances", "two"), (),
     {P + "backend.minInstances"}),
    ("tier-switch-missing", "local", edit("local", P + "tiers", "observability", DELETE), (),
     {P + "tiers.observability"}),
    ("plain-http-api-outside-local", "production", {P + "supabaseApiUrl": "http://api.supabase.com"}, (),
     {P + "supabaseApiUrl"}),
    ("rate-limit-wait-not-seconds", "staging", {P + "renderMaxRateLimitWaitSeconds": "15m"}, (),
     {P + "renderMaxRateLimitWaitSeconds"}),
    ("api-service-is-a-worker", "staging", edit("staging", P + "backend", "apiService", "worker"), (),
     {P + "backend.apiService"}),
    # Renaming the worker to "api" also orphans the worker's database role: two true problems.
    ("duplicate-service-names", "local", edit("local", P + "backend", "services[1].name", "api"), (),
     {P + "backend.services[1].name", P + "database.roles[1].service"}),
    ("frontend-repo-not-the-frontend-repository", "staging",
     edit("staging", P + "frontend", "repo", "https://github.com/acme-procurement/procurement-system"), (),
     {P + "frontend.repo"}),
    ("health-check-gives-up-before-the-target", "production",
     edit("production", P + "observability", "responseTimeTargetMs", 8000), (),
     {P + "edge.healthCheck.timeoutSeconds"}),
    ("bad-zone-id-and-email", "production",
     edits("production", P + "edge", ("zoneId", "ZONE-1"), ("healthCheck", {"notificationEmail": "oncall"})), (),
     {P + "edge.zoneId", P + "edge.healthCheck.notificationEmail"}),
    ("production-environment-without-reviewers", "production",
     edit("production", P + "sourceControl", "productionReviewers", []), (), {P + "sourceControl.productionReviewers"}),
    ("log-stream-without-token", "production",
     edit("production", P + "observability", "logStreamEndpoint", "logs.example.net:6514"), (),
     {P + "logStreamToken"}),
    ("everything-at-once", "production",
     {P + "domian": "x", P + "renderApiKey": "plain",
      **edit("production", P + "render", "region", "mars"),
      **edits("production", P + "backend", ("minInstances", 1), ("healthCheckPath", "health")),
      **edit("production", P + "database", "deletionProtection", False)}, (P + "domain",),
     {P + "domian", P + "renderApiKey", P + "render.region", P + "backend.minInstances",
      P + "backend.healthCheckPath", P + "database.deletionProtection", P + "domain"}),
    # Path-like values stay inside their directory: Render publishes what the build wrote, not /etc.
    ("publish-path-escapes-the-repository", "local", edit("local", P + "frontend", "publishPath", "../../etc"), (),
     {P + "frontend.publishPath"}),
    ("dockerfile-escapes-the-context", "staging", edit("staging", P + "images", "dockerfile", "../Dockerfile"), (),
     {P + "images.dockerfile"}),
    # A service name that is not a Render name must be reported, not crash the role checks behind it.
    ("invalid-service-name-with-roles", "local", edit("local", P + "backend", "services[1].name", "Background_Worker"),
     (), {P + "backend.services[1].name"}),
    # Roles for services of a tier that is switched off would never be used.
    ("roles-without-a-backend", "local",
     {P + "tiers": {**_stack_value("local", P + "tiers"), "backend": False}}, (),
     {P + "database.roles[0].service", P + "database.roles[1].service", P + "database.roles[2].service",
      P + "database.roles[3].service"}),
]


def _overrides(case_id, stack, overrides):
    result = {**ESC_SECRETS[stack], **overrides}
    if case_id == "secure-value-inside-object":
        # A `secure:` value nested in an object makes the whole key secret; secrets have their own keys.
        database = edit(stack, P + "database", "organizationSlug", "acme-procurement")[P + "database"]
        result[P + "database"] = Secret(database)
    return result


def test_at_least_twenty_distinct_bad_configs():
    assert len({case[0] for case in CASES}) == len(CASES) >= 20


@pytest.mark.parametrize("case_id,stack,overrides,removed,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_config_fails_naming_every_offending_key_and_declares_nothing(case_id, stack, overrides, removed,
                                                                          expected):
    run = run_program(stack, overrides=_overrides(case_id, stack, overrides), remove=removed, allow_error=True)
    assert isinstance(run.error, ConfigError), run.error
    assert set(run.error.keys) == expected, "\n".join(map(str, run.error.problems))
    message = str(run.error)
    assert all(key in message for key in expected)
    assert message.count("\n  - ") == len(run.error.problems)  # one error, one line per problem
    assert run.resources == []
    assert run.outputs == {}


def test_secret_values_never_appear_in_the_error():
    run = run_program("production", overrides={P + "renderApiKey": "rnd_do_not_print_me",
                                               P + "registryPassword": "ghp_do_not_print_me_either"},
                      allow_error=True)
    assert set(run.error.keys) == {P + "renderApiKey", P + "registryPassword"}
    assert "do_not_print" not in str(run.error)
