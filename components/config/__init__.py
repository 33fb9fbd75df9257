"""Typed, validated stack config for the procurement platform.

Use: `cfg = load_config()` once in `__main__.py`, then hand `cfg.<tier>` to each tier component.
A bad stack raises `ConfigError` (a `pulumi.RunError`) listing every problem by its full key,
before any resource is declared.
"""
from .constants import NAMESPACE
from .errors import ConfigError, Problem
from .facts import stack_facts
from .keys import KEYS, SECRET_KEYS, ConfigKey, field_paths
from .adoptable import adoptable_resources
from .loader import load_config, parse_config, read_runtime_config
from .model import (
    AdoptEntry, ApiEndpoints, AuthSettings, BackendConfig, BackupConfig, BackupRecipient, BackendService, CacheRule,
    DatabaseConfig, DatabaseRole, EdgeConfig, FrontendConfig, HealthCheck, Hsts, ImageBuild, ImageSource, ObservabilityConfig,
    PoolerSettings, PostgresSettings, RateLimit, Registry, ReleaseConfig, RenderAlerts, RenderConfig, Repository, ReviewConfig,
    Scaling,
    SmokeCheck, SourceControlConfig, StackConfig, Tiers,
)
from .reader import RawConfig

__all__ = [
    "NAMESPACE", "ConfigError", "Problem", "stack_facts", "KEYS", "SECRET_KEYS", "ConfigKey", "field_paths", "load_config",
    "parse_config", "read_runtime_config", "RawConfig", "AdoptEntry", "adoptable_resources", "ApiEndpoints",
    "AuthSettings", "BackendConfig", "BackupConfig", "BackupRecipient", "BackendService", "CacheRule", "DatabaseConfig",
    "DatabaseRole", "EdgeConfig", "FrontendConfig", "HealthCheck",
    "Hsts", "ImageBuild", "ImageSource", "ObservabilityConfig", "PoolerSettings", "PostgresSettings", "RateLimit",
    "Registry", "ReleaseConfig", "RenderAlerts", "RenderConfig", "Repository", "ReviewConfig", "Scaling", "SmokeCheck", "SourceControlConfig", "StackConfig", "Tiers",
]
