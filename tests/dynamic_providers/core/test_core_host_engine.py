"""With the real CLI and the SDK's provider host: more than 4 provider calls run at once (issue 16).

The host (`python -m pulumi.dynamic`) serves calls on a ThreadPoolExecutor(max_workers=4). A program
of 10 resources whose creates each wait until all 10 are inside `create` together succeeds only if the
host runs 10 calls at once: it does when the provider's configure() widens the pool as ours do
(core/sdk_patches.py); left at the SDK's 4 the creates never meet and `up` fails (the control case).
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tools.engine.testing import pulumi_engine, pulumi_env, pulumi_home, python_project_yaml, run_pulumi  # noqa: F401

CALLS = 10

# A module of its own, importable in the provider process, so the 10 resources share one barrier there.
MEETING = textwrap.dedent("""
    import threading
    from pulumi.dynamic import CreateResult, Resource, ResourceProvider
    from dynamic_providers.core.sdk_patches import widen_server_pool

    CALLS = {calls}
    _barrier = threading.Barrier(CALLS, timeout={timeout})

    class Meeting(ResourceProvider):
        def configure(self, req):
            if {widen}:
                widen_server_pool()

        def create(self, props):
            _barrier.wait()  # BrokenBarrierError unless all CALLS creates run at the same time
            return CreateResult(str(props["n"]), {{}})

    class Attendee(Resource):
        def __init__(self, name, n):
            super().__init__(Meeting(), name, {{"n": n}})
""")

PROGRAM = f"""
from meeting import Attendee
for n in range({CALLS}):
    Attendee(f"attendee-{{n}}", n)
"""


def up(tmp_path: Path, env: dict, *, widen: bool, timeout: float):
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(python_project_yaml("host-concurrency-test"))
    (project / "__main__.py").write_text(PROGRAM)
    (project / "meeting.py").write_text(MEETING.format(calls=CALLS, timeout=timeout, widen=widen))
    env = {**env, "PYTHONPATH": f"{project}:{env['PYTHONPATH']}"}
    run_pulumi(["stack", "init", "test"], cwd=project, env=env)
    # --parallel above CALLS: the engine's default (4 per CPU) would be the bound on a 1-CPU runner.
    return run_pulumi(["up", "--yes", "--skip-preview", "--parallel", "32"], cwd=project, env=env, check=False)


def test_the_widened_host_runs_ten_creates_at_once(tmp_path, pulumi_env):
    done = up(tmp_path, pulumi_env, widen=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"+ {CALLS + 1} created" in done.stdout  # and the stack


@pytest.mark.parametrize("widen", [False])
def test_control_the_sdks_host_alone_runs_four_and_the_creates_never_meet(tmp_path, pulumi_env, widen):
    done = up(tmp_path, pulumi_env, widen=widen, timeout=3)
    assert done.returncode != 0
    assert "BrokenBarrierError" in done.stdout + done.stderr
