"""A review stack's life with the real engine on the sandbox, driven as a user drives it: `bash tools/scripts/local-stack.sh
review up|down|sweep ...` (what `make review-up PR=n` runs: python -m ops.review, base `local`), each test against
its own sandbox process and state directory (tests/tools/engine/local_platform.py).

- open -> push -> close: one create per object, a push is in-place updates only, `down` leaves nothing tagged;
- a `review up` killed mid-create, then its PR closed: the sweeper leaves nothing tagged and no stack;
- TTL: of two open PRs' stacks the sweeper destroys exactly the expired one;
- budget: with the hour's service creates spent, the next `up` queues (exit 75) and creates nothing.

Each test claims its own PR numbers (`prs`): the generated Pulumi.pr-<n>.yaml is written in the checkout. The parent
project (the local stack's database, found by name) is made through the Supabase API: a review stack needs it to
exist, not the rest of the local stack. Budget test: the other PRs' creates are made through the Render API by the
test (four real stacks instead would cost four more engine runs and show nothing more: the tool reads the
window from Render's list, the sandbox answers 429 from its own bucket)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from components import naming
from tools.engine.testing import REPO_ROOT
from ops.review import budget as budgets
from ops.review.apis import render_client, supabase_client
from ops.review.tagged import inventory
from tools.sandbox import render as sandbox_render, supabase as sandbox_supabase
from tools.sandbox.ratelimits import RateLimiter
from tools.sandbox.render.ratelimits import FAMILIES
from tools.sandbox.testing import wait_for
from policies.pack import PACK_NAME
from tests.tools.engine.local_platform import PASSPHRASE, LocalPlatform, checked_platform, held, hold, wait_until

LOCAL = yaml.safe_load((REPO_ROOT / "Pulumi.local.yaml").read_text())["config"]
OWNER = LOCAL["procurement:render"]["ownerId"]
PARENT = naming.physical_name("local", "database", naming.SUPABASE_PROJECT)  # what `--base local` looks up


@pytest.fixture
def platform(tmp_path, pulumi_engine, pulumi_home, monkeypatch):
    with checked_platform(tmp_path, pulumi_home) as platform:
        urls = json.loads((platform.sandbox_dir / "sandbox.ready").read_text())
        # The tool's own clients (ops/review/apis.py) on this sandbox, for the inventory the tests compare.
        for key, value in {"RENDER_API_URL": urls["render"], "RENDER_API_KEY": sandbox_render.DEFAULT_TOKEN,
                           "SUPABASE_API_URL": urls["supabase"],
                           "SUPABASE_ACCESS_TOKEN": sandbox_supabase.DEFAULT_TOKEN}.items():
            monkeypatch.setenv(key, value)
        platform.parent_ref = parent_project()
        yield platform


@pytest.fixture
def prs():
    """Claims the test's PR numbers: their Pulumi.pr-<n>.yaml is written in the checkout (ops/review/workflow.py),
    so a person's own (its salt guards their stack's secrets) is never overwritten, and the test's are removed."""
    claimed = []

    def claim(*numbers: int) -> None:
        for pr in numbers:
            path = REPO_ROOT / f"Pulumi.{naming.review_stack(pr)}.yaml"
            if path.exists():
                pytest.fail(f"{path.name} exists in this checkout (a review stack of yours?) and the test would "
                            f"overwrite it; take that stack down first (make review-down PR={pr})")
            claimed.append(path)

    yield claim
    for path in claimed:
        path.unlink(missing_ok=True)


def parent_project() -> str:
    """The local stack's Supabase project, as `up` on `local` names it, made through the Management API."""
    api = supabase_client()
    database = LOCAL["procurement:database"]
    ref = api.create_project({"name": PARENT, "organization_slug": database["organizationSlug"],
                              "region": database["region"], "db_pass": "parent-password-1234"}).ref
    wait_for(lambda: api.get_project(ref).status == "ACTIVE_HEALTHY", timeout=60)
    return ref


