"""How long a request waits for a model's first token before asking the next model too.

A hedged request (Dean and Barroso, "The Tail at Scale") sends a second copy of a
slow request elsewhere and keeps the first valid answer. The delay adapts to each
model: three times its observed 90th-percentile time to first token, never below
:data:`MIN_HEDGE_DELAY` (a fast model's jitter is no reason to double the load) nor
above :data:`MAX_HEDGE_DELAY` (a model that is usually slow still gets a backup).
"""

from __future__ import annotations

from collections.abc import Sequence

from ttabot.llm.metrics import percentile

MIN_HEDGE_DELAY = 2.0
MAX_HEDGE_DELAY = 15.0


def hedge_delay(first_token_seconds: Sequence[float]) -> float:
    """Seconds to wait for a model's first token before hedging, from its past ones."""
    observed = 3.0 * percentile(list(first_token_seconds), 0.90)
    return min(MAX_HEDGE_DELAY, max(MIN_HEDGE_DELAY, observed))
