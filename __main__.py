"""The procurement platform: one stack per environment (local, staging, production).

Kept thin on purpose: read and validate the whole stack config first (a bad stack fails here with
one message listing every problem, before any resource exists), then build every tier the config
switches on, then export the stack-outputs contract (components/outputs.py, docs/reference/stack-outputs.md).
"""
from dynamic_providers.core.sdk_patches import check_sdk_version
check_sdk_version()  # before anything else: the providers patch internals of one SDK release only

from components.config import load_config
from components.outputs import export_outputs, stack_outputs
from components.platform import build_platform

config = load_config()
platform = build_platform(config)
export_outputs(stack_outputs(platform))
