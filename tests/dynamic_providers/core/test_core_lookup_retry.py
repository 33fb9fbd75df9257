"""The one "look up, then retry" loop after an ambiguous failure (core/lookup_retry.py)."""
from __future__ import annotations

import pytest

from dynamic_providers.core import ConflictError, HttpOptions, ServerError, look_up_then_retry

OPTIONS = HttpOptions(backoff_base=1.0, backoff_cap=8.0)


def lost() -> ServerError:
    return ServerError("Test", "POST", "/things", 502, "bad gateway")


class Calls:
    """A write that fails with the given errors in turn, then answers "made"; records pauses and lookups."""

    def __init__(self, failures, found=()):
        self.failures, self.found = list(failures), list(found)
        self.writes = self.lookups = 0
        self.pauses: list[float] = []

    def write(self):
        self.writes += 1
        if self.failures:
            raise self.failures.pop(0)
        return "made"

    def look_up(self):
        self.lookups += 1
        return self.found.pop(0) if self.found else None

    def run(self, attempts=3):
        return look_up_then_retry(self.write, self.look_up, attempts=attempts, options=OPTIONS,
                                  sleep=self.pauses.append, rng=lambda: 0.0)


def test_a_write_that_answers_is_never_looked_up():
    calls = Calls([])
    assert calls.run() == ("made", False)
    assert (calls.writes, calls.lookups, calls.pauses) == (1, 0, [])


def test_a_lost_answer_whose_write_happened_is_recovered_not_repeated():
    calls = Calls([lost()], found=["found"])
    assert calls.run() == ("found", True)
    assert (calls.writes, calls.lookups) == (1, 1)


def test_a_write_that_did_not_happen_is_sent_again_after_the_backoff():
    calls = Calls([lost(), lost()])
    assert calls.run() == ("made", False)
    assert (calls.writes, calls.lookups) == (3, 2)
    assert calls.pauses == [0.5, 1.0]  # the transport's backoff (equal jitter, rng 0)


def test_the_last_failure_is_raised_after_its_lookup():
    failures = [lost(), lost(), lost()]
    calls = Calls(list(failures))
    with pytest.raises(ServerError) as raised:
        calls.run(attempts=3)
    assert raised.value is failures[-1]
    assert (calls.writes, calls.lookups) == (3, 3)


def test_an_unambiguous_failure_is_raised_at_once():
    calls = Calls([ConflictError("Test", "POST", "/things", 409, "exists")])
    with pytest.raises(ConflictError):
        calls.run()
    assert (calls.writes, calls.lookups, calls.pauses) == (1, 0, [])
