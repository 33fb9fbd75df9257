"""Credentials with the real engine on the real program (the `local` stack against the sandbox).

- Tokens come from the environment at call time, never from the state: after the vendor rotates
  them (the sandbox accepts only the new ones), refresh, the drift check, up and destroy work with
  the new tokens in the environment, and the old or a missing token fails with one clear line
  naming the variable (no Python traceback).
- No token is in the state, not even encrypted: the API tokens, the registry token Render pulls
  with and the log-stream token (`stack export --show-secrets` and every backend file).
- A rotated registry token is a change of the registry credential alone, and `up` re-sends it.
- A preview needs no vendor credential at all and makes no Render or Supabase call: from an
  existing state and from an empty one, with every vendor token unset.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.tools.engine.local_project import local_project, pulumi

VENDOR_TOKENS = ("RENDER_API_KEY", "SUPABASE_ACCESS_TOKEN", "REGISTRY_PULL_TOKEN", "RENDER_LOG_STREAM_TOKEN")
REGISTRY_TOKEN, ROTATED_REGISTRY_TOKEN = "ghp_registryPullTokenFirst0001", "ghp_registryPullTokenSecond002"
LOG_TOKEN = "logstream-token-9d1c55"
NEW_RENDER_TOKEN, NEW_SUPABASE_TOKEN = "rnd_rotated_by_the_vendor", "sbp_rotated_by_the_vendor"


def with_vendor_bound_tokens(config: dict) -> None:
    """Pulumi.local.yaml with the two vendor-bound tokens in play: a private registry (Render pulls
    with a credential) and the workspace log stream (observability on)."""
    config["procurement:images"] = {**config["procurement:images"], "private": True, "username": "acme-ci"}
    config["procurement:tiers"] = {**config["procurement:tiers"], "observability": True}
    config["procurement:observability"] = {"logStreamEndpoint": "logs.procurement.test:6514"}


@pytest.fixture
def project(tmp_path: Path, pulumi_env: dict, sandbox) -> tuple[Path, dict]:
    # No token in the environment: each command gets the ones it should have (with_tokens below).
    env = {k: v for k, v in pulumi_env.items() if k not in VENDOR_TOKENS and not k.endswith("_API_URL")}
    return local_project(tmp_path, env, sandbox, edit_config=with_vendor_bound_tokens, with_tokens=False)


def with_tokens(env: dict, render: str, supabase: str, registry: str = REGISTRY_TOKEN) -> dict:
    """What the stack's ESC environment (or tools/scripts/local-stack.sh) exports for one run."""
    return {**env, "RENDER_API_KEY": render, "SUPABASE_ACCESS_TOKEN": supabase, "REGISTRY_PULL_TOKEN": registry,
            "RENDER_LOG_STREAM_TOKEN": LOG_TOKEN}


def rotate(sandbox, render: str, supabase: str) -> None:
    """The vendor revokes the old tokens and issues new ones: the sandbox accepts only these now."""
    for server, token in ((sandbox.render, render), (sandbox.supabase, supabase)):
        done = requests.patch(server.origin + "/_sandbox/settings", json={"token": token}, timeout=10,
                              headers=server.control_headers)
        assert done.status_code == 200, done.text


def api_calls(sandbox) -> list[str]:
    return [f"{e.server} {e.method} {e.path}" for e in sandbox.journal()]


def errors_of(done) -> list[str]:
    """The CLI's diagnostics: the lines after `Diagnostics:` (resource errors and the stack's)."""
    text = done.stdout + done.stderr
    return [line.strip() for line in text.split("Diagnostics:", 1)[-1].splitlines() if "error:" in line]


def assert_one_line_errors(done, *expected: str) -> None:
    text = done.stdout + done.stderr
    assert done.returncode != 0, text
    assert "Traceback" not in text and 'File "' not in text, text
    resource_errors = [e for e in errors_of(done) if all(x in e for x in expected)]
    assert resource_errors, text


def state_holds_none_of(root: Path, env: dict, state_dir: Path, values: list[str]) -> None:
    revealed = pulumi(root, env, "stack", "export", "--show-secrets").stdout
    assert "pulumi-python:dynamic/render:RegistryCredential" in revealed and "render:LogStream" in revealed
    for value in values:
        assert value not in revealed, f"{value[:6]}... is in the state (even with secrets revealed)"
    for path in state_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [v for v in values if v.encode() in data], path


