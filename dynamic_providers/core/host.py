"""Ends the dynamic-provider process when the Pulumi CLI that started it is gone.

The engine runs our providers in one plugin process: ``pulumi-resource-pulumi-python <engine
address>``, a shell script that runs ``python -u -m pulumi.dynamic <engine address>`` (without
``exec``). Pulumi's own host has no watch of its own: when the CLI dies without shutting its
plugins down (SIGKILL, an out-of-memory kill, a CI runner torn down), the shell and Python keep
serving a gRPC port nobody will call again, re-parented to PID 1, for as long as the machine runs
(they were found 66 minutes later). So the first ``configure()`` in that process starts one daemon
thread that ends the process when

- its parent changes (the parent died and the process was re-parented), or, when the parent is the
  host's wrapper shell, the shell's parent changes (the CLI died; the shell outlives it), or
- the engine's gRPC address (the host's last argument) stops accepting connections: the fallback
  where ``/proc`` is not available (macOS) or the chain is unusual.

Only in that host process (``python -m pulumi.dynamic``): importing these modules, or calling
``configure()`` in a test or in the Pulumi program, starts nothing.

The same first ``configure()`` also widens the host's gRPC worker pool (``widen_server_pool``). The SDK
builds its server on ``ThreadPoolExecutor(max_workers=4)`` and every provider call holds its worker
for the whole call, waits included: 20 Render deploys then ran in waves of 4 and ``--parallel`` changed
nothing (issue 16). The SDK has no setting for it, and the pool is a local of its ``main()``; the one
handle on it is the worker thread running ``configure()``, whose target arguments hold a weak
reference to its executor (CPython's ``concurrent.futures.thread``). ``ThreadPoolExecutor`` reads
``_max_workers`` each time it decides whether to start a thread, so raising it takes effect for the
next call. The APIs' rate limits stay respected: the transport waits on every 429.
"""
from __future__ import annotations

import os
import socket
import sys
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional

HOST_MODULE = "pulumi.dynamic.__main__"
WRAPPER = "pulumi-resource-pulumi-python"  # the host's shell script (its parent is the CLI)
PARENT_INTERVAL = 0.5  # seconds between parent checks: a /proc read, cheap
ENGINE_INTERVAL = 5.0  # seconds between engine probes: a loopback TCP connect
ENGINE_MISSES = 2  # refused probes in a row before the engine counts as gone
# Provider calls the host serves at once. Calls mostly wait (on the APIs, on deploys and projects), so
# threads are cheap; the engine's own default parallelism is unbounded, `pulumi up --parallel` bounds it.
SERVER_WORKERS = 64

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


def serving_executor(thread: Optional[threading.Thread] = None) -> Optional[ThreadPoolExecutor]:
    """The ``ThreadPoolExecutor`` whose worker ``thread`` (default: the current one) is, or None."""
    thread = thread or threading.current_thread()
    args = getattr(thread, "_args", None)  # Thread keeps its target's arguments while the target runs
    ref = args[0] if isinstance(args, tuple) and args else None
    executor = ref() if isinstance(ref, weakref.ReferenceType) else None
    return executor if isinstance(executor, ThreadPoolExecutor) else None


def widen_server_pool(workers: int = SERVER_WORKERS, *, force: bool = False) -> Optional[int]:
    """Lets the executor serving this call run up to ``workers`` calls at once (never narrows it).

    Only in the provider host unless ``force``. Returns the executor's limit after the call, or None when
    this is not a worker thread of a ``ThreadPoolExecutor`` (then nothing changes: calls run 4 at a time,
    slower but correct)."""
    if not force and not in_provider_host():
        return None
    executor = serving_executor()
    if executor is None:
        return None
    with _guard:
        if getattr(executor, "_max_workers", workers) < workers:
            executor._max_workers = workers
        return executor._max_workers
