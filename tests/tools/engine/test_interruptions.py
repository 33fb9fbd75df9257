"""Interrupted is normal: the CLI killed at each phase of `up` and `destroy`, then the documented recovery.

Each case runs the documented commands on the `local` stack against its own sandbox, with the real
engine and providers: `bash tools/scripts/local-stack.sh up` (or `destroy`), killed (SIGKILL of the
`pulumi` CLI, or Ctrl-C twice) the moment the sandbox's journal shows the request that starts the
phase; then `bash tools/scripts/local-stack.sh recover` (docs/how-to/recover-an-interrupted-update.md). Each ends
with:
- no process of ours left, after the kill and after the recovery (CLI, language host, program,
  dynamic-provider processes: core/host.py ends the orphans);
- no pending operation in `pulumi stack export`, and the state holds exactly the program's resources;
- one sandbox object per declared resource: services, env group, custom domains by name, the
  Supabase project by name (no duplicate, no orphan), and one deploy per change: each backend
  service has its creation deploy and its Deploy resource's, no second one; the static site's
  variables were deployed after they were last written;
- `preview --expect-no-changes` passes, with and without `--refresh`.

The lost-response cases the provider tests cannot show (the engine's view of a failed update, a
lost create answer inside a real `up`) are at the end.
"""
from __future__ import annotations

import json
import socket
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from tests.tools.engine.local_platform import STACK, LocalPlatform, checked_platform, held, hold

SNAPSHOT = json.loads((Path(__file__).resolve().parents[2] / "components" / "urn_snapshot.json").read_text())
DIGEST = "sha256:d4cf3ab194d0126d8be9968de9eaed39a2d33f7878ca2f7d797e1e027ef574c3"  # Pulumi.local.yaml
BACKEND = ("api", "worker", "approval-reminders", "exchange-rates")
PREFIX = "procurement-local-"


@pytest.fixture
def platform(tmp_path, pulumi_engine, pulumi_home):
    with checked_platform(tmp_path, pulumi_home) as platform:  # `make sandbox`'s script, on ephemeral ports
        yield platform


def backend_service(platform: LocalPlatform):
    """Journal filter: the request is about one of the backend's services (not the static site)."""
    def about_backend(entry) -> bool:
        sid = entry.path.split("/")[3]
        service = platform.render("services").get(sid, {})
        return service.get("type") in ("web_service", "background_worker", "cron_job")
    return about_backend


def interrupted(platform: LocalPlatform, command: str, seen, **how) -> list[tuple[str, str]]:
    """Runs `local-stack.sh <command>`, interrupts it when ``seen``; returns the pending operations left.
    Answers the sandbox was holding back (``hold``) are released once every process of the interrupted run
    has exited: released earlier, a provider still winding down (its engine watch polls every 0.5 s, slower on
    a loaded machine) would act on them, e.g. create what its held lookup did not find."""
    script = platform.start(command)
    platform.interrupt_when(script, command, seen, **how)
    assert script.returncode != 0, platform.last_log()
    platform.assert_no_processes_left()
    for server in (platform.sandbox.render, platform.sandbox.supabase):
        server.faults.clear()
    return platform.pending()


def recover(platform: LocalPlatform, *flags: str) -> str:
    output = platform.run("recover", *flags)
    assert "recover: recovered" in output, output[-3000:]
    platform.assert_no_processes_left()
    return output


def named(urn: str) -> tuple[str, str]:
    """(type, logical name) of a URN (the engine and the mocks spell a top-level parent differently)."""
    kind, name = urn.split("::")[-2:]
    return kind.rsplit("$", 1)[-1], name