def test_tokens_rotate_without_the_state_and_errors_name_the_variable(project, sandbox, tmp_path):
    root, base = project
    first = with_tokens(base, sandbox.render.token, sandbox.supabase.token)
    pulumi(root, first, "up", "--yes", "--skip-preview")
    store = sandbox.render.store.data
    (credential,) = store["registry_credentials"].values()
    assert credential["_authToken"] == REGISTRY_TOKEN
    assert store["log_streams"][sandbox.render.owner_id]["_token"] == LOG_TOKEN
    old_tokens = [sandbox.render.token, sandbox.supabase.token]
    state_holds_none_of(root, base, tmp_path / "pulumi-state", [*old_tokens, REGISTRY_TOKEN, LOG_TOKEN])

    # The vendor rotates both API tokens. The old ones, still in the environment, are refused: one
    # line per resource naming the variable to fix, no traceback, no token.
    rotate(sandbox, NEW_RENDER_TOKEN, NEW_SUPABASE_TOKEN)
    stale = pulumi(root, first, "refresh", "--yes", "--skip-preview", check=False)
    assert_one_line_errors(stale, "HTTP 401", "check RENDER_API_KEY", "environmentVariables.RENDER_API_KEY")
    assert_one_line_errors(stale, "HTTP 401", "check SUPABASE_ACCESS_TOKEN")
    assert not [t for t in old_tokens if t in stale.stdout + stale.stderr]
    # No token at all: the same, saying it is not set.
    missing = pulumi(root, base, "refresh", "--yes", "--skip-preview", check=False)
    assert_one_line_errors(missing, "No Render API token: RENDER_API_KEY is not set")
    assert_one_line_errors(missing, "No Supabase API token: SUPABASE_ACCESS_TOKEN is not set")

    # The new tokens in the environment: refresh, the drift check, up and (below) destroy just work,
    # although the state still remembers nothing but the old config.
    rotated = with_tokens(base, NEW_RENDER_TOKEN, NEW_SUPABASE_TOKEN)
    sandbox.clear_journal()
    pulumi(root, rotated, "refresh", "--yes", "--skip-preview")
    assert api_calls(sandbox)  # it really read Render and Supabase
    pulumi(root, rotated, "preview", "--refresh", "--expect-no-changes")
    pulumi(root, rotated, "up", "--yes", "--skip-preview", "--expect-no-changes")

    # The registry token rotates too: the credential alone changes, `up` re-sends the new token.
    rotated_registry = with_tokens(base, NEW_RENDER_TOKEN, NEW_SUPABASE_TOKEN, ROTATED_REGISTRY_TOKEN)
    plan = json.loads(pulumi(root, rotated_registry, "preview", "--json").stdout)
    changed = {s["urn"].rsplit("::", 1)[-1]: s["op"] for s in plan["steps"] if s["op"] != "same"}
    assert changed == {"backend-registry": "update"}, changed
    pulumi(root, rotated_registry, "up", "--yes", "--skip-preview")
    assert store["registry_credentials"][credential["id"]]["_authToken"] == ROTATED_REGISTRY_TOKEN
    state_holds_none_of(root, base, tmp_path / "pulumi-state",
                        [*old_tokens, NEW_RENDER_TOKEN, NEW_SUPABASE_TOKEN, REGISTRY_TOKEN, ROTATED_REGISTRY_TOKEN,
                         LOG_TOKEN])

    # A preview with no vendor credential at all: no change, and not one call to Render or Supabase.
    sandbox.clear_journal()
    pulumi(root, base, "preview", "--expect-no-changes")
    assert api_calls(sandbox) == []

    pulumi(root, rotated_registry, "destroy", "--yes", "--skip-preview")
    for collection in ("services", "env_groups", "registry_credentials", "custom_domains", "log_streams"):
        assert store[collection] == {}, collection
    assert sandbox.supabase.store.data["projects"] == {}


def test_a_preview_from_an_empty_state_needs_no_vendor_credential(project, sandbox):
    root, base = project
    assert not [k for k in base if k in VENDOR_TOKENS]
    done = pulumi(root, base, "preview")
    created = json.loads(pulumi(root, base, "preview", "--json").stdout)["changeSummary"]["create"]
    assert created > 30 and f"+ {created} to create" in done.stdout, done.stdout
    assert api_calls(sandbox) == []
