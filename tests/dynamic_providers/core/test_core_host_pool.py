"""The provider host serves more than the SDK's 4 calls at once (core/sdk_patches.py, widen_server_pool).

The SDK's server runs every call on a ThreadPoolExecutor(max_workers=4) worker, for the whole call;
here the same executor runs calls that each wait until N of them run together: with the pool left at
4 they never all meet (the barrier breaks), widened from inside a call (as configure() does) they do.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from dynamic_providers.core import sdk_patches

CALLS = 12


def run_together(pool: ThreadPoolExecutor, count: int, timeout: float = 20) -> list[bool]:
    barrier = threading.Barrier(count, timeout=timeout)

    def call() -> bool:
        try:
            barrier.wait()
            return True
        except threading.BrokenBarrierError:
            return False
    return [f.result() for f in [pool.submit(call) for _ in range(count)]]


def test_the_sdks_pool_of_four_cannot_run_twelve_calls_together():
    with ThreadPoolExecutor(max_workers=4) as pool:
        # 4 wait for 8 that never start; a second is plenty to show it (the pass case never waits this out).
        assert not all(run_together(pool, CALLS, timeout=1))


def test_widened_from_inside_a_call_the_pool_runs_them_all_at_once():
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert pool.submit(sdk_patches.widen_server_pool, CALLS, force=True).result() == CALLS
        assert all(run_together(pool, CALLS))


def test_widening_never_narrows_and_outside_a_worker_changes_nothing():
    with ThreadPoolExecutor(max_workers=100) as pool:
        assert pool.submit(sdk_patches.widen_server_pool, CALLS, force=True).result() == 100
    assert sdk_patches.widen_server_pool(CALLS, force=True) is None  # the main thread serves no executor


def test_only_the_provider_host_is_widened():
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert pool.submit(sdk_patches.widen_server_pool, CALLS).result() is None
        assert pool._max_workers == 4