def parse_time(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def assert_converged(platform: LocalPlatform, changes: int | tuple[int, int] = 1, previews: bool = True) -> None:
    """``changes``: how many changes each backend service and the site's variables have seen (one per up
    that changed them), so how many deploys each should have beyond its creation deploy (a range
    where the moment of a kill decides it)."""
    fewest, most = changes if isinstance(changes, tuple) else (changes, changes)
    state = platform.export()
    assert not state.get("pending_operations"), state.get("pending_operations")
    recorded = {named(r["urn"]) for r in state["resources"]
                if not r["type"].startswith("pulumi:providers:") and r["type"] != "pulumi:pulumi:Stack"}
    declared = {named(urn) for urn in SNAPSHOT["local"]}
    assert recorded == declared, sorted(recorded ^ declared)

    services = [s for s in platform.render("services").values() if s["name"].startswith(PREFIX)]
    names = sorted(s["name"] for s in services)
    assert names == sorted(PREFIX + n for n in (*BACKEND, "app")), names  # one each: no duplicate, no orphan
    groups = [g["name"] for g in platform.render("env_groups").values()]
    assert groups == [PREFIX + "backend-shared"], groups
    domains = sorted(d["name"] for d in platform.render("custom_domains").values())
    assert domains == ["api.procurement.test", "app.procurement.test"], domains
    projects = [p for p in platform.supabase("projects").values() if p.get("status") != "REMOVED"]
    assert [p["name"] for p in projects] == [PREFIX + "database"], [(p["ref"], p["name"]) for p in projects]

    deploys = platform.render("deploys").values()
    for service in services:
        ours = sorted((d for d in deploys if d["_serviceId"] == service["id"]), key=lambda d: d["createdAt"])
        if service["type"] == "static_site":
            writes = [e.time for e in platform.sandbox.journal()
                      if e.method == "PUT" and e.path.startswith(f"/v1/services/{service['id']}/env-vars")
                      and e.status is not None and e.status < 300]
            assert writes and parse_time(ours[-1]["createdAt"]) >= max(writes) - 1, "site variables never deployed"
            # Its creation build and one per change of its variables; at most one more after an
            # interrupted create of the variables (a deploy has no natural key to recognise it by).
            assert 1 + fewest <= len(ours) <= 2 + most, [d["id"] for d in ours]
        else:
            refs = [d["image"]["ref"] for d in ours]
            # The creation deploy, then one per change from the Deploy resource, all of the pinned digest.
            assert 1 + fewest <= len(ours) <= 1 + most and all(r.endswith("@" + DIGEST) for r in refs), refs

    if previews:
        both_previews(platform, expect_changes=False)
    platform.assert_no_processes_left()


def both_previews(platform: LocalPlatform, expect_changes: bool) -> None:
    """`preview --expect-no-changes`, without and with `--refresh` (run side by side: previews take no lock)."""
    runs = [platform.start("preview", *flags, "--expect-no-changes") for flags in ((), ("--refresh",))]
    for proc in runs:
        proc.wait(timeout=600)
        log = proc.log
        output = log.read_text()
        if expect_changes:
            assert proc.returncode != 0 and "no changes were expected for preview but changes were proposed" in output, \
                f"{log.name} passed although a change is owed:\n{output[-3000:]}"
        else:
            assert proc.returncode == 0, f"{log.name} exited {proc.returncode}:\n{output[-6000:]}"


# ----------------------------------------------------------------------------- kill at each phase
# The sandbox holds back the answer of the request that marks the phase (`hold`): the request is
# carried out, so the operation is certainly in flight when the CLI dies, as in a slow real API.
def test_killed_before_any_create_then_during_destroy(platform):
    # A create's first call is the lookup by name: hold those, and nothing can be written yet.
    hold(platform.sandbox.render, "GET", "/v1/services")
    hold(platform.sandbox.supabase, "GET", "/v1/projects")
    pending = interrupted(platform, "up", held("GET", "/v1/services"))
    assert ("creating", "pulumi-python:dynamic/render:Service") in pending, pending
    assert not [e for e in platform.sandbox.journal() if e.method != "GET"], "something was written already"
    recover(platform)
    assert_converged(platform)

    # The same stack, now complete: `destroy` killed during its first DELETE. Destroy had already
    # forgotten the Deploys (deleting one calls nothing), so the recovery's `up` deploys each backend
    # service that survived once more (a new Deploy resource, not a duplicate of an interrupted one);
    # a service destroy already removed is created again with its first deploy.
    hold(platform.sandbox.render, "DELETE", "*")
    pending = interrupted(platform, "destroy", held("DELETE", r"/v1/.+"))
    assert any(op == "deleting" for op, _ in pending), pending
    recover(platform)
    assert_converged(platform, changes=(1, 2))
    recover(platform, "--destroy")  # the same command finishing an interrupted destroy
    assert not [s for s in platform.render("services").values() if s["name"].startswith(PREFIX)]
    assert not [p for p in platform.supabase("projects").values() if p.get("status") != "REMOVED"]
    left = [r["urn"] for r in platform.export().get("resources") or [] if r["type"] != "pulumi:pulumi:Stack"]
    assert not left, f"resources left in the state after destroy: {left}"


def test_a_kill_mid_write_of_the_checkpoint_is_recovered(platform):
    # What a kill while the CLI writes its checkpoint leaves (the file backend writes in place,
    # no_tmp_dir): the checkpoint's metadata cut short, and the dead update's lock. `pulumi stack select`
    # refuses such a stack, so the recovery must not start with it (it did, and then failed on the lock).
    platform.run("up")
    [attrs] = (platform.state_dir / ".pulumi" / "stacks").rglob(f"{STACK}.json.attrs")
    attrs.write_text(attrs.read_text()[:5])
    dead = subprocess.Popen(["true"])
    dead.wait()
    locks = platform.state_dir / ".pulumi" / "locks" / "organization" / "procurement" / STACK
    locks.mkdir(parents=True, exist_ok=True)
    (locks / "00000000-0000-0000-0000-000000000000.json").write_text(json.dumps(
        {"pid": dead.pid, "username": "root", "hostname": socket.gethostname(),
         "timestamp": "2026-12-06T00:00:00Z"}))
    output = recover(platform)
    assert "removed the unreadable blob metadata" in output and "releasing it" in output, output[-3000:]
    assert not list(locks.iterdir())
    assert_converged(platform, previews=False)


def test_killed_during_the_render_and_supabase_creates(platform):
    hold(platform.sandbox.render, "POST", "/v1/services", count=1)  # the other services go on
    hold(platform.sandbox.supabase, "POST", "/v1/projects")
    both = (lambda entries: held("POST", "/v1/projects")(entries) and held("POST", "/v1/services")(entries))
    pending = interrupted(platform, "up", both)
    assert ("creating", "pulumi-python:dynamic/supabase:Project") in pending, pending
    assert ("creating", "pulumi-python:dynamic/render:Service") in pending, pending
    output = recover(platform)
    adopted = output.split("taking over")[1]
    assert "database-project" in adopted and "backend-" in adopted, output[-3000:]
    assert_converged(platform)


def test_killed_while_deploys_are_in_flight(platform):
    hold(platform.sandbox.render, "POST", "/v1/services/{id}/deploys")
    pending = interrupted(platform, "up", held("POST", r"/v1/services/[^/]+/deploys", backend_service(platform)))
    assert ("creating", "pulumi-python:dynamic/render:Deploy") in pending, pending
    output = recover(platform)
    assert "-deploy@dep-" in output, output[-3000:]  # taken over after the deploys the state knew
    assert_converged(platform)


def test_killed_while_a_release_candidate_runs(platform):
    # The API service's candidate preview is made, and its answer held: the CLI dies with the preview alive.
    # The recovery's `up` makes the candidate again, which deletes that leftover first (assert_converged: no
    # service beyond the declared ones, so no preview left).
    hold(platform.sandbox.render, "POST", "/v1/services/{id}/preview")
    pending = interrupted(platform, "up", held("POST", r"/v1/services/[^/]+/preview"))
    assert ("creating", "pulumi-python:dynamic/render:ReleaseCandidate") in pending, pending
    assert any(s["name"].endswith("-candidate") for s in platform.render("services").values())
    recover(platform)
    assert_converged(platform)


def test_ctrl_c_twice_during_creates(platform):
    # The first Ctrl-C asks the engine to stop after the operations in flight; they hang (held
    # answers), so the user presses it again and the CLI terminates (once the held answers come).
    hold(platform.sandbox.render, "POST", "/v1/services", seconds=5)
    interrupted(platform, "up", held("POST", "/v1/services"), sigint_twice=True)
    # `make up` again, as a user would: one line naming the recovery, nothing started, no traceback.
    again = platform.start("up")
    again.wait(timeout=300)
    output = platform.last_log()
    assert again.returncode != 0 and output.strip().splitlines() == [
        output.strip().splitlines()[-1]], output
    assert "was interrupted (" in output and output.strip().endswith("run: bash tools/scripts/local-stack.sh recover"), output
    assert "Traceback" not in output and "pulumi refresh" not in output, output
    recover(platform)
    assert_converged(platform)


# ------------------------------------------------------------------- lost answers, at engine level
def site_deploys(platform: LocalPlatform) -> list[dict]:
    site = next(s for s in platform.render("services").values() if s["name"] == PREFIX + "app")
    return [d for d in platform.render("deploys").values() if d["_serviceId"] == site["id"]]


def test_lost_answers_inside_a_real_up_converge_and_a_failed_deploy_stays_owed(platform):
    # The 4-of-4 failure: the answer to POST /v1/projects lost (the project is created);
    # and the answer to the first deploy POST lost too. One `up` recovers both, without duplicates.
    platform.sandbox.supabase.add_fault("drop_response", method="POST", path="/v1/projects")
    platform.sandbox.render.add_fault("drop_response", method="POST", path="/v1/services/{id}/deploys")
    platform.run("up")
    lost = {(e.method, e.path.split("/")[2]) for e in platform.sandbox.journal() if e.fault}
    assert lost == {("POST", "projects"), ("POST", "services")}, lost
    assert_converged(platform, previews=False)  # the previews come at the end

    # A change whose deploy fails after the write. Supabase rotates the anon key (as a new JWT secret
    # does); `up --refresh` carries it to the site's build variables, but Render refuses every deploy
    # of the site. The update fails with the variables already written: a refresh now reads them
    # back, yet the deploy they need is still owed, so the drift check must not pass.
    ref = next(iter(platform.supabase("projects")))
    site = next(s for s in platform.render("services").values() if s["name"] == PREFIX + "app")
    before = len(site_deploys(platform))
    platform.sandbox.supabase.edit("api_keys", ref, {"anon.api_key": "eyJrotated.anon.key"})
    platform.sandbox.render.add_fault("error", status=503, method="POST", path=f"/v1/services/{site['id']}/deploys",
                                      count=None)
    failed = platform.run("up", "--refresh", ok=False)
    assert "HTTP 503" in failed, failed[-3000:]
    assert platform.render("env_vars")[site["id"]]["VITE_SUPABASE_ANON_KEY"] == "eyJrotated.anon.key"  # written
    assert len(site_deploys(platform)) == before
    platform.sandbox.render.faults.clear()
    both_previews(platform, expect_changes=True)
    platform.run("up")  # without --refresh: the state still knows the deploy is owed
    assert len(site_deploys(platform)) == before + 1  # made now, exactly once
    assert_converged(platform, changes=2)
