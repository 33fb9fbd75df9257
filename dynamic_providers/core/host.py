"""Ends the dynamic-provider process when the Pulumi CLI that started it is gone.

The SDK's host (``python -m pulumi.dynamic``, run by a wrapper shell) has no watch of its own: when
the CLI dies without shutting it down it serves on, re-parented to PID 1. The first ``configure()``
in that process starts one daemon thread that ends it (README here, "The provider process"). Only in
that host: importing this module, or ``configure()`` in a test or the program, starts nothing.
"""
from __future__ import annotations

import os
import socket
import sys
import threading
import time
from typing import Callable, Optional

HOST_MODULE = "pulumi.dynamic.__main__"
WRAPPER = "pulumi-resource-pulumi-python"  # the host's shell script (its parent is the CLI)
PARENT_INTERVAL = 0.5  # seconds between parent checks: a /proc read, cheap
ENGINE_INTERVAL = 5.0  # seconds between engine probes: a loopback TCP connect
ENGINE_MISSES = 2  # refused probes in a row before the engine counts as gone

_started = False
_guard = threading.Lock()


def in_provider_host() -> bool:
    """True inside ``python -m pulumi.dynamic`` (the engine's dynamic-provider plugin)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == HOST_MODULE


def engine_address(argv: list[str]) -> Optional[tuple[str, int]]:
    """The engine's ``host:port`` the plugin was started with (its last argument), if any."""
    for arg in reversed(argv[1:]):
        host, sep, port = arg.rpartition(":")
        if sep and host and port.isdigit() and not arg.startswith("-"):
            return host.strip("[]"), int(port)
    return None


def parent_of(pid: int) -> Optional[int]:
    """The parent pid of ``pid`` from /proc, or None when it cannot be read (gone, not Linux)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # "pid (comm) state ppid ...": comm may contain spaces and parentheses.
            return int(stat.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def engine_answers(address: tuple[str, int], timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection(address, timeout=timeout):
            return True
    except ConnectionRefusedError:
        return False
    except OSError:
        return True  # a timeout or a transient error is not proof that the engine is gone


class Watch:
    """What the watch thread checks; separate from the thread so tests can drive it."""

    def __init__(self, engine: Optional[tuple[str, int]]) -> None:
        self.engine = engine
        self.parent = os.getppid()
        # The CLI is the wrapper shell's parent; watching it is only safe when our parent really is
        # that shell (otherwise it would be, e.g., the shell that started the CLI, which may exit first).
        self.grandparent = parent_of(self.parent) if WRAPPER in command_line(self.parent) else None
        self.misses = 0

    def gone(self, probe_engine: bool) -> Optional[str]:
        """Why the CLI counts as gone, or None while it is there."""
        if os.getppid() != self.parent:
            return f"its parent process {self.parent} is gone"
        if self.grandparent is not None:
            now = parent_of(self.parent)
            if now is not None and now != self.grandparent:
                return f"the Pulumi CLI (pid {self.grandparent}) is gone"
        if probe_engine and self.engine is not None:
            self.misses = 0 if engine_answers(self.engine) else self.misses + 1
            if self.misses >= ENGINE_MISSES:
                return f"the Pulumi engine at {self.engine[0]}:{self.engine[1]} no longer answers"
        return None


def _run(watch: Watch, exit_: Callable[[int], None]) -> None:
    last_probe = time.monotonic()
    while True:
        time.sleep(PARENT_INTERVAL)
        probe = time.monotonic() - last_probe >= ENGINE_INTERVAL
        if probe:
            last_probe = time.monotonic()
        reason = watch.gone(probe)
        if reason:
            try:
                sys.stderr.write(f"dynamic providers: exiting, {reason}\n")
                sys.stderr.flush()
            except (OSError, ValueError):
                pass  # nobody reads our stderr any more
            exit_(1)
            return


def start_watch(*, force: bool = False, argv: Optional[list[str]] = None,
                exit_: Callable[[int], None] = os._exit) -> bool:
    """Starts the watch once per process (only in the provider host unless ``force``).

    Returns whether a watch thread runs after the call. ``os._exit``: the engine that would receive
    our answers is gone, and in-flight calls must not keep the process alive."""
    global _started
    with _guard:
        if _started:
            return True
        if not force and not in_provider_host():
            return False
        watch = Watch(engine_address(sys.argv if argv is None else argv))
        threading.Thread(target=_run, args=(watch, exit_), name="engine-watch", daemon=True).start()
        _started = True
        return True
