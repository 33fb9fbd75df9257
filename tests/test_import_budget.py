"""The program imports only what its stack's tiers need (issue 16), counted, not timed.

Each stack's program runs in a fresh interpreter under Pulumi's mocks (tests/mock_harness.py) and
reports which modules it imported beyond the Pulumi SDK and the harness. The bridged SDKs are the
expensive part (pulumi_cloudflare alone: ~780 modules, 2.6 s and ~130 MiB): the `local` stack
switches their tiers off and must not load them. The budget on the program's own modules catches a
new heavy import at module level before it reaches every `pulumi preview`.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tools.engine.testing import REPO_ROOT

BRIDGED_SDKS = ("pulumi_cloudflare", "pulumi_github", "pulumi_docker")
# The local program's own modules beyond the SDK and the harness: 210 when this budget was set
# (components, dynamic_providers, requests, yaml, ...); pulumi_cloudflare alone would add ~780.
LOCAL_MODULE_BUDGET = 260

PROBE = """
import json, sys
sys.path.insert(0, sys.argv[2])
import tests.mock_harness  # the Pulumi SDK and the mocks, loaded before the program
before = set(sys.modules)
from tests.components.platform_mocks import run_stack  # the stack's ESC secrets and the mocks' answers
run = run_stack(sys.argv[1])
after = set(sys.modules)
print(json.dumps({"new": sorted(after - before), "resources": len(run.resources)}))
"""


def imports_of(stack: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, stack, str(REPO_ROOT)], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def sdks_in(modules: list[str]) -> set[str]:
    return {m.split(".")[0] for m in modules if m.split(".")[0] in BRIDGED_SDKS}


def test_the_local_program_imports_no_bridged_sdk_and_stays_within_its_module_budget():
    found = imports_of("local")
    assert found["resources"] > 30  # the whole local platform ran, not an early error
    assert sdks_in(found["new"]) == set()
    # The HTTP stack loads at the first API call (core/transport.py), which a program never makes.
    assert not [m for m in found["new"] if m.split(".")[0] in ("requests", "urllib3")], found["new"]
    assert len(found["new"]) <= LOCAL_MODULE_BUDGET, (
        f"the local program imports {len(found['new'])} modules beyond the SDK (budget {LOCAL_MODULE_BUDGET}); "
        f"import a tier's module only when the tier is on: {found['new']}")


@pytest.mark.parametrize("stack, expected", [
    # staging builds the image and has every bridged tier; production promotes the image (no Docker).
    ("staging", {"pulumi_cloudflare", "pulumi_github", "pulumi_docker"}),
    ("production", {"pulumi_cloudflare", "pulumi_github"}),
])
def test_a_stack_imports_the_sdks_of_exactly_the_tiers_it_builds(stack, expected):
    assert sdks_in(imports_of(stack)["new"]) == expected
