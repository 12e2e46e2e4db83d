"""Pacing: keep requests under a provider's known rate, evenly spaced.

OpenRouter's ``:free`` models share one budget per account (``free_rpm``,
20 a minute), whichever model is asked; a provider's ``rpm`` paces all of its
models together. A provider with no known limit is not paced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ttabot.config import Provider


def pace_bucket(provider: Provider, model: str) -> tuple[str, float] | None:
    """The shared budget a request to ``model`` draws on: ``(name, seconds between)``."""
    if provider.free_rpm and model.endswith(":free"):
        return f"{provider.name}:free", 60.0 / provider.free_rpm
    if provider.rpm:
        return provider.name, 60.0 / provider.rpm
    return None


class Pacer:
    """Hands out send times at least ``interval`` apart per bucket."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}

    def next_slot(self, bucket: str, now: float) -> float:
        """The earliest time a request in ``bucket`` could be sent."""
        return max(now, self._next.get(bucket, 0.0))

    def reserve(self, bucket: str, interval: float, now: float) -> float:
        """Take the next slot in ``bucket`` and return its time (``now`` if free)."""
        slot = self.next_slot(bucket, now)
        self._next[bucket] = slot + interval
        return slot
