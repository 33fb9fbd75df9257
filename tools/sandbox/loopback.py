"""Every request must be addressed to a loopback name, and come from no web origin but a loopback one.

The servers bind 127.0.0.1, but a browser is on the same machine: DNS rebinding (a name a page controls
re-resolved to 127.0.0.1) reaches them with ``Host: evil.example:PORT``, and a cross-site request carries
``Origin: https://evil.example``. Neither header can be forged by a page, so checking both stops both attacks
before the token check (``tools.sandbox.control_token``) is even needed. Every legitimate client (the providers, the
pulumi CLI, the tests, curl) names 127.0.0.1 or localhost and sends no foreign Origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def _loopback_host(host: str, port: int, suffixes: tuple[str, ...] = ()) -> bool:
    host = host.strip().lower()
    names = {f"{name}:{port}" for name in LOOPBACK_NAMES}
    if port == 80:  # the one port a client may leave out of Host
        names.update(LOOPBACK_NAMES)
    name, _, given_port = host.partition(":")
    public = any(name.endswith(suffix) and len(name) > len(suffix) for suffix in suffixes)
    return host in names or (public and given_port in ("", str(port)))


def _loopback_origin(origin: str) -> bool:
    try:
        parts = urlsplit(origin.strip())
        hostname, _ = parts.hostname, parts.port  # .port raises on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and hostname in ("127.0.0.1", "localhost", "::1")


def refusal(hosts: list[str], origin: str | None, port: int, suffixes: tuple[str, ...] = ()) -> str | None:
    """Why a request with these ``Host`` headers and this ``Origin`` is refused (None: it is not). ``suffixes``:
    public names a port also answers (the traffic gateway's ``.onrender.com``, see why there)."""
    if len(hosts) != 1 or not _loopback_host(hosts[0], port, suffixes):
        shown = ", ".join(hosts) or "none"
        public = "".join(f"*{suffix}, " for suffix in suffixes)
        return (f"the sandbox answers only requests addressed to {public}127.0.0.1:{port}, localhost:{port} or "
                f"[::1]:{port} (Host was {shown}); a page in a browser cannot drive it")
    if origin is not None and not _loopback_origin(origin):
        return (f"the sandbox answers no request from the web origin {origin!r} (only loopback origins); "
                f"a page in a browser cannot drive it")
    return None
