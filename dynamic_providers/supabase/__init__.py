"""Supabase Management API dynamic provider (types ``pulumi-python:dynamic/supabase:<Name>``).

Resources (``resources.py``): Project, PostgresConfig, PoolerConfig, NetworkRestrictions,
SslEnforcement, AuthConfig, EdgeFunctionSecrets, ApiKeys, SqlRole, Extension, PitrAddon, Branch. Configuration:
``procurement:supabaseApiUrl`` / ``SUPABASE_API_URL`` (default https://api.supabase.com) and the token
``SUPABASE_ACCESS_TOKEN`` from the environment only, read at call time, never stored.

Module paths are part of the Pulumi state (providers are pickled by reference): never move or
rename modules here. Importing performs no I/O.
"""
from .resources import (  # noqa: F401
    ApiKeys,
    AuthConfig,
    Branch,
    EdgeFunctionSecrets,
    Extension,
    NetworkRestrictions,
    PitrAddon,
    PoolerConfig,
    PostgresConfig,
    Project,
    SqlRole,
    SslEnforcement,
)
