"""Visible progress from inside a dynamic provider: status lines the Pulumi CLI shows while a step waits.

Python logging inside the provider process never reaches the CLI; the engine's ``pulumirpc.Engine/Log`` service
does, at the address the engine passes as the plugin's last argument, with the URN read from the servicer's frame.
Outside a provider process reports go to the ``dynamic_providers.progress`` logger (``capture()`` for tests); a
failing engine call never fails the step. How and why: dynamic_providers/core/README.md, "Progress".
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
import time
from typing import Callable, Iterator, Optional

log = logging.getLogger("dynamic_providers.progress")

_ADDRESS = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[\w.\-]+):\d+$")
_SERVICER_FILE = os.path.join("pulumi", "dynamic", "__main__.py")
_state = threading.local()  # per gRPC call (thread): last message sent and when
_lock = threading.Lock()
_engine: dict = {}  # {"stub": EngineStub} once connected, {"stub": None} when unavailable
_captured: Optional[list] = None


def engine_address(argv: Optional[list] = None) -> Optional[str]:
    """The engine's gRPC address when this process is the dynamic-provider plugin, else None."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if argv is None and getattr(spec, "name", None) not in ("pulumi.dynamic.__main__", "pulumi.dynamic"):
        return None
    args = sys.argv[1:] if argv is None else argv
    return args[-1] if args and _ADDRESS.match(args[-1]) else None


def current_urn() -> Optional[str]:
    """The URN of the resource whose Create/Update/Delete/Read/Diff/Check this thread is serving, if any."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename.endswith(_SERVICER_FILE):
            urn = getattr(frame.f_locals.get("request"), "urn", None)
            if urn:
                return str(urn)
        frame = frame.f_back
    return None


def _stub():
    with _lock:
        if "stub" not in _engine:
            _engine["stub"] = None
            address = engine_address()
            if address:
                try:
                    import grpc
                    from pulumi.runtime.proto import engine_pb2_grpc

                    _engine["stub"] = engine_pb2_grpc.EngineStub(grpc.insecure_channel(address))
                except Exception:  # pragma: no cover - grpc is part of the pulumi SDK
                    log.debug("no engine connection for progress", exc_info=True)
        return _engine["stub"]


def _send(message: str, ephemeral: bool, warning: bool = False) -> None:
    urn = current_urn()
    if _captured is not None:
        _captured.append(("warning" if warning else "status" if ephemeral else "note", urn, message))
    log.log(logging.WARNING if warning else logging.INFO, "%s%s", f"[{urn}] " if urn else "", message)
    stub = _stub() if urn else None
    if stub is None:
        return
    try:
        from pulumi.runtime.proto import engine_pb2

        severity = engine_pb2.WARNING if warning else engine_pb2.INFO
        stub.Log(engine_pb2.LogRequest(severity=severity, message=message, urn=urn, ephemeral=ephemeral), timeout=5)
    except Exception:
        log.debug("engine Log failed; progress stays in the provider's log", exc_info=True)
        with _lock:
            _engine["stub"] = None


def report(message: str, *, min_interval: float = 1.0) -> None:
    """An ephemeral status line on the current resource. Repeats of the last message, and any message within
    ``min_interval`` seconds of the last one, are dropped (the CLI prints each one in CI logs)."""
    now = time.monotonic()
    last = getattr(_state, "last", None)
    if last is not None and (last[0] == message or now - last[1] < min_interval):
        return
    _state.last = (message, now)
    _send(message, ephemeral=True)


def note(message: str) -> None:
    """A permanent info diagnostic on the current resource (kept in CI logs and the summary)."""
    _send(message, ephemeral=False)


def warn(message: str) -> None:
    """A permanent warning diagnostic on the current resource (what a reviewer must not miss in a preview)."""
    _send(message, ephemeral=False, warning=True)


def sleep(seconds: float, describe: Callable[[float], str], *, sleeper: Callable[[float], None] = time.sleep,
          every: float = 10.0) -> None:
    """Sleep ``seconds``, reporting ``describe(remaining)`` at the start and every ``every`` seconds (every
    minute once more than ten minutes remain)."""
    end = time.monotonic() + max(0.0, seconds)
    remaining = max(0.0, seconds)
    while True:
        report(describe(remaining), min_interval=0.0)
        if remaining <= 0:
            return
        step = min(remaining, every if remaining <= 600 else 60.0)
        sleeper(step)
        remaining = max(0.0, end - time.monotonic()) if sleeper is time.sleep else remaining - step
        if remaining <= 0.001:
            return


def duration(seconds: float) -> str:
    """``45s``, ``2m05s``, ``1h02m``: short and unambiguous in one-line messages."""
    seconds = int(round(max(0.0, seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


@contextlib.contextmanager
def capture() -> Iterator[list]:
    """Collect ``(kind, urn, message)`` of every report and note made while inside (for tests)."""
    global _captured
    previous, _captured = _captured, []
    _state.last = None
    try:
        yield _captured
    finally:
        _captured = previous


__all__ = ["capture", "current_urn", "duration", "engine_address", "note", "report", "sleep", "warn"]
