"""Typed, validated stack config for the procurement platform.

Use: `cfg = load_config()` once in `__main__.py`, then hand `cfg.<tier>` to each tier component.
A bad stack raises `ConfigError` (a `pulumi.RunError`) listing every problem by its full key,
before any resource is declared. What other packages import from here is re-exported below.
"""
from .adoptable import adoptable_resources
from .constants import NAMESPACE
from .errors import ConfigError, Problem
from .facts import stack_facts
from .keys import KEYS, field_paths
from .loader import load_config, parse_config
from .model import (
    AdoptEntry, BackendConfig, BackendService, BackupConfig, DatabaseConfig, DatabaseRole, EdgeConfig, FrontendConfig,
    HealthCheck, ImageSource, ObservabilityConfig, Registry, ReleaseConfig, RenderAlerts, RenderConfig, Repository,
    ReviewConfig, SourceControlConfig, StackConfig,
)
from .reader import RawConfig
