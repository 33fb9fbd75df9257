"""pytest fixtures for tests that talk to the sandbox (loaded by ``tests/conftest.py``).

``sandbox`` (a fresh sandbox per test, failing it on any response that broke the vendor spec), the markers
``sandbox_settings``, ``sandbox_allow_response_violations`` and ``sandbox_rate_limits`` (Render's limits are
enforced as recorded; a test that scales them must give a reason), and ``sandbox_postgres`` (the session's
``PostgresHarness``). Details: tools/sandbox/README.md, "pytest".
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from .postgres import PostgresHarness
from .runner import Sandbox

TEST_DEFAULTS = {"deploy_delay": 0.2, "project_ready_delay": 0.2}
_TOTALS = {"checked": 0, "violations": 0}  # over the whole session, for the terminal summary


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sandbox_allow_response_violations: the test expects the sandbox to "
                                       "produce responses that break the spec")
    config.addinivalue_line("markers", "sandbox_settings(**kw): Sandbox() keyword arguments for this test")
    # The empty-cursor erratum (sandbox.specs) uses allowEmptyValue, which openapi-core flags on every request.
    config.addinivalue_line("filterwarnings", "ignore:Use of allowEmptyValue property is deprecated:DeprecationWarning")
    config.addinivalue_line("markers", "sandbox_rate_limits(time_scale=1, capacity_scale=1, reason=...): scale "
                                       "Render's rate-limit windows/limits for this test, saying why")


def rate_limit_options(node: pytest.Item) -> dict:
    """Sandbox() arguments of a ``sandbox_rate_limits`` marker; a marker without a reason is an error."""
    marker = node.get_closest_marker("sandbox_rate_limits")
    if marker is None:
        return {}
    unknown = set(marker.kwargs) - {"time_scale", "capacity_scale", "reason"}
    if unknown or not str(marker.kwargs.get("reason") or "").strip():
        raise pytest.UsageError(f"{node.nodeid}: sandbox_rate_limits takes time_scale, capacity_scale and a "
                                f"non-empty reason= saying why this test exceeds Render's recorded limits")
    return {"rate_limit_time_scale": float(marker.kwargs.get("time_scale", 1.0)),
            "rate_limit_capacity_scale": float(marker.kwargs.get("capacity_scale", 1.0))}


def _memory_backed_root() -> Path | None:
    """A fresh directory on tmpfs (/dev/shm) for the session's databases, or None where there is none.

    Every Supabase project of a test is a copy of the ~40 MB template (sandbox.postgres): on disk the copy is
    most of a project's start-up; in memory it is a fraction. Where the databases live changes nothing they do
    (the servers already run with fsync=off)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK | os.X_OK)):
        return None
    root = Path(tempfile.mkdtemp(prefix="sandbox-pg-", dir=shm))
    os.chmod(root, 0o755)  # as root the servers run as `postgres`, which must enter it
    return root


@pytest.fixture(scope="session")
def sandbox_postgres() -> Iterator[PostgresHarness]:
    root = _memory_backed_root()
    harness = PostgresHarness(root)
    try:
        yield harness
    finally:
        harness.cleanup()
        if root is not None:  # not the harness's own (it removes only roots it made)
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, sandbox_postgres: PostgresHarness) -> Iterator[Sandbox]:
    marker = request.node.get_closest_marker("sandbox_settings")
    options = {**TEST_DEFAULTS, "postgres": sandbox_postgres, **(marker.kwargs if marker else {})}
    options.update(rate_limit_options(request.node))
    resize_delay = options.pop("resize_delay", 0.2)  # a compute resize's RESIZING time
    sb = Sandbox(**options)
    sb.supabase.settings["resize_delay"] = resize_delay
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()
    entries = sb.journal()
    _TOTALS["checked"] += sum(1 for e in entries if e.response_checked)
    _TOTALS["violations"] += sum(1 for e in entries if e.response_violations)
    if request.node.get_closest_marker("sandbox_allow_response_violations") is None:
        broken = sb.response_violations()
        if broken:
            lines = [f"{e.server} {e.method} {e.path} -> {e.status}: "
                     + "; ".join(f"{v['location']}: {v['message']} ({v['rule']})" for v in e.response_violations)
                     for e in broken]
            pytest.fail("sandbox responses broke the vendor spec (a sandbox bug):\n" + "\n".join(lines))


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Under pytest-xdist each worker counts its own tests: hand the counts to the controller (below).
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["sandbox_totals"] = dict(_TOTALS)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: only called when pytest-xdist runs the session
def pytest_testnodedown(node, error) -> None:
    for key, value in getattr(node, "workeroutput", {}).get("sandbox_totals", {}).items():
        _TOTALS[key] += value


def pytest_terminal_summary(terminalreporter) -> None:
    if _TOTALS["checked"]:
        terminalreporter.write_line(f"sandbox: {_TOTALS['checked']} responses validated against the vendor specs, "
                                    f"{_TOTALS['violations']} with violations")
