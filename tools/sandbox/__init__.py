"""Local emulators of the Render and Supabase Management APIs, held to the vendors' OpenAPI specs (README.md).

    from tools.sandbox import Sandbox
    with Sandbox() as sb:
        sb.render.client().get("/services")
"""

__all__ = ["Sandbox"]


def __getattr__(name: str):
    # Loaded on first use: `tools.sandbox.client` (what scripts and tools import to drive a running sandbox) stays
    # cheap to import without the servers, the specs and their validators (half a second).
    if name == "Sandbox":
        from .runner import Sandbox
        return Sandbox
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
