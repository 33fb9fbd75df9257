"""Render resources as Python dynamic providers (type tokens ``pulumi-python:dynamic/render:<Name>``).

Import-safe: importing performs no I/O. Credentials: ``RENDER_API_KEY`` from the environment, read at
call time (never stack config: it would be stored in the state); base URL ``procurement:renderApiUrl``
or ``RENDER_API_URL``.
Resource classes and their inputs/outputs: ``README.md`` in this package.
"""
from .candidates import ReleaseCandidate, ReleaseCandidateProvider
from .deploys import Deploy, DeployProvider
from .domains import CustomDomain, CustomDomainProvider
from .env_groups import EnvGroup, EnvGroupLink, EnvGroupLinkProvider, EnvGroupProvider
from .log_streams import LogStream, LogStreamProvider
from .metrics_streams import MetricsStream, MetricsStreamProvider
from .notifications import (NotificationOverride, NotificationOverrideProvider, NotificationSettings,
                            NotificationSettingsProvider)
from .projects import Project, ProjectProvider
from .registry import RegistryCredential, RegistryCredentialProvider
from .service_env import EnvVars, EnvVarsProvider, SecretFiles, SecretFilesProvider
from .services import Service, ServiceProvider

__all__ = [
    "CustomDomain", "CustomDomainProvider", "Deploy", "DeployProvider", "EnvGroup", "EnvGroupLink",
    "EnvGroupLinkProvider", "EnvGroupProvider", "EnvVars", "EnvVarsProvider", "LogStream", "LogStreamProvider",
    "MetricsStream", "MetricsStreamProvider", "NotificationOverride", "NotificationOverrideProvider",
    "NotificationSettings", "NotificationSettingsProvider", "Project", "ProjectProvider", "RegistryCredential",
    "RegistryCredentialProvider", "ReleaseCandidate", "ReleaseCandidateProvider", "SecretFiles",
    "SecretFilesProvider", "Service", "ServiceProvider",
]
