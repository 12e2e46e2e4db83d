"""A free tier's daily quota: read from responses, remembered in shared state, obeyed.

OpenRouter caps ``:free`` requests per day (50 without credits, 1,000 with) and
says so in ``X-RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` and in the 429's
body (``free-models-per-day``). The per-minute limit uses the same headers, so a
window counts as daily only when the body says so or its reset is over an hour
away. Once the day's quota is used, the provider's ``:free`` models are skipped
until the reset (every process sharing the state skips them), and the user is
told once.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ttabot.llm.state import MAX_AHEAD, DailyQuota, finite, valid_count, warn_stderr

if TYPE_CHECKING:
    from ttabot.llm.errors import Answer, Failure
    from ttabot.llm.state import SharedState, Warn
    from ttabot.llm.targets import Target

#: Quota OpenRouter states for accounts without credits, when a 429 names no limit.
DEFAULT_DAILY_LIMIT = 50
_DAILY_WORDS = ("per-day", "per day", "daily")
_REFRESH = 1.0


def next_utc_midnight(now: float) -> float:
    """Epoch seconds of the next 00:00 UTC after ``now``."""
    today = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).date()
    midnight = datetime.datetime.combine(
        today + datetime.timedelta(days=1), datetime.time(), datetime.timezone.utc
    )
    return midnight.timestamp()


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    text = headers.get(name, "").strip()
    return valid_count(int(text)) if text.isdigit() and len(text) < 12 else None


def _reset(headers: Mapping[str, str], now: float) -> float | None:
    text = headers.get("x-ratelimit-reset", "").strip()
    try:
        number = finite(float(text)) if len(text) < 40 else None
    except ValueError:
        return None
    if number is None or number < 0:
        return None
    at = number / 1000 if number > 1e12 else number if number > 1e9 else now + number
    return at if now < at <= now + MAX_AHEAD else None


def read_daily_quota(
    status: int, headers: Mapping[str, str], message: str, now: float
) -> DailyQuota | None:
    """The daily quota a response describes, or None if it describes none."""
    lowered = {key.lower(): value for key, value in headers.items()}
    limit = _header_int(lowered, "x-ratelimit-limit")
    remaining = _header_int(lowered, "x-ratelimit-remaining")
    reset = _reset(lowered, now)
    if status == 429 and any(word in message.lower() for word in _DAILY_WORDS):
        return DailyQuota(limit or DEFAULT_DAILY_LIMIT, 0, reset or next_utc_midnight(now))
    if limit is None or remaining is None or reset is None or reset - now < 3600:
        return None
    return DailyQuota(limit, min(remaining, limit), reset)


def with_daily_quota(
    outcome: Answer | Failure, status: int, headers: Mapping[str, str], now: float
) -> Answer | Failure:
    """``outcome`` carrying the daily quota its response described, if any."""
    import dataclasses

    from ttabot.llm.errors import Failure

    message = outcome.message if isinstance(outcome, Failure) else ""
    quota = read_daily_quota(status, headers, message, now)
    return outcome if quota is None else dataclasses.replace(outcome, quota=quota)


def quota_key(target: Target) -> str | None:
    """Key of the daily quota ``target`` draws on (its provider's free tier), if any."""
    if not target.model.endswith(":free"):
        return None
    provider = target.ref.partition(":")[0]
    return f"{target.shared_url} {provider}:free"


def used_up_message(provider: str, quota: DailyQuota) -> str:
    """What the user is told once when the day's free quota is gone."""
    name = "OpenRouter" if provider == "openrouter" else provider
    reset = datetime.datetime.fromtimestamp(quota.reset, datetime.timezone.utc)
    return (
        f"{name} free quota for today used ({quota.limit}/day); "
        f"resets {reset:%H:%M} UTC; add credits or a local provider"
    )


class QuotaBook:
    """Daily quotas one client knows (its own, and the shared state's)."""

    def __init__(
        self,
        state: SharedState | None,
        *,
        clock: Callable[[], float] = time.time,
        warn: Warn = warn_stderr,
    ) -> None:
        self._state = state
        self._clock = clock
        self._warn = warn
        self._told: set[str] = set()
        self._known: dict[str, DailyQuota] = {}
        self._read_at = -_REFRESH

    def observe(self, target: Target, quota: DailyQuota) -> None:
        """Remember what a response said about ``target``'s daily quota."""
        key = quota_key(target)
        if key is None:
            return
        self._known[key] = quota
        if self._state is not None:
            self._state.publish_quota(key, quota)

    def known(self) -> dict[str, DailyQuota]:
        """Every daily quota seen whose reset is still ahead: ``"URL PROVIDER:free"`` -> quota."""
        now = self._clock()
        if self._state is not None:
            self._read_at = now
            self._known.update(self._state.quotas())
        return {key: q for key, q in self._known.items() if q.reset > now}

    def used_up(self, target: Target) -> DailyQuota | None:
        """The used-up quota that rules ``target`` out until its reset, or None."""
        key = quota_key(target)
        if key is None:
            return None
        now = self._clock()
        if self._state is not None and now - self._read_at >= _REFRESH:
            self._read_at = now
            self._known.update(self._state.quotas())
        quota = self._known.get(key)
        if quota is None or quota.remaining > 0 or quota.reset <= now:
            return None
        if key not in self._told:
            self._told.add(key)
            self._warn(used_up_message(target.ref.partition(":")[0], quota))
        return quota


def quota_line(key: str, quota: DailyQuota) -> str:
    """One line for ``ttabot models``: what is left of a daily quota and when it resets."""
    tier = key.rpartition(" ")[2]
    reset = datetime.datetime.fromtimestamp(quota.reset, datetime.timezone.utc)
    return f"{tier}: {quota.remaining}/{quota.limit} requests left today; resets {reset:%H:%M} UTC"
