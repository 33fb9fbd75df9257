import sys
from pathlib import Path

# The tests import `engine` and `dynamic_providers` from the repo root, whatever the cwd.
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tools.engine.testing import pulumi_engine, pulumi_env, pulumi_home  # noqa: E402,F401  (fixtures)
