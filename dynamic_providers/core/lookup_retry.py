"""The one loop for a write that is not safe to repeat: after an ambiguous failure, look up, then retry.

An ambiguous failure (``errors.is_ambiguous``: no answer, a timeout after sending, a 5xx) may hide a write
that happened. Sending it again blindly could make a second object (a second service, a second deploy)
or run statements against a state that has changed, so the caller's ``look_up`` says first whether the
write took effect.
"""
from __future__ import annotations

import random
import time
from typing import Callable, Optional, TypeVar

from .errors import ApiError, is_ambiguous
from .transport import HttpOptions, backoff_delay

T = TypeVar("T")


def look_up_then_retry(write: Callable[[], T], look_up: Callable[[], Optional[T]], *, attempts: int,
                       options: HttpOptions, sleep: Callable[[float], None] = time.sleep,
                       rng: Callable[[], float] = random.random) -> tuple[T, bool]:
    """``(result, recovered)``: ``write()``'s result, or what ``look_up()`` found after an ambiguous
    failure (``recovered`` True: the write happened, only its answer was lost).

    ``look_up()`` returns None when the write did not happen; then it is sent again after the
    transport's backoff, up to ``attempts`` sends in all, and the last failure is raised. Any other
    error is raised at once."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return write(), False
        except ApiError as exc:
            if not is_ambiguous(exc):
                raise
            found = look_up()
            if found is not None:
                return found, True
            if attempt >= attempts:
                raise
            sleep(backoff_delay(attempt, options, rng))
