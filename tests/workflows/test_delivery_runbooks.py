"""The docs/how-to/runbooks.md runbooks, run with the real engine on the real program's `local` stack
against the sandbox: rollback by digest, promotion by StackReference, drift detection.

The commands are the ones the workflows run (test_workflow_commands.py holds the two in step),
with the policy pack on. The staging/production stacks cannot be run here (their Cloudflare,
GitHub and Docker provider plugins cannot be installed on this machine); `local` runs the same
images/backend code against the sandbox, so the digest behaviour shown here is the production
behaviour.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools.engine.testing import run_pulumi
from tests.mock_harness import PROJECT_ROOT
from tests.policies.policy_engine import PACK, preview_with_pack
from tests.workflows.workflow_files import WORKFLOWS, load


def run_step(data: dict, cwd: Path, env: dict, tmp_path: Path) -> tuple[subprocess.CompletedProcess, dict]:
    """A workflow step's script as GitHub runs it (`bash -eo pipefail`), with $GITHUB_OUTPUT read back."""
    output = tmp_path / "github-output"
    output.write_text("")
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", data["run"]], cwd=cwd,
                          env={**env, "GITHUB_OUTPUT": str(output)}, capture_output=True, text=True, timeout=300)
    return done, dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)

LOCAL_PASSPHRASE = "procurement-local"  # docs/explanation/secrets.md: guards the local state's secrets
IMAGE = "ghcr.io/acme-procurement/procurement-system"
PREVIOUS = f"{IMAGE}@sha256:{'0123456789abcdef' * 4}"  # the digest a rollback pins
SERVICE = "pulumi-python:dynamic/render:Service"
DEPLOY = "pulumi-python:dynamic/render:Deploy"
CANDIDATE = "pulumi-python:dynamic/render:ReleaseCandidate"


@pytest.fixture
def local_stack(tmp_path: Path, pulumi_env: dict, sandbox) -> tuple[Path, dict]:
    """The real program and Pulumi.local.yaml in a scratch directory, pointed at this test's sandbox."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "Pulumi.local.yaml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    (root / ".venv").symlink_to(sys.prefix)  # Pulumi.yaml names the project venv `.venv`
    # The URLs from the stack's config, the tokens from the environment: what tools/scripts/local-stack.sh does.
    env = {**pulumi_env, "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE,
           "RENDER_API_KEY": sandbox.render.token, "SUPABASE_ACCESS_TOKEN": sandbox.supabase.token}
    for key in ("RENDER_API_URL", "SUPABASE_API_URL"):
        env.pop(key, None)
    run_pulumi(["stack", "init", "local"], cwd=root, env=env)
    stack_config(root, "local", {"procurement:renderApiUrl": sandbox.render.base_url,
                                 "procurement:supabaseApiUrl": sandbox.supabase.base_url,
                                 "procurement:renderTrafficGatewayUrl": sandbox.traffic_gateway_url})
    return root, env


def stack_config(root: Path, stack: str, changes: dict, remove: tuple = (), source: str = "local") -> None:
    """Edit Pulumi.<stack>.yaml (created from Pulumi.<source>.yaml, secure values and salt kept)."""
    doc = yaml.safe_load((root / f"Pulumi.{source}.yaml").read_text())
    for key in remove:
        doc["config"].pop(key, None)
    doc["config"].update(changes)
    (root / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))


def up(root: Path, env: dict, stack: str = "local", *extra: str) -> None:
    run_pulumi(["up", "--yes", "--skip-preview", "--stack", stack, "--policy-pack", str(PACK), *extra], cwd=root,
               env=env)


def changes(root: Path, env: dict, stack: str = "local") -> dict[str, tuple[str, str, tuple]]:
    """name -> (type, ops, changed input keys) of every step of `pulumi preview --json` that is not `same`."""
    out = json.loads(run_pulumi(["preview", "--json", "--stack", stack, "--policy-pack", str(PACK)], cwd=root,
                                env=env).stdout)
    found = {}
    for step in out.get("steps", []):
        if step["op"] == "same":
            continue
        name = step["urn"].rsplit("::", 1)[-1]
        kind = step["urn"].split("::")[-2].rsplit("$", 1)[-1]
        ops = {found[name][1], step["op"]} if name in found else {step["op"]}
        found[name] = (kind, "+".join(sorted(ops)), _changed_inputs(step))
    return found


def _changed_inputs(step: dict) -> tuple:
    """Input keys whose planned value differs from the state's (the preview JSON of dynamic resources
    carries no `diffs`, so compare the two input sets; the pickled provider is not an input)."""
    old = (step.get("oldState") or {}).get("inputs") or {}
    new = (step.get("newState") or {}).get("inputs") or {}
    return tuple(sorted(k for k in set(old) | set(new) if k != "__provider" and old.get(k) != new.get(k)))


def render_writes(sandbox) -> list[tuple[str, str]]:
    return [(e.method, e.operation) for e in sandbox.render.journal.entries() if e.method != "GET"]


def backend_services(root: Path, env: dict) -> dict[str, dict]:
    """Render service records of the backend tier, by logical name, from the stack's state."""
    state = json.loads(run_pulumi(["stack", "export", "--stack", "local"], cwd=root, env=env).stdout)
    return {r["urn"].rsplit("::", 1)[-1]: r for r in state["deployment"]["resources"]
            if r["type"] == SERVICE and "procurement:backend:Backend" in r["urn"]}


