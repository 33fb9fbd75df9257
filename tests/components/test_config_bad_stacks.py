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
from stack_cases import committed_overrides
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


def bad_field(case_id, stack, key, path, value):
    """A case breaking one field (`path` inside the object `key`) of a committed stack: the error names it alone."""
    return case_id, stack, edit(stack, P + key, path, value), (), {f"{P}{key}.{path}"}


CASES = [
    # (id, stack, overrides, removed keys, keys the error must name)
    bad_field("ca-certificate-missing", "production", "database", "caCertificate", "certs/none.crt"),
    bad_field("ca-certificate-not-pem", "staging", "database", "caCertificate", "Pulumi.yaml"),
    bad_field("ca-certificate-outside-the-project", "staging", "database", "caCertificate", "/etc/ssl/certs/ca.pem"),
    bad_field("unknown-render-region", "production", "render", "region", "eu-west"),
    bad_field("unknown-render-plan", "staging", "backend", "plan", "enterprise"),
    bad_field("worker-on-free-plan", "staging", "backend", "services[1].plan", "free"),
    bad_field("unknown-supabase-region", "production", "database", "region", "europe-1"),
    bad_field("unknown-supabase-size", "staging", "database", "instanceSize", "tiny"),
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
    bad_field("health-check-not-a-path", "local", "backend", "healthCheckPath", "health"),
    bad_field("production-without-deletion-protection", "production", "database", "deletionProtection", False),
    ("production-single-instance", "production",
     edits("production", P + "backend", ("minInstances", 1), ("services[0].minInstances", 1)), (),
     {P + "backend.minInstances", P + "backend.services[0].minInstances"}),
    # Credentials are never config (the engine stores the config in the state), encrypted or not.
    ("credential-in-config", "production", {P + "renderApiKey": Secret("rnd_encrypted_but_stored")}, (),
     {P + "renderApiKey"}),
    bad_field("typo-in-structured-value", "staging", "backend", "minInstance", 2),
    ("unknown-top-level-key", "local", {P + "domian": "procurement.test"}, (), {P + "domian"}),
    ("missing-required-key", "local", {}, (P + "environment",), {P + "environment"}),
    ("unknown-environment", "production", {P + "environment": "prod"}, (), {P + "environment"}),
    bad_field("impossible-cron-schedule", "local", "backend", "services[2].schedule", "0 25 * * *"),
    bad_field("schedule-on-a-web-service", "local", "backend", "services[0].schedule", "0 * * * *"),
    bad_field("cron-without-command", "staging", "backend", "services[3].command", DELETE),
    bad_field("role-for-unknown-service", "local", "database", "roles[0].service", "billing"),
    bad_field("reserved-role-name", "staging", "database", "roles[1].name", "service_role"),
    bad_field("domain-outside-zone", "staging", "edge", "zoneName", "acme-purchasing.com"),
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
    bad_field("private-registry-without-user", "staging", "images", "username", DELETE),
    ("object-given-as-string", "staging", {P + "backend": "large"}, (), {P + "backend"}),
    ("secure-value-inside-object", "production", {}, (), {P + "database"}),  # built below
    bad_field("wrong-type-inside-object", "staging", "backend", "minInstances", "two"),
    bad_field("tier-switch-missing", "local", "tiers", "observability", DELETE),
    ("plain-http-api-outside-local", "production", {P + "supabaseApiUrl": "http://api.supabase.com"}, (),
     {P + "supabaseApiUrl"}),
    ("rate-limit-wait-not-seconds", "staging", {P + "renderMaxRateLimitWaitSeconds": "15m"}, (),
     {P + "renderMaxRateLimitWaitSeconds"}),
    bad_field("api-service-is-a-worker", "staging", "backend", "apiService", "worker"),
    # Renaming the worker to "api" also orphans the worker's database role: two true problems.
    ("duplicate-service-names", "local", edit("local", P + "backend", "services[1].name", "api"), (),
     {P + "backend.services[1].name", P + "database.roles[1].service"}),
    bad_field("frontend-repo-not-the-frontend-repository", "staging", "frontend", "repo",
              "https://github.com/acme-procurement/procurement-system"),
    ("health-check-gives-up-before-the-target", "production",
     edit("production", P + "observability", "responseTimeTargetMs", 8000), (),
     {P + "edge.healthCheck.timeoutSeconds"}),
    ("bad-zone-id-and-email", "production",
     edits("production", P + "edge", ("zoneId", "ZONE-1"), ("healthCheck", {"notificationEmail": "oncall"})), (),
     {P + "edge.zoneId", P + "edge.healthCheck.notificationEmail"}),
    bad_field("production-environment-without-reviewers", "production", "sourceControl", "productionReviewers", []),
    ("log-stream-token-in-config", "production",
     {**edit("production", P + "observability", "logStreamEndpoint", "logs.example.net:6514"),
      P + "logStreamToken": Secret("log-token"), P + "registryPassword": Secret("ghp_token")}, (),
     {P + "logStreamToken", P + "registryPassword"}),
    # Application configuration: names, collisions with generated variables, secrecy, targets.
    ("app-variable-names", "staging",
     {**edits("staging", P + "backend", ("env", {"LOG-LEVEL": "info", "9LIVES": "x", "OK_NAME": "y"}),
              ("services[0].env", {"WEB CONCURRENCY": "2"})),
      **edit("staging", P + "frontend", "env", {"VITE.FLAG": "on"})}, (),
     {P + "backend.env.LOG-LEVEL", P + "backend.env.9LIVES", P + "backend.services[0].env.WEB CONCURRENCY",
      P + "frontend.env.VITE.FLAG"}),
    ("app-variables-shadow-generated-ones", "production",
     {**edits("production", P + "backend", ("env", {"DATABASE_URL": "postgres://x", "SUPABASE_URL": "x"}),
              ("services[0].env", {"PORT": "9000", "RENDER_SERVICE_ID": "x"})),
      **edit("production", P + "frontend", "env", {"VITE_API_URL": "https://elsewhere", "VITE_SUPABASE_KEY": "x"}),
      P + "appSecrets": Secret({"backend": {"env": {"API_URL": "x"}}, "services": {"worker": {"env": {"APP_URL": "x"}}},
                                "frontend": {"env": {"IS_PULL_REQUEST": "x"}}})}, (),
     {P + "backend.env.DATABASE_URL", P + "backend.env.SUPABASE_URL", P + "backend.services[0].env.PORT",
      P + "backend.services[0].env.RENDER_SERVICE_ID", P + "frontend.env.VITE_API_URL",
      P + "frontend.env.VITE_SUPABASE_KEY", P + "appSecrets.backend.env.API_URL",
      P + "appSecrets.services.worker.env.APP_URL", P + "appSecrets.frontend.env.IS_PULL_REQUEST"}),
    ("app-variable-given-twice", "staging",
     {**edits("staging", P + "backend", ("env", {"LOG_LEVEL": "info", "SENTRY_DSN": "x"}),
              ("services[0].env", {"LOG_LEVEL": "debug", "WORKERS": "2"})),
      P + "appSecrets": Secret({"backend": {"files": {"gcp.json": "{}"}},
                                "services": {"api": {"env": {"WORKERS": "3"}, "files": {"gcp.json": "{}"}},
                                             "worker": {"env": {"SENTRY_DSN": "y"}}}})}, (),
     {P + "backend.services[0].env.LOG_LEVEL", P + "appSecrets.services.api.env.WORKERS",
      P + "appSecrets.services.api.files.gcp.json", P + "appSecrets.services.worker.env.SENTRY_DSN"}),
    ("app-secrets-in-plain-text", "staging", {P + "appSecrets": {"backend": {"env": {"STRIPE_KEY": "sk_live"}}}}, (),
     {P + "appSecrets"}),
    ("app-secrets-for-nothing", "local",
     {P + "appSecrets": Secret({"services": {"billing": {"env": {"A": "1"}}}, "backend": {"envs": {}},
                                "frontend": {"env": {"VITE_STRIPE_KEY": "pk"}, "files": {"x": "y"}}})}, (),
     {P + "appSecrets.services.billing", P + "appSecrets.backend.envs", P + "appSecrets.frontend.files",
      P + "appSecrets.frontend.env.VITE_STRIPE_KEY"}),
    ("app-secrets-for-a-tier-that-is-off", "local",
     {**edit("local", P + "tiers", "frontend", False),
      P + "appSecrets": Secret({"frontend": {"env": {"NPM_TOKEN": "x"}}})}, (P + "frontend",),
     {P + "appSecrets.frontend"}),
    ("app-secret-file-names-and-values", "local",
     {P + "appSecrets": Secret({"backend": {"files": {"../etc/passwd": "x", "ok.pem": 3}},
                                "services": {"api": {"env": {"PAGE_SIZE": 50}}}})}, (),
     {P + "appSecrets.backend.files.../etc/passwd", P + "appSecrets.backend.files.ok.pem",
      P + "appSecrets.services.api.env.PAGE_SIZE"}),
    ("everything-at-once", "production",
     {P + "domian": "x", P + "renderApiKey": "plain",
      **edit("production", P + "render", "region", "mars"),
      **edits("production", P + "backend", ("minInstances", 1), ("healthCheckPath", "health")),
      **edit("production", P + "database", "deletionProtection", False)}, (P + "domain",),
     {P + "domian", P + "renderApiKey", P + "render.region", P + "backend.minInstances",
      P + "backend.healthCheckPath", P + "database.deletionProtection", P + "domain"}),
    # Path-like values stay inside their directory: Render publishes what the build wrote, not /etc.
    bad_field("publish-path-escapes-the-repository", "local", "frontend", "publishPath", "../../etc"),
    bad_field("dockerfile-escapes-the-context", "staging", "images", "dockerfile", "../Dockerfile"),
    # A service name that is not a Render name must be reported, not crash the role checks behind it.
    bad_field("invalid-service-name-with-roles", "local", "backend", "services[1].name", "Background_Worker"),
    # Roles for services of a tier that is switched off would never be used.
    ("roles-without-a-backend", "local",
     {P + "tiers": {**_stack_value("local", P + "tiers"), "backend": False}}, (),
     {P + "database.roles[0].service", P + "database.roles[1].service", P + "database.roles[2].service",
      P + "database.roles[3].service"}),
]


