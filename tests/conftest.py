"""Shared test configuration: the sandbox fixtures (``sandbox``, ``sandbox_postgres``) for every test package."""

import sys
from pathlib import Path

# The project root must win over tests/ on sys.path: tests/sandbox/ would otherwise shadow the `sandbox` package
# when pytest is started as a plain `pytest` rather than `python -m pytest`.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

pytest_plugins = ["sandbox.pytest_plugin"]
