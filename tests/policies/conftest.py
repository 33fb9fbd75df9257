"""The real-CLI fixtures (tools/engine/testing.py) for the policy pack tests that run `pulumi` itself."""
import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tools.engine.testing import pulumi_engine, pulumi_env, pulumi_home  # noqa: E402,F401  (fixtures)