def test_rollback_by_digest_changes_only_the_image_with_one_deploy_per_service(local_stack, sandbox):
    root, env = local_stack
    up(root, env)
    services = backend_services(root, env)
    assert services, "the local stack declares no backend service"
    store = sandbox.render.store.data

    # docs/how-to/runbooks.md "Rollback by digest": pin the previous digest in the stack's config, then update.
    run_pulumi(["config", "set", "procurement:backendImageDigest", PREVIOUS, "--stack", "local"], cwd=root, env=env)
    planned = changes(root, env)
    deploys = {name for name, (kind, _, _) in planned.items() if kind == DEPLOY}
    updated = {name for name, (kind, _, _) in planned.items() if kind == SERVICE}
    assert updated == set(services), planned
    assert deploys == {f"{name}-deploy" for name in services}, planned
    # Each web service checks the image it goes back to first (docs/explanation/releases.md).
    candidates = {name for name, (kind, _, _) in planned.items() if kind == CANDIDATE}
    web = {name for name, r in services.items() if r["inputs"].get("service_type") == "web_service"}
    assert web and candidates == {f"{name}-candidate" for name in web}, planned
    assert set(planned) == updated | deploys | candidates, f"a rollback changed more than the image: {planned}"
    # The image, and the service's `revision` (the count of writes only a deploy puts into effect,
    # which the deploy's triggers follow): nothing else of the service.
    for name in updated:
        assert planned[name][1] == "update" and planned[name][2] == ("image_digest", "revision"), planned[name]

    sandbox.render.journal.clear()
    sandbox.supabase.journal.clear()
    up(root, env)
    writes = render_writes(sandbox)
    deploy_posts = [w for w in writes if w == ("POST", "/services/{serviceId}/deploys")]
    assert len(deploy_posts) == len(services), writes  # exactly one Render deploy per backend service
    # ... and the candidate's preview of each web service, made and deleted.
    assert set(writes) == {("PATCH", "/services/{serviceId}"), ("POST", "/services/{serviceId}/deploys"),
                           ("POST", "/services/{serviceId}/preview"), ("DELETE", "/services/{serviceId}")}, writes
    assert writes.count(("POST", "/services/{serviceId}/preview")) == len(candidates), writes
    assert [e for e in sandbox.supabase.journal.entries() if e.method != "GET"] == []  # the database untouched
    pinned = PREVIOUS.split("@", 1)[1]
    for record in backend_services(root, env).values():
        assert store["services"][record["id"]]["imagePath"].endswith("@" + pinned)  # what Render now runs
        assert record["outputs"]["image_digest"] == pinned
        newest = max((d for d in store["deploys"].values() if d["_serviceId"] == record["id"]),
                     key=lambda d: d["createdAt"])
        assert newest["image"]["ref"].endswith("@" + pinned)
    outputs = json.loads(run_pulumi(["stack", "output", "--json", "--stack", "local"], cwd=root, env=env).stdout)
    assert PREVIOUS.split("@", 1)[1] in outputs["backend_image_digest"]
    run_pulumi(["preview", "--expect-no-changes", "--stack", "local"], cwd=root, env=env)


