"""State shared between ttabot processes: one interface, two backends.

What one run learns and the next should know: announced cooldowns, the
sliding-window log of a paced provider's requests, a free tier's daily quota,
and which models' drafts pass validation. The default backend is a few JSON
files under the user's cache folder (:mod:`ttabot.llm.state_file`); with
``[state] url = "redis://…"`` it is Redis (:mod:`ttabot.llm.state_redis`,
imported only then), shared by every runner of an organisation. If Redis cannot
be reached the file backend takes over, with one warning.

Everything read back is validated here: a value that is not a finite number in
range (a 400-digit integer, ``1e400``, a cooldown a year long) is ignored, never
trusted. The state is an optimisation; a broken one costs at most a 429.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from ttabot.config import Settings

#: Longest cooldown or quota reset believed (OpenRouter's daily quota resets at 00:00 UTC).
MAX_AHEAD = 25 * 3600.0
#: Largest count believed in a learning or quota record.
MAX_COUNT = 10**9

Warn = Callable[[str], None]


def warn_stderr(message: str) -> None:
    """Print one ``ttabot: warning:`` line on stderr, its control and bidi characters escaped.

    Messages quote state folders and Redis hosts from the settings: a carriage
    return or an escape sequence there must not rewrite the terminal.
    """
    from ttabot.config.routes import shown

    sys.stderr.write(f"ttabot: warning: {shown(message)}\n")


class DailyQuota(NamedTuple):
    """A provider's daily request quota as last seen: ``remaining`` of ``limit`` until ``reset``."""

    limit: int
    remaining: int
    reset: float  # epoch seconds


class Outcomes(NamedTuple):
    """What one model's drafts of one task kind came to."""

    accepted: int = 0
    rejected: int = 0
    no_answer: int = 0


#: The outcome names drafting reports, each a field of :class:`Outcomes`.
OUTCOMES = ("accepted", "rejected", "no_answer")


class SharedState(Protocol):
    """What every state backend offers. Reads never raise; writes return False on failure."""

    def cooldowns(self) -> dict[str, float]:
        """Announced cooldowns still running: state key -> until (epoch seconds)."""

    def publish_cooldown(self, key: str, until: float) -> bool:
        """Merge one cooldown (the later deadline wins)."""

    def acquire(self, bucket: str, limit: int, window: float) -> float:
        """Take one of ``limit`` request slots in ``bucket``'s rolling ``window`` seconds.

        Returns 0.0 when the slot was taken (and logged), else the seconds until
        the oldest logged request leaves the window and one frees up.
        """

    def quotas(self) -> dict[str, DailyQuota]:
        """Daily quotas whose reset is still ahead: quota key -> quota."""

    def publish_quota(self, key: str, quota: DailyQuota) -> bool:
        """Store the latest view of one daily quota."""

    def record_outcome(self, kind: str, model: str, outcome: str) -> bool:
        """Count one draft outcome (one of :data:`OUTCOMES`) for ``(kind, model)``."""

    def outcomes(self) -> dict[tuple[str, str], Outcomes]:
        """Every ``(kind, model)``'s counted outcomes."""


# --- validation of what is read back ------------------------------------------


def finite(value: Any) -> float | None:
    """``value`` as a finite float, or None (bools, strings, huge ints, nan and inf are not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # float() of a 400-digit integer raises OverflowError; nothing sane is that big.
        return float(value) if abs(value) < 10**15 else None
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


def valid_until(value: Any, now: float) -> float | None:
    """A cooldown end or quota reset worth believing: finite, after ``now``, within 25 h."""
    until = finite(value)
    if until is None or until <= now or until > now + MAX_AHEAD:
        return None
    return until


def valid_count(value: Any) -> int | None:
    """A count worth believing: an int from 0 to :data:`MAX_COUNT`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        return None
    return value


def valid_quota(value: Any, now: float) -> DailyQuota | None:
    """A daily quota from a ``[limit, remaining, reset]`` list, or None if any part is off."""
    if not isinstance(value, list | tuple) or len(value) != 3:
        return None
    limit, remaining, reset = valid_count(value[0]), valid_count(value[1]), value[2]
    until = valid_until(reset, now)
    if limit is None or remaining is None or until is None or remaining > limit:
        return None
    return DailyQuota(limit, remaining, until)


def valid_outcomes(value: Any) -> Outcomes | None:
    """Outcome counts from a ``[accepted, rejected, no_answer]`` list, or None."""
    if not isinstance(value, list | tuple) or len(value) != len(OUTCOMES):
        return None
    counts = [valid_count(v) for v in value]
    if any(c is None for c in counts):
        return None
    return Outcomes(*(c or 0 for c in counts))


def valid_cooldowns(table: Any, now: float) -> dict[str, float]:
    """The entries of a ``{key: until}`` table that are running and believable."""
    if not isinstance(table, Mapping):
        return {}
    out: dict[str, float] = {}
    for key, value in table.items():
        until = valid_until(value, now)
        if isinstance(key, str) and until is not None:
            out[key] = until
    return out


# --- choosing a backend --------------------------------------------------------


def default_state_dir() -> Path:
    """The user's cache directory for ttabot (``platformdirs``)."""
    import platformdirs  # imported here: it is only needed when sharing state

    return Path(platformdirs.user_cache_dir("ttabot", appauthor=False))


def open_state(
    settings: Settings, warn: Warn = warn_stderr, clock: Callable[[], float] = time.time
) -> SharedState:
    """The configured backend: Redis when ``[state] url`` is set and answers, else the file.

    ``clock`` (epoch seconds) judges the file's cooldowns; Redis keeps its own clock.
    """
    from ttabot.llm.state_file import FileState

    state_dir = settings.client.state_dir
    directory = Path(state_dir) if state_dir else default_state_dir()
    fallback = FileState(directory, clock=clock, warn=warn)
    url = settings.state.url
    if not url:
        return fallback
    from ttabot.llm.state_redis import RedisUnavailable, connect_redis

    try:
        return connect_redis(url, fallback, warn)
    except RedisUnavailable as exc:
        warn(f"{exc}; using the state file in {fallback.directory} instead")
        return fallback
