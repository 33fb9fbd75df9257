"""Local emulators of the Render and Supabase Management APIs, held to the vendors' OpenAPI specs (README.md).

    from sandbox import Sandbox
    with Sandbox() as sb:
        sb.render.client().get("/services")
"""

from .runner import Sandbox

__all__ = ["Sandbox"]