def test_promotion_deploys_the_digest_the_source_stack_exports(local_stack, sandbox):
    root, env = local_stack
    up(root, env)  # the source stack (staging's role): exports backend_image_digest
    source = json.loads(run_pulumi(["stack", "output", "backend_image_digest", "--json", "--stack", "local"],
                                   cwd=root, env=env).stdout)

    # A promoted stack (production's role): no digest of its own, it reads the source's output
    # through a StackReference. Only the tier that consumes the image, to keep the test short.
    tiers = {"images": False, "backend": True, "frontend": False, "database": False, "edge": False,
             "sourceControl": False, "observability": False}
    stack_config(root, "promoted", {"procurement:promoteFromStack": "organization/procurement/local",
                                    "procurement:tiers": tiers,
                                    "procurement:domain": "promoted.procurement.test"},  # its own api host
                 remove=("procurement:backendImageDigest", "procurement:frontend", "procurement:database"))
    run_pulumi(["stack", "init", "promoted"], cwd=root, env=env)
    up(root, env, "promoted")
    promoted = json.loads(run_pulumi(["stack", "output", "backend_image_digest", "--json", "--stack", "promoted"],
                                     cwd=root, env=env).stdout)
    assert promoted == source
    state = json.loads(run_pulumi(["stack", "export", "--stack", "promoted"], cwd=root, env=env).stdout)
    references = [r for r in state["deployment"]["resources"] if r["type"] == "pulumi:pulumi:StackReference"]
    assert [r["inputs"]["name"] for r in references] == ["organization/procurement/local"]
    digests = {r["outputs"]["image_digest"] for r in state["deployment"]["resources"] if r["type"] == SERVICE}
    assert digests == {source.split("@", 1)[-1]}


def promoted_digests(root: Path, env: dict, sandbox) -> set[str]:
    """The digest each backend service of the promoted stack runs, in its state and at Render."""
    state = json.loads(run_pulumi(["stack", "export", "--stack", "promoted"], cwd=root, env=env).stdout)
    services = [r for r in state["deployment"]["resources"] if r["type"] == SERVICE]
    live = {sandbox.render.store.data["services"][r["id"]]["imagePath"].rsplit("@", 1)[-1] for r in services}
    return {r["outputs"]["image_digest"] for r in services} | live


def test_promotion_deploys_the_digest_its_preview_resolved_though_the_source_moved_on(local_stack, sandbox,
                                                                                     tmp_path):
    """promote-production.yml, its shell steps run for real: the preview job resolves the source's
    digest once and pins it; the source deploys a new digest meanwhile (a merge to main during the
    approval); the up job pins the preview job's output and deploys exactly what was previewed."""
    root, env = local_stack
    (root / "tools" / "scripts").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "tools" / "scripts" / "image-digest.sh", root / "tools" / "scripts")
    up(root, env)  # the source stack (staging's role)
    first = json.loads(run_pulumi(["stack", "output", "backend_image_digest", "--json", "--stack", "local"],
                                  cwd=root, env=env).stdout)
    tiers = {"images": False, "backend": True, "frontend": False, "database": False, "edge": False,
             "sourceControl": False, "observability": False}
    stack_config(root, "promoted", {"procurement:promoteFromStack": "organization/procurement/local",
                                    "procurement:tiers": tiers, "procurement:domain": "promoted.procurement.test"},
                 remove=("procurement:backendImageDigest", "procurement:frontend", "procurement:database"))
    run_pulumi(["stack", "init", "promoted"], cwd=root, env=env)

    workflow = load(WORKFLOWS / "promote-production.yml")
    jobs = workflow["jobs"]
    resolve = next(s for s in jobs["preview"]["steps"] if s.get("id") == "digest")
    pin = 'pulumi config set procurement:backendImageDigest "$BACKEND_IMAGE_DIGEST" --stack "$STACK"'
    pin_for_preview = next(s for s in jobs["preview"]["steps"] if s.get("run") == pin)
    pin_for_up = next(s for s in jobs["up"]["steps"] if s.get("run") == pin)

    # preview job: resolve once (no rollback input), pin, preview.
    done, outputs = run_step(resolve, root, {**env, "ROLLBACK_DIGEST": "",
                                             "SOURCE_STACK": "organization/procurement/local"}, tmp_path)
    assert done.returncode == 0, done.stderr
    previewed = outputs["digest"]
    assert previewed == first
    done, _ = run_step(pin_for_preview, root, {**env, "STACK": "promoted", "BACKEND_IMAGE_DIGEST": previewed},
                       tmp_path)
    assert done.returncode == 0, done.stderr
    plan = json.loads(run_pulumi(["preview", "--json", "--stack", "promoted", "--policy-pack", str(PACK)], cwd=root,
                                 env=env).stdout)
    planned = {(s.get("newState") or {}).get("inputs", {}).get("image_digest") for s in plan["steps"]
               if s["urn"].split("::")[-2].endswith("render:Service")}
    assert planned == {previewed.split("@", 1)[1]}

    # Meanwhile the source deploys another image.
    moved_on = f"{IMAGE}@sha256:{'fedcba9876543210' * 4}"
    run_pulumi(["config", "set", "procurement:backendImageDigest", moved_on, "--stack", "local"], cwd=root, env=env)
    up(root, env)
    assert json.loads(run_pulumi(["stack", "output", "backend_image_digest", "--json", "--stack", "local"],
                                 cwd=root, env=env).stdout) == moved_on

    # up job, after approval, in a fresh checkout (the preview job's pin is gone): pin needs.preview.outputs.digest.
    stack_config(root, "promoted", {}, source="promoted", remove=("procurement:backendImageDigest",))
    done, _ = run_step(pin_for_up, root, {**env, "STACK": "promoted", "BACKEND_IMAGE_DIGEST": outputs["digest"]},
                       tmp_path)
    assert done.returncode == 0, done.stderr
    up(root, env, "promoted")
    assert promoted_digests(root, env, sandbox) == {previewed.split("@", 1)[1]}
    state = json.loads(run_pulumi(["stack", "export", "--stack", "promoted"], cwd=root, env=env).stdout)
    assert not [r for r in state["deployment"]["resources"] if r["type"] == "pulumi:pulumi:StackReference"]


