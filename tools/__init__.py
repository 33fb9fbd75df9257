"""The tooling around the program: the sandbox (tools/sandbox/), the engine build and language host (tools/engine/) and the
shell entry points (tools/scripts/). Nothing here is imported by the program itself."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent  # the Pulumi project (Pulumi.yaml)