def start(platform: LocalPlatform, *args: str) -> subprocess.Popen:
    """`bash tools/scripts/local-stack.sh review <args>` in a process group of its own (so it can be killed whole)."""
    platform.runs += 1
    path = platform.logs / f"{platform.runs:02d}-review-{'-'.join(args)[:40].replace('/', '_')}.log"
    with open(path, "w") as log:
        proc = subprocess.Popen(["bash", "tools/scripts/local-stack.sh", "review", *args], cwd=REPO_ROOT, env=platform.env,
                                stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    proc.log = path  # type: ignore[attr-defined]
    return proc


def review(platform: LocalPlatform, *args: str, code: int = 0) -> str:
    proc = start(platform, *args)
    proc.wait(timeout=900)
    output = proc.log.read_text()
    assert proc.returncode == code, f"review {' '.join(args)} exited {proc.returncode}, not {code}:\n{output[-6000:]}"
    return output


def pulumi(platform: LocalPlatform, stack: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**platform.env, "PULUMI_BACKEND_URL": f"file://{platform.state_dir}", "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
           "PULUMI_SKIP_UPDATE_CHECK": "true"}
    done = subprocess.run([str(REPO_ROOT / ".engine" / "bin" / "pulumi"), *args, "--stack", stack, "--non-interactive"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert not check or done.returncode == 0, done.stdout + done.stderr
    return done


def stacks(platform: LocalPlatform) -> set[str]:
    env = {**platform.env, "PULUMI_BACKEND_URL": f"file://{platform.state_dir}", "PULUMI_SKIP_UPDATE_CHECK": "true"}
    done = subprocess.run([str(REPO_ROOT / ".engine" / "bin" / "pulumi"), "stack", "ls", "--json", "--non-interactive"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return {entry["name"] for entry in json.loads(done.stdout)}


def sandbox_tagged(platform: LocalPlatform, pr: int) -> dict[str, list[str]]:
    """The sandbox's own lists: every object named with the tag pr-<n> that still exists, by collection."""
    render = {kind: [o.get("name") for o in platform.render(kind).values()]
              for kind in ("services", "env_groups", "projects", "environments")}
    branches = [b["name"] for b in platform.supabase("branches").values() if not b.get("is_default")]
    projects = [p["name"] for p in platform.supabase("projects").values() if p.get("status") != "REMOVED"]
    found = {**render, "branches": branches, "supabase projects": projects}
    return {kind: sorted(n for n in names if naming.review_pr_of(n or "") == pr) for kind, names in found.items()}


def tool_tagged(platform: LocalPlatform, pr: int) -> list[tuple[str, str]]:
    """The same, as the tool sees it (ops/review/tagged.py: one list per collection)."""
    found = inventory(render_client(), OWNER, supabase_client(), platform.parent_ref)
    return [(t.kind, t.name) for t in found.of(pr)]


def assert_gone(platform: LocalPlatform, pr: int) -> None:
    assert tool_tagged(platform, pr) == []
    left = sandbox_tagged(platform, pr)
    assert left == {kind: [] for kind in left}, left
    assert naming.review_stack(pr) not in stacks(platform)


def services_of(platform: LocalPlatform, pr: int) -> list[str]:
    return sorted(s["name"] for s in platform.render("services").values() if naming.review_pr_of(s["name"]) == pr)


def history(platform: LocalPlatform, stack: str) -> list[dict]:
    """`pulumi stack history --json`, oldest update first."""
    updates = json.loads(pulumi(platform, stack, "stack", "history", "--json").stdout)
    return sorted(updates, key=lambda u: u["startTime"])  # the file backend numbers every update 0


def declared_services(pr: int) -> list[str]:
    """The Render services a review stack of the local base declares (ops/review/budget.py reads the same file)."""
    document = yaml.safe_load((REPO_ROOT / f"Pulumi.{naming.review_stack(pr)}.yaml").read_text())
    return sorted(budgets.service_names(document, naming.review_stack(pr)))


# ----------------------------------------------------------------------------- open -> push -> close
def test_open_push_close(platform, prs):
    prs(7)
    pr, stack = 7, naming.review_stack(7)
    output = review(platform, "up", "--pr", "7", "--head-branch", "feature/open")
    assert PACK_NAME in output  # every review up runs the policy pack (review-stack-isolation is mandatory)
    [opened] = history(platform, stack)
    resources = [r for r in json.loads(pulumi(platform, stack, "stack", "export").stdout)["deployment"]["resources"]
                 if not r["type"].startswith("pulumi:providers:")]  # the engine counts no provider as a change
    assert opened["result"] == "succeeded" and opened["resourceChanges"] == {"create": len(resources)}, opened
    assert services_of(platform, pr) == declared_services(pr)  # one of each, nothing twice
    assert {kind: len(names) for kind, names in sandbox_tagged(platform, pr).items()} == {
        "services": len(declared_services(pr)), "env_groups": 1, "projects": 1, "environments": 1, "branches": 1,
        "supabase projects": 1}  # the branch is a project of its own too (tools/sandbox/supabase/branches.py)
    ids = {s["name"]: s["id"] for s in platform.render("services").values() if naming.review_pr_of(s["name"]) == pr}
    site = ids[naming.physical_name(stack, naming.STATIC_SITE, naming.RENDER_SERVICE)]

    # A push: the head branch moved on. The static site follows it, in place; nothing is made or replaced.
    review(platform, "up", "--pr", "7", "--head-branch", "feature/pushed")
    pushed = history(platform, stack)[-1]
    assert pushed["result"] == "succeeded", pushed
    changes = pushed["resourceChanges"]
    assert changes.get("update", 0) >= 1 and not {"create", "replace", "delete", "create-replacement",
                                                   "delete-replaced"} & set(changes), changes
    assert platform.render("services")[site]["branch"] == "feature/pushed"
    assert {s["name"]: s["id"] for s in platform.render("services").values()
            if naming.review_pr_of(s["name"]) == pr} == ids

    output = review(platform, "down", "--pr", "7")
    assert f"{stack}: destroyed and removed" in output, output[-3000:]
    assert "leftover" not in output, output[-3000:]  # the stack owned everything: nothing left for the sweep
    assert not (REPO_ROOT / f"Pulumi.{stack}.yaml").exists()
    assert_gone(platform, pr)


# ----------------------------------------------------------------------------- killed mid-create, then closed
def test_an_up_killed_mid_create_then_closed_is_swept(platform, prs):
    prs(8)
    pr = 8
    # The first service create is carried out and its answer held: the kill comes with Render creates in flight.
    hold(platform.sandbox.render, "POST", "/v1/services", count=1)
    proc = start(platform, "up", "--pr", "8")
    wait_until(lambda: held("POST", r"/v1/services")(platform.sandbox.journal()) or proc.poll() is not None, 300,
               "a service create in flight")
    assert proc.poll() is None, proc.log.read_text()[-3000:]
    os.killpg(proc.pid, signal.SIGKILL)  # the whole `review up`: the tool, the CLI, the program, the providers
    proc.wait(timeout=60)
    platform.assert_no_processes_left()
    platform.sandbox.render.faults.clear()
    assert tool_tagged(platform, pr), "the kill came before anything was made: nothing to sweep"

    output = review(platform, "sweep", "--open", "7,9")  # PR 8 was closed; the others stay open
    assert f"pr-{pr}: sweeping (PR {pr} is not open)" in output, output[-3000:]
    # The held create's service is in no state (its answer never came): deleted before the destroy, or the
    # project holding it could not be (409).
    assert f"pr-{pr}: deleted leftover service" in output.split(f"pr-{pr}: destroyed and removed")[0], output
    assert_gone(platform, pr)


# ----------------------------------------------------------------------------- TTL
def test_the_sweeper_destroys_exactly_the_expired_stack(platform, prs):
    prs(11, 12)
    review(platform, "up", "--pr", "11", "--ttl-hours", "0")  # expires as it is made
    review(platform, "up", "--pr", "12")  # 72 hours
    kept = {kind: sorted(names) for kind, names in sandbox_tagged(platform, 12).items()}
    kept_ids = sorted(s["id"] for s in platform.render("services").values() if naming.review_pr_of(s["name"]) == 12)

    output = review(platform, "sweep", "--open", "11,12")
    assert "pr-11: sweeping (expired at " in output and "pr-12: kept (PR open, expires " in output, output[-3000:]
    assert_gone(platform, 11)
    assert naming.review_stack(12) in stacks(platform)
    assert sandbox_tagged(platform, 12) == kept and kept["services"] == declared_services(12)
    assert sorted(s["id"] for s in platform.render("services").values()
                  if naming.review_pr_of(s["name"]) == 12) == kept_ids
    assert tool_tagged(platform, 12)


# ----------------------------------------------------------------------------- the create budget
def creates_per_hour() -> int:
    """The sandbox's fact: the bucket it charges POST /services to (tools/sandbox/render/ratelimits.py, recorded)."""
    family, _ = RateLimiter(FAMILIES, {}).family_of("POST", "/services")
    assert family.window == budgets.WINDOW.total_seconds() and not family.anchored  # ends at the top of the hour
    return family.limit


def create_service(platform: LocalPlatform, name: str) -> int:
    """POST /services through the sandbox's Render API as another `up` would; its status (no retry on 429)."""
    import urllib.error
    import urllib.request

    url = json.loads((platform.sandbox_dir / "sandbox.ready").read_text())["render"] + "/services"
    body = {"type": "background_worker", "name": name, "ownerId": OWNER,
            "image": {"ownerId": OWNER, "imagePath": "ghcr.io/acme/api:1.0"},
            "serviceDetails": {"runtime": "image", "plan": "starter", "region": "frankfurt"}}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {sandbox_render.DEFAULT_TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_full_hour_queues_the_next_up_which_creates_nothing(platform, prs):
    from ops.review.stack_config import derive

    prs(26)

    assert budgets.CREATE_LIMIT == creates_per_hour()  # the tool's fact and the sandbox's agree
    now = datetime.now(timezone.utc)
    if budgets.window_end(now) - now < timedelta(minutes=2):  # the test needs one window: start in the next one
        wait_until(lambda: budgets.window_start(datetime.now(timezone.utc)) > budgets.window_start(now), 150,
                   "the next hour", interval=1)
        now = datetime.now(timezone.utc)
    # Five other PRs' `up`s in flight: their services (named as each declares them; created as plain workers,
    # which spend the same create) go to Render until it answers 429, as the providers' creates would.
    statuses = []
    for pr in range(21, 26):
        document = derive({"config": LOCAL}, pr, platform.parent_ref)
        for name in sorted(budgets.service_names(document, naming.review_stack(pr))):
            statuses.append(create_service(platform, name))
    assert statuses == [201] * budgets.CREATE_LIMIT + [429] * (len(statuses) - budgets.CREATE_LIMIT), statuses

    writes = [e.seq for e in platform.sandbox.journal() if e.method != "GET"]
    output = review(platform, "up", "--pr", "26", "--max-wait", "0", code=budgets.QUEUED_EXIT)
    needed = len(declared_services(26))
    assert (f"pr-26 queued: needs {needed} service creates, the workspace has 0 of {budgets.CREATE_LIMIT} left "
            f"until {budgets.window_end(now):%H:%M} UTC; it runs then") in output, output[-3000:]
    assert (f"pr-26 still queued: waiting until {budgets.window_end(now):%H:%M} UTC would pass --max-wait 0 s; "
            f"run again then: bash tools/scripts/local-stack.sh review up --pr 26 --max-wait 0\n") in output, output[-3000:]
    left = sandbox_tagged(platform, 26)
    assert left == {kind: [] for kind in left}, left
    assert naming.review_stack(26) not in stacks(platform)
    assert [e.seq for e in platform.sandbox.journal() if e.method != "GET"] == writes  # it only read