def test_drift_check_fails_on_an_out_of_band_change_and_passes_once_undone(local_stack, sandbox):
    root, env = local_stack
    up(root, env)
    drift = ["preview", "--stack", "local", "--refresh", "--expect-no-changes", "--policy-pack", str(PACK)]
    run_pulumi(drift, cwd=root, env=env)  # nothing drifted: the check passes

    api = next(r for name, r in backend_services(root, env).items() if name.endswith("-api"))
    sandbox.render.edit("services", api["id"], {"serviceDetails.healthCheckPath": "/changed-in-the-dashboard"})
    done = run_pulumi(drift, cwd=root, env=env, check=False)
    assert done.returncode != 0, done.stdout
    assert "health_check_path" in done.stdout + done.stderr
    assert "no changes were expected for preview but changes were proposed" in done.stdout + done.stderr

    # Runbook: undo it with an update that refreshes first; the check passes again.
    up(root, env, "local", "--refresh")
    assert sandbox.render.store.data["services"][api["id"]]["serviceDetails"]["healthCheckPath"] == "/health"
    run_pulumi(drift, cwd=root, env=env)


def test_local_stack_passes_the_pack_with_advisories_only(local_stack):
    root, env = local_stack
    up(root, env)  # judged as it goes; `local` is not production, so nothing is mandatory
    run = preview_with_pack(root, env, "local", ["--expect-no-changes"])
    assert run.returncode == 0, run.output
    assert {level for _, level, _ in run.found()} <= {"advisory"}
    # Local runs one instance per service and an unprotected, disposable database on purpose, and has no
    # Cloudflare to probe its public hosts (docs/explanation/architecture.md "Stacks and who owns what"), and its sandbox database takes plain connections
    # from any address (Pulumi.local.yaml: enforceSsl false, no networkRestrictions); everything else holds here.
    assert {policy for policy, _, _ in run.found()} == {"render-web-min-instances", "stateful-resources-protected",
                                                        "public-service-monitored", "supabase-ssl-enforced",
                                                        "supabase-network-restricted"}
    assert {resource for policy, _, resource in run.found() if policy == "public-service-monitored"} == \
        {"backend-api", "frontend-site"}
    assert all("no Cloudflare health check" in v.message and "no Render notification override" not in v.message
               for v in run.violations if v.policy == "public-service-monitored")
    assert {resource for policy, _, resource in run.found() if policy == "stateful-resources-protected"} == \
        {"database-project"}
    assert {"render-web-health-check", "no-plaintext-secrets"} <= run.passed["backend-api"]
    assert all("no-plaintext-secrets" in passed for name, passed in run.passed.items() if name != "")