def _overrides(case_id, stack, overrides):
    result = {**committed_overrides(stack), **overrides}
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


def test_a_credential_key_says_which_variable_replaces_it():
    run = run_program("staging", overrides={P + "supabaseAccessToken": Secret("sbp_x")}, allow_error=True)
    (problem,) = run.error.problems
    assert problem.key == P + "supabaseAccessToken"
    assert "SUPABASE_ACCESS_TOKEN" in problem.message and "pulumi config rm" in problem.message


def test_app_secret_values_never_appear_in_the_error():
    secrets = {"backend": {"env": {"PORT": "sk_do_not_print_1"}, "files": {"a/b": "pem_do_not_print_2"}},
               "services": {"nope": {"env": {"X": "tok_do_not_print_3"}}},
               "frontend": {"env": {"VITE_KEY": "pk_do_not_print_4", "N": 5}}}
    run = run_program("staging", overrides={P + "appSecrets": Secret(secrets)}, allow_error=True)
    assert len(run.error.problems) == 5, run.error
    assert "do_not_print" not in str(run.error)


def test_a_plain_value_among_encrypted_ones_in_the_stack_file_is_refused(tmp_path):
    # The engine marks the whole key secret as soon as one value is; the stack file tells them apart.
    from components.config import RawConfig, parse_config
    from components.config.loader import plaintext_secret_values
    from tests.mock_harness import read_stack_config

    stack_file = tmp_path / "Pulumi.staging.yaml"
    stack_file.write_text(yaml.safe_dump({"config": {P + "appSecrets": {"services": {"api": {"env": {
        "STRIPE_API_KEY": {"secure": "v1:abc:def"}, "SENTRY_DSN": "https://plain@sentry.example/1"}}}}}}))
    plain = plaintext_secret_values(stack_file)
    assert plain == {P + "appSecrets.services.api.env.SENTRY_DSN"}
    f = read_stack_config("staging", overrides={P + "appSecrets": Secret(
        {"services": {"api": {"env": {"STRIPE_API_KEY": "sk", "SENTRY_DSN": "https://plain@sentry.example/1"}}}})})
    with pytest.raises(ConfigError) as error:
        parse_config(RawConfig(f.values, f.secret_keys, plain), project="procurement", stack="staging")
    assert error.value.keys == (P + "appSecrets.services.api.env.SENTRY_DSN",)
    assert "sentry.example" not in str(error.value)


def test_secret_values_never_appear_in_the_error():
    run = run_program("production", overrides={**committed_overrides("production"),
                                               P + "renderApiKey": "rnd_do_not_print_me",
                                               P + "registryPassword": "ghp_do_not_print_me_either"},
                      allow_error=True)
    assert set(run.error.keys) == {P + "renderApiKey", P + "registryPassword"}
    assert "do_not_print" not in str(run.error)
