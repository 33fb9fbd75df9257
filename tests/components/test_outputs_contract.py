"""The stack-outputs contract: docs/reference/stack-outputs.md, components/outputs.py and what each stack exports agree.

Consumers read these keys through StackReference, so a key that disappears or changes secrecy
breaks them. PUBLISHED below is what has been promised so far: removing a key from it (or flipping
its secrecy) must be a deliberate edit of this test, made together with a note for consumers in that doc.
"""
import re

import pytest

from components.config import RawConfig, parse_config
from components.outputs import BY_KEY, CONTRACT, expected_keys, export_outputs, docs_table
from stack_cases import ESC_SECRETS, STACKS, config_of, tier_overrides
from tests.components.component_mocks import run_component
from tests.components.platform_mocks import REVIEW_PR, run_review_stack, run_stack
from tests.mock_harness import PROJECT_ROOT, read_stack_config

PUBLISHED = {
    "environment": False, "enabled_tiers": False, "api_hostname": False, "api_url": False, "api_service_id": False,
    "backend_service_ids": False, "backend_image_digest": False, "render_region": False, "app_hostname": False,
    "frontend_url": False, "frontend_service_id": False, "supabase_region": False, "supabase_project_ref": False,
    "supabase_url": False, "supabase_anon_key": True, "database_url": True, "cloudflare_zone_id": False,
}
TYPES = {"string": str, "list of strings": list, "map of strings": dict}
VARIANTS = {  # tier combinations beyond the committed stacks, on the local stack
    "database-off": {"images": False, "backend": True, "frontend": True, "database": False, "edge": False,
                     "sourceControl": False, "observability": False},
    "frontend-only": {"images": False, "backend": False, "frontend": True, "database": False, "edge": False,
                      "sourceControl": False, "observability": False},
    "database-only": {"images": False, "backend": False, "frontend": False, "database": True, "edge": False,
                      "sourceControl": False, "observability": False},
}


def outputs_doc() -> str:
    return (PROJECT_ROOT / "docs" / "reference" / "stack-outputs.md").read_text()


def doc_rows() -> dict[str, tuple[str, bool]]:
    rows = {}
    for line in outputs_doc().splitlines():
        match = re.match(r"^\| `([a-z0-9_]+)` \| ([^|]+) \| (yes|no) \|", line)
        if match:
            rows[match.group(1)] = (match.group(2).strip(), match.group(3) == "yes")
    return rows


def test_published_keys_keep_their_secrecy():
    for key, secret in PUBLISHED.items():
        assert key in BY_KEY, f"published output '{key}' disappeared from components/outputs.py"
        assert BY_KEY[key].secret is secret, f"output '{key}' changed secrecy"


def test_docs_table_is_the_contract():
    assert docs_table() in outputs_doc(), "docs/reference/stack-outputs.md table differs from components/outputs.py"
    assert doc_rows() == {s.key: (s.type, s.secret) for s in CONTRACT}


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_exports_exactly_the_contract_with_its_secrecy(stack):
    _check_exports(run_stack(stack), config_of(stack))


@pytest.mark.parametrize("variant", VARIANTS)
def test_keys_follow_the_tiers(variant):
    overrides = tier_overrides("local", VARIANTS[variant])
    run = run_stack("local", overrides=overrides)
    f = read_stack_config("local", overrides={**ESC_SECRETS["local"], **overrides})
    cfg = parse_config(RawConfig(f.values, f.secret_keys), project=f.project, stack="local")
    assert set(run.outputs) == expected_keys(cfg)
    assert run.secret_outputs == {k for k in run.outputs if BY_KEY[k].secret}


def _check_exports(run, cfg):
    assert set(run.outputs) == expected_keys(cfg)
    assert run.secret_outputs == {k for k in run.outputs if BY_KEY[k].secret}
    for key, value in run.outputs.items():
        kind = TYPES[BY_KEY[key].type]
        assert isinstance(value, kind), (key, value)
        if kind is list or kind is dict:
            assert all(isinstance(v, str) for v in (value.values() if kind is dict else value)), (key, value)


@pytest.mark.parametrize("base", ["local", "staging"])
def test_a_review_stack_exports_exactly_the_contract(base, tmp_path):
    from tests.components.platform_mocks import review_stack_file
    f = read_stack_config(f"pr-{REVIEW_PR}", stack_file=review_stack_file(tmp_path, base))
    cfg = parse_config(RawConfig(f.values, f.secret_keys), project=f.project, stack=f"pr-{REVIEW_PR}")
    run = run_review_stack(base)
    _check_exports(run, cfg)
    assert {"database_branch_ref", "review"} <= set(run.outputs)
    assert not {"api_hostname", "app_hostname", "supabase_project_ref", "supabase_anon_key", "database_url"} \
        & set(run.outputs)  # no custom domain, no project, no key or role URL of the parent


def test_the_stacks_together_export_every_key():
    exported = set().union(*(run_stack(stack).outputs for stack in STACKS), run_review_stack("local").outputs)
    assert exported == set(BY_KEY)


def test_export_refuses_undeclared_keys_and_keeps_secret_keys_secret():
    run = run_component(lambda: export_outputs({"environment": "local", "supabase_anon_key": "plain-anon"}))
    assert run.outputs == {"environment": "local", "supabase_anon_key": "plain-anon"}
    assert run.secret_outputs == {"supabase_anon_key"}
    failed = run_component(lambda: export_outputs({"environment": "local", "db_password": "x"}), allow_error=True)
    assert isinstance(failed.error, ValueError) and "db_password" in str(failed.error)
