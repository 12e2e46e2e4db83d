"""Cooldowns: when a provider says a model may be asked again, and who is cooling.

All times are epoch seconds (``time.time()``), because ``X-RateLimit-Reset``
announces epoch milliseconds and cooldowns are shared with other processes.

Whatever a provider announces is bounded: a cooldown is finite and ends at most
:data:`MAX_COOLDOWN` (25 h) from now, because OpenRouter's daily quota resets at
00:00 UTC and a year-long ``Retry-After`` (or ``1e400``) written to the shared
state would otherwise lock the model out of every later run.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Mapping

Clock = Callable[[], float]

#: The longest cooldown ttabot accepts from a provider (seconds): a day and an hour.
MAX_COOLDOWN = 25 * 3600.0

# Above this a reset value is epoch milliseconds, above 1e9 epoch seconds,
# else seconds from now (providers disagree; OpenRouter sends epoch ms).
_EPOCH_MS = 1e12
_EPOCH_S = 1e9


def _number(value: str) -> float | None:
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None  # nan fails the comparison too


def bounded_until(until: float, now: float) -> float | None:
    """``until`` brought within ``now + MAX_COOLDOWN``; None if it is not a number at all."""
    if math.isnan(until):
        return None
    return min(until, now + MAX_COOLDOWN)


def _retry_after(value: str, now: float) -> float | None:
    seconds = _number(value)
    if seconds is not None:
        return now + seconds
    import datetime
    import email.utils  # only an HTTP-date Retry-After needs it (~10 ms to import)

    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:  # "-0000": UTC, the sender's zone unknown (not ours)
            when = when.replace(tzinfo=datetime.timezone.utc)
        return when.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _reset(value: str, now: float) -> float | None:
    number = _number(value)
    if number is None:
        return None
    if number > _EPOCH_MS:
        return number / 1000
    if number > _EPOCH_S:
        return number
    return now + number


#: Values read from one header sent several times (httpx joins them with ", ").
_MAX_REPEATS = 16


def _latest(value: str, parse: Callable[[str, float], float | None], now: float) -> float | None:
    """``parse(value)``; for a header sent several times, the latest of its values."""
    whole = parse(value, now)
    if whole is not None or "," not in value:
        return whole
    parts = [part.strip() for part in value.split(",")][:_MAX_REPEATS]
    # Each part alone (numbers), and each with the next (an HTTP date has one comma).
    pieces = parts + [f"{a}, {b}" for a, b in itertools.pairwise(parts)]
    found = [at for at in (parse(piece, now) for piece in pieces) if at is not None]
    return max(found) if found else None


def _after_ms(value: str, now: float) -> float | None:
    ms = _number(value)
    return None if ms is None else now + ms / 1000


def announced_until(headers: Mapping[str, str], now: float) -> float | None:
    """The time a response says the model may be asked again, or None if it says nothing.

    Reads ``Retry-After`` (seconds or an HTTP date), ``retry-after-ms`` and
    ``X-RateLimit-Reset``; when several are present (or one is sent several times)
    the latest wins. The result
    is finite and at most :data:`MAX_COOLDOWN` after ``now``.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    found: list[float] = []
    for name, parse in (
        ("retry-after-ms", _after_ms),
        ("retry-after", _retry_after),
        ("x-ratelimit-reset", _reset),
    ):
        at = _latest(lowered[name], parse, now) if name in lowered else None
        if at is not None:
            found.append(at)
    bounded = [at for at in (bounded_until(value, now) for value in found) if at is not None]
    return max(bounded) if bounded else None


class CooldownTable:
    """Which models are cooling and until when; the later deadline always wins.

    ``announced`` cooldowns come from the provider and must never be entered;
    ``backoff`` cooldowns are ttabot's own guess after an unannounced failure.
    """

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._announced: dict[str, float] = {}
        self._backoff: dict[str, float] = {}

    def announce(self, key: str, until: float) -> bool:
        """Record an announced cooldown (bounded by :data:`MAX_COOLDOWN`); True if it
        moved the deadline later."""
        bounded = bounded_until(until, self._clock())
        if bounded is None:
            return False
        until = bounded
        if until <= self._announced.get(key, 0.0):
            return False
        self._announced[key] = until
        return True

    def back_off(self, key: str, until: float) -> None:
        """Record a backoff after a failure nothing was announced for."""
        until = bounded_until(until, self._clock()) or 0.0
        self._backoff[key] = max(until, self._backoff.get(key, 0.0))

    def clear_backoff(self, key: str) -> None:
        """Forget a backoff (the model answered)."""
        self._backoff.pop(key, None)

    def announced(self, key: str) -> float:
        """End of the announced cooldown of ``key`` (0.0 if none)."""
        return self._announced.get(key, 0.0)

    def until(self, key: str) -> float:
        """When ``key`` may be asked again (announced or backoff)."""
        return max(self._announced.get(key, 0.0), self._backoff.get(key, 0.0))

    def in_announced(self, key: str) -> bool:
        """Whether asking ``key`` now would break a window the provider announced."""
        return self._announced.get(key, 0.0) > self._clock()

    def cooling(self, key: str) -> bool:
        """Whether ``key`` is cooling for any reason."""
        return self.until(key) > self._clock()
