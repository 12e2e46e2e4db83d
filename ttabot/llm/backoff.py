"""Jittered backoff for failures that announced no retry time.

The schedule (``ClientSettings.backoff``, default the seed's 1, 2, 4, 8, 16,
32 s) gives the base wait for the n-th consecutive failure of a model; tenacity
adds up to a quarter of it at random, so clients that failed together do not
come back together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_STATE: Any = None


def _retry_state(attempt: int) -> Any:
    import tenacity  # imported here: only a failing model pays for it

    global _STATE
    if _STATE is None:
        _STATE = tenacity.RetryCallState(tenacity.Retrying(), None, (), {})
    _STATE.attempt_number = attempt
    return _STATE


def backoff_delay(strike: int, schedule: Sequence[float], jitter: float = 0.25) -> float:
    """Seconds to cool a model after its ``strike``-th consecutive unannounced failure."""
    import tenacity

    if not schedule:
        return 0.0
    steps = [tenacity.wait_fixed(step) for step in schedule]
    base = schedule[min(max(strike, 1), len(schedule)) - 1]
    wait = tenacity.wait_chain(*steps) + tenacity.wait_random(0, base * jitter)
    return float(wait(_retry_state(max(strike, 1))))
