"""Python dynamic providers for the APIs that have no usable Pulumi provider.

- ``dynamic_providers.core``: the shared HTTP transport, error classes, pagination helper and the
  declarative base provider (see ``core/README.md``).
- ``dynamic_providers.render``: Render resources (``pulumi-python:dynamic/render:*``).
- ``dynamic_providers.supabase``: Supabase Management API resources.

Package paths are part of the Pulumi state (dill pickles provider classes by module path), so
never move or rename these modules. Importing them performs no I/O.
"""
