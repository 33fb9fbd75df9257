"""The three runtime patches of the Pulumi SDK's internals, written for one SDK release only.

Each reaches into ``pulumi.dynamic.__main__`` (the dynamic-provider host) or CPython's thread pool;
``install`` applies all three in that host after ``check_sdk_version``. README here, "Patches of the
Pulumi SDK", says why each exists and what to re-check on an SDK upgrade.
"""
from __future__ import annotations

import sys
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

import pulumi

from . import plan_detail
from .host import in_provider_host

# The SDK release the patches were written against: requirements.txt pins the same (a test checks).
PINNED_PULUMI_VERSION = "3.272.0"
# Provider calls the host serves at once. Calls mostly wait (on the APIs, on deploys and projects), so
# threads are cheap; the engine's own default parallelism is unbounded, `pulumi up --parallel` bounds it.
SERVER_WORKERS = 64

_guard = threading.Lock()


class SdkVersionError(pulumi.RunError):
    """The installed ``pulumi`` SDK is not the release the patches were written for.

    A ``RunError``: the program's language host prints its message alone; ``concise`` does the same in
    the provider host."""

    concise = True


def installed_sdk_version() -> str:
    from pulumi import _version  # the SDK's own record of its release; cheap, no metadata scan
    return _version._VERSION


def check_sdk_version() -> None:
    """Raises SdkVersionError (one line: what, which version, what to do) unless the pinned SDK is installed."""
    found = installed_sdk_version()
    if found != PINNED_PULUMI_VERSION:
        raise SdkVersionError(
            f"pulumi SDK {found} is installed, but dynamic_providers/core/sdk_patches.py patches the internals "
            f"of {PINNED_PULUMI_VERSION} only: run `make venv` to install the pinned SDK (requirements.txt), or "
            f"re-check the three patches against {found} before changing PINNED_PULUMI_VERSION and the pin.")


def install() -> None:
    """In the dynamic-provider host only (a no-op anywhere else; idempotent): checks the SDK version,
    then applies the three patches. Called from the first ``configure()``, on a worker thread."""
    if not in_provider_host():
        return
    check_sdk_version()
    install_concise_errors()
    install_detailed_diffs()
    widen_server_pool()


# ---------------------------------------------------------------- 1. traceback proxy
class _ConciseTraceback:
    """Stands in for the ``traceback`` module inside the host's ``__main__``: exceptions marked
    ``concise`` are formatted as their message alone; anything else (a bug) keeps its traceback."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        exc = sys.exc_info()[1]
        if exc is not None and getattr(exc, "concise", False):
            return str(exc)
        return self._real.format_exc(*args, **kwargs)


def install_concise_errors() -> None:
    """In the dynamic-provider host process only (a no-op anywhere else, idempotent)."""
    if not in_provider_host():
        return
    host = sys.modules["__main__"]
    current = getattr(host, "traceback", None)
    if current is not None and not isinstance(current, _ConciseTraceback):
        host.traceback = _ConciseTraceback(current)


# ---------------------------------------------------------------- 2. proto swap (detailed diffs)
class _DetailedDiffResponse:
    """Builds ``DiffResponse`` messages with the detail ``plan_detail.offer`` left on this thread;
    anything else (``DIFF_SOME``, ...) is the real message class's."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real.DiffResponse, name)

    def __call__(self, **fields: Any) -> Any:
        pending = plan_detail.take()
        if pending and fields.get("changes") == self._real.DiffResponse.DIFF_SOME:
            detail, reasons = pending
            kinds = self._real.PropertyDiff
            by_kind = {(plan_detail.ADD, False): kinds.ADD, (plan_detail.ADD, True): kinds.ADD_REPLACE,
                       (plan_detail.DELETE, False): kinds.DELETE, (plan_detail.DELETE, True): kinds.DELETE_REPLACE,
                       (plan_detail.UPDATE, False): kinds.UPDATE, (plan_detail.UPDATE, True): kinds.UPDATE_REPLACE}
            fields["diffs"] = reasons
            fields["detailedDiff"] = {path: kinds(kind=by_kind[(kind, replace)], inputDiff=input_diff)
                                      for path, (kind, replace, input_diff) in detail.items()}
            fields["hasDetailedDiff"] = True
        return self._real.DiffResponse(**fields)


class _DetailedProto:
    """Stands in for ``pulumi.runtime.proto`` inside the dynamic-provider host's ``__main__``."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.DiffResponse = _DetailedDiffResponse(real)  # noqa: N815 - the proto message's name

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def install_detailed_diffs() -> None:
    """In the dynamic-provider host process only (a no-op anywhere else, idempotent)."""
    if not in_provider_host():
        return
    host = sys.modules["__main__"]
    current = getattr(host, "proto", None)
    if current is not None and not isinstance(current, _DetailedProto) and hasattr(current, "DiffResponse"):
        host.proto = _DetailedProto(current)


# ---------------------------------------------------------------- 3. executor widening
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
