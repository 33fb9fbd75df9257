"""The one polling helper every provider wait uses: the first check at once, then backoff with jitter."""
from __future__ import annotations

import itertools
import random

import pytest

from dynamic_providers.core.polling import FIRST_DELAY_S, PollTimeoutError, poll_delays, poll_until


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_pauses_start_below_half_a_second_and_double_up_to_the_cap():
    assert list(itertools.islice(poll_delays(15, rng=lambda: 1.0), 7)) == [0.5, 1, 2, 4, 8, 15, 15]
    # The jitter's lower end: half of each step, so no two waits started together poll in lockstep for long.
    assert list(itertools.islice(poll_delays(15, rng=lambda: 0.0), 7)) == [0.25, 0.5, 1, 2, 4, 7.5, 7.5]


def test_a_cap_below_the_first_step_caps_the_first_pause_too():
    assert list(itertools.islice(poll_delays(0.2, rng=lambda: 1.0), 3)) == [0.2, 0.2, 0.2]


def test_the_exponent_stays_bounded_over_a_long_wait():
    # Without a bounded exponent, 0.5 * 2**10000 overflows a float: the wait would crash after hours.
    delays = poll_delays(10, rng=random.Random(7).random)
    for _ in itertools.islice(delays, 10_000):
        pass
    assert 5 <= next(delays) <= 10


def test_jittered_pauses_spread_between_half_and_the_whole_step():
    rng = random.Random(1)
    firsts = [next(poll_delays(10, rng=rng.random)) for _ in range(200)]
    assert min(firsts) >= FIRST_DELAY_S / 2 and max(firsts) <= FIRST_DELAY_S
    assert len(set(firsts)) > 100  # not one fixed value


def test_poll_until_checks_at_once_and_returns_the_first_ready_value():
    clock = FakeClock()
    values = iter(["pending", "pending", "done"])
    assert poll_until(lambda: next(values), lambda v: None if v == "done" else v, timeout_s=60, cap_s=5,
                      what="x", clock=clock, sleep=clock.sleep, rng=lambda: 1.0) == "done"
    assert clock.sleeps == [0.5, 1]

    ready_at_once = FakeClock()
    assert poll_until(lambda: "done", lambda v: None, timeout_s=60, cap_s=5, what="x", clock=ready_at_once,
                      sleep=ready_at_once.sleep) == "done"
    assert ready_at_once.sleeps == []  # ready on the first check: no wait at all


def test_poll_until_never_sleeps_past_the_deadline_and_names_the_last_reason():
    clock = FakeClock()
    with pytest.raises(PollTimeoutError, match=r"timed out after 3s \(limit 3s\) waiting for the thing; last seen: still 3"):
        counter = itertools.count()
        poll_until(lambda: next(counter), lambda v: f"still {v}", timeout_s=3, cap_s=5, what="the thing",
                   clock=clock, sleep=clock.sleep, rng=lambda: 1.0)
    assert clock.sleeps == [0.5, 1, 1.5] and clock.now == 3


def test_poll_until_raises_the_callers_timeout_error_and_lets_terminal_errors_through():
    class Late(TimeoutError):
        pass

    clock = FakeClock()
    with pytest.raises(Late):
        poll_until(lambda: 1, lambda v: "no", timeout_s=1, cap_s=1, what="x", clock=clock, sleep=clock.sleep,
                   timeout_error=Late)

    def failed(_):
        raise RuntimeError("INIT_FAILED")
    with pytest.raises(RuntimeError, match="INIT_FAILED"):
        poll_until(lambda: 1, failed, timeout_s=10, cap_s=1, what="x", clock=FakeClock(), sleep=lambda s: None)
