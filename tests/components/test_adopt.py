"""`procurement:adopt` reaches every resource that can take over an existing object, and a wrong entry
fails the preview naming the key and the entry before anything is declared.

The list of adoptable resources the config layer checks entries against
(components/config/adoptable.py) is held equal, for every committed stack and a few variants, to
what the program really declares whose provider supports adopt.
"""
from __future__ import annotations

import pytest

import pulumi.dynamic

from components.config import ConfigError, adoptable_resources
from stack_cases import ESC_SECRETS, STACKS, config_of
from tests.components.platform_mocks import run_stack
from tests.mock_harness import Secret, run_program

P = "procurement:"
# The token comes from RENDER_LOG_STREAM_TOKEN at call time (docs/explanation/secrets.md): no config key.
LOG_STREAM = {P + "observability": {"logStreamEndpoint": "logs.example.net:6514",
                                    "metricsStreamUrl": "https://otlp.example.net/v1/metrics",
                                    "alerts": {"manageWorkspace": True}}}
# (stack, overrides): the committed stacks, and the optional children switched on.
VARIANTS = [*((s, {}) for s in STACKS), ("staging", LOG_STREAM),
            ("local", {P + "tiers": {"images": False, "backend": True, "frontend": False, "database": False,
                                     "edge": False, "sourceControl": False, "observability": False}})]


@pytest.fixture
def providers(monkeypatch) -> dict[str, type]:
    """Type token -> provider class of every dynamic resource the program builds."""
    seen: dict[str, type] = {}
    real = pulumi.dynamic.Resource.__init__

    def recording(self, provider, name, props, opts=None):
        seen[f"pulumi-python:{self._resource_type_name}"] = type(provider)
        real(self, provider, name, props, opts)

    monkeypatch.setattr(pulumi.dynamic.Resource, "__init__", recording)
    return seen


def adoptable_declared(run, providers) -> dict[str, str]:
    """Name -> type of every declared resource whose provider can adopt."""
    return {r.name: r.type for r in run.resources
            if r.type in providers and getattr(providers[r.type], "supports_adopt", False)}


def inventory(run) -> dict[str, str]:
    return adoptable_of(run_config(run))


def adoptable_of(c) -> dict[str, str]:
    backup = c.backup if c.database is not None and c.render is not None and c.edge is not None else None
    return adoptable_resources(images=c.images, backend=c.backend, frontend=c.frontend, database=c.database,
                               observability=c.observability, backup=backup, render_on=c.render is not None)


def run_config(run):
    from components.config import RawConfig, parse_config
    return parse_config(RawConfig(run.config.values, run.config.secret_keys), project=run.project, stack=run.stack)


@pytest.mark.parametrize("stack,overrides", VARIANTS, ids=lambda v: v if isinstance(v, str) else ",".join(v) or "-")
def test_the_adoptable_list_is_what_the_program_declares(stack, overrides, providers):
    run = run_stack(stack, overrides=overrides)
    declared = adoptable_declared(run, providers)
    assert declared, "nothing adoptable declared"
    assert inventory(run) == declared


@pytest.mark.parametrize("stack", STACKS)
def test_every_entry_sets_adopt_on_exactly_that_resource(stack):
    names = sorted(adoptable_of(config_of(stack)))
    deploy = next(n for n in names if n.endswith("-deploy"))
    entries = [n for n in names if n != deploy] + [f"{deploy}@dep-known1,dep-known2"]
    run = run_stack(stack, overrides={P + "adopt": entries})
    adopted = {r.name: r.inputs for r in run.resources if r.inputs.get("adopt") is True}
    assert sorted(adopted) == names
    assert adopted[deploy]["adopt_after"] == ["dep-known1", "dep-known2"]
    assert all("adopt_after" not in inputs for name, inputs in adopted.items() if name != deploy)
    # Nothing else is touched: the same graph as without the key, apart from those inputs.
    plain = run_stack(stack)
    assert sorted(r.urn for r in run.resources) == sorted(r.urn for r in plain.resources)


def test_a_urn_of_this_stack_is_accepted():
    urn = "urn:pulumi:local::procurement::procurement:backend:Backend$pulumi-python:dynamic/render:Service::backend-api"
    run = run_stack("local", overrides={P + "adopt": [urn]})
    assert [r.name for r in run.resources if r.inputs.get("adopt") is True] == ["backend-api"]


def test_no_entry_no_adopt():
    run = run_stack("local")
    assert not [r.name for r in run.resources if r.inputs.get("adopt")]


BAD = [
    ("unknown-name", ["backend-apii"], {P + "adopt[0]"}, "did you mean 'backend-api'"),
    ("not-adoptable", ["database-api-keys", "backend-api"], {P + "adopt[0]"}, "that can be adopted"),
    ("other-stack-urn", ["urn:pulumi:staging::procurement::procurement:backend:Backend$pulumi-python:dynamic/"
                         "render:Service::backend-api"], {P + "adopt[0]"}, "not of this stack"),
    ("wrong-type-urn", ["urn:pulumi:local::procurement::procurement:backend:Backend$pulumi-python:dynamic/"
                        "render:EnvVars::backend-api"], {P + "adopt[0]"}, "names a pulumi-python:dynamic/render:EnvVars"),
    ("bound-on-a-service", ["backend-api@dep-abc"], {P + "adopt[0]"}, "only a Render deploy"),
    ("bad-deploy-id", ["backend-api-deploy@srv-abc"], {P + "adopt[0]"}, "Render deploy ids"),
    ("duplicate", ["backend-api", "backend-api"], {P + "adopt[1]"}, "duplicate entry"),
    ("not-a-list", "backend-api", {P + "adopt"}, "must be a list"),
    ("tier-off", ["edge-dns-api"], {P + "adopt[0]"}, "not a resource of stack 'local'"),
]


@pytest.mark.parametrize("case_id,value,keys,message", BAD, ids=[b[0] for b in BAD])
def test_a_wrong_entry_fails_naming_the_key_and_the_entry_and_declares_nothing(case_id, value, keys, message):
    run = run_program("local", overrides={**ESC_SECRETS["local"], P + "adopt": value}, allow_error=True)
    assert isinstance(run.error, ConfigError), run.error
    assert set(run.error.keys) == keys, "\n".join(map(str, run.error.problems))
    assert message in str(run.error)
    if isinstance(value, list):
        assert value[0].split("@")[0].rsplit("::", 1)[-1] in str(run.error)  # the entry itself
    assert run.resources == [] and run.outputs == {}


def test_entries_of_a_tier_with_its_own_problems_wait_for_those():
    broken = {P + "database": {"organizationSlug": "sandboxlocalorgslugss", "region": "mars"}}
    run = run_program("local", overrides={**ESC_SECRETS["local"], **broken, P + "adopt": ["database-project"]},
                      allow_error=True)
    assert set(run.error.keys) == {P + "database.region"}
