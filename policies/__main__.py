"""Entry point the engine runs for `--policy-pack policies` (as `python policies/`).

Python puts this directory first on sys.path when it runs it; the rule modules are imported as the
`policies` package instead (from the repository root), so none of them can shadow a standard
library module and tests import exactly the same code.
"""
import sys
from pathlib import Path

_PACK_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _PACK_DIR]
sys.path.insert(0, str(_PACK_DIR.parent))

from pulumi_policy import PolicyPack  # noqa: E402

from policies.enforcement import StackContext, current_facts, install_stack_hook  # noqa: E402
from policies.inputs import keep_secret_markers  # noqa: E402
from policies.pack import PACK_NAME, build_policies  # noqa: E402

keep_secret_markers()
context = StackContext(current_facts())
install_stack_hook(context)
PolicyPack(name=PACK_NAME, policies=build_policies(context), enforcement_level=context.facts.enforcement)
