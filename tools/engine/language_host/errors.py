"""The one exception the host raises on purpose: its message becomes the failing RPC's error."""


class HostError(Exception):
    """A failure we report to the engine as the RPC's error message."""
