"""Shared test configuration: the sandbox fixtures (``sandbox``, ``sandbox_postgres``) for every test package."""

import sys
from pathlib import Path

# The project root must win over tests/ on sys.path: tests/tools/sandbox/ would otherwise shadow the `sandbox` package
# when pytest is started as a plain `pytest` rather than `python -m pytest`.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

pytest_plugins = ["tools.sandbox.pytest_plugin"]

# The user-property name under which a test reports a measurement for the run's summary.
MEASURED = "measured"


def pytest_terminal_summary(terminalreporter) -> None:
    """Measurements tests report with ``record_property(MEASURED, text)`` (the restore drill's RTO and
    RPO), printed in every run: pytest shows a passing test's own output nowhere, and under
    pytest-xdist the report (with its properties) is all that reaches this process."""
    for report in terminalreporter.stats.get("passed", []):
        for name, value in getattr(report, "user_properties", ()):
            if name == MEASURED:
                terminalreporter.write_line(f"{report.nodeid}: {value}")


def pytest_collection_modifyitems(items) -> None:
    """Modules with real-engine tests (the `pulumi_engine` fixture: tens of seconds each) run first.

    Under `make test`'s two workers (pytest-xdist hands tests out in this order) the long tests are then
    spread over both workers from the start and the short ones fill the gaps at the end, instead of one
    worker finishing a long engine test alone. Whole modules move, in their own order, so a module-scoped
    fixture is still set up once."""
    heavy = {item.module for item in items if "pulumi_engine" in item.fixturenames}
    items.sort(key=lambda item: item.module not in heavy)  # stable: the order within each part is kept
