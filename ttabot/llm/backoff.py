"""Jittered backoff for failures that announced no retry time.

The schedule (``ClientSettings.backoff``, default the seed's 1, 2, 4, 8, 16,
32 s) gives the base wait for the n-th consecutive failure of a model; tenacity
adds up to a quarter of it at random, so clients that failed together do not
come back together. tenacity is used only through its public wait strategies,
each called with a fresh ``RetryCallState`` (no state kept between calls).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tenacity.wait import wait_base


@functools.lru_cache(maxsize=16)
def backoff_strategy(schedule: tuple[float, ...], jitter: float = 0.25) -> wait_base:
    """tenacity's wait strategy for ``schedule``: step n, plus up to ``jitter`` of it at random."""
    import tenacity  # imported here: only a failing model pays for it

    steps = [
        tenacity.wait_fixed(step) + tenacity.wait_random(0, step * jitter) for step in schedule
    ]
    return tenacity.wait_chain(*steps)


def backoff_delay(strike: int, schedule: Sequence[float], jitter: float = 0.25) -> float:
    """Seconds to cool a model after its ``strike``-th consecutive unannounced failure."""
    import tenacity

    if not schedule:
        return 0.0
    state = tenacity.RetryCallState(tenacity.Retrying(), None, (), {})
    state.attempt_number = max(strike, 1)
    return float(backoff_strategy(tuple(schedule), jitter)(state))
