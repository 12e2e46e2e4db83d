"""The Redis state backend, for many processes and runners sharing one budget.

Imported only when ``[state] url`` is set (``import redis`` costs ~50 ms). Every
update is one Lua script (:mod:`ttabot.llm.redis_scripts`), so it is atomic across
clients: a cooldown keeps the later deadline, the limiter checks and logs a request
in one step, counts are ``HINCRBY``. The limiter is a sliding-window log (a sorted
set of request times on Redis's own clock, so machines with skewed clocks still
agree): a request is let through only while fewer than ``limit`` are logged in the
last ``window`` seconds, so no rolling window ever holds more than the limit.

Keys live under ``ttabot:``; everything read back is validated like the file's.
Any process sharing the database can write there, so a bad entry costs only
itself: a field or value that is not UTF-8 or not a sane number is skipped on
reading and overwritten on writing, and a key of another type is ignored on
reading and replaced on writing. Only Redis failing (not answering, refusing)
hands the rest of the run over to the state file.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ttabot.llm import redis_scripts
from ttabot.llm.state import (
    MAX_AHEAD,
    OUTCOMES,
    DailyQuota,
    Outcomes,
    valid_cooldowns,
    valid_count,
    valid_quota,
)

if TYPE_CHECKING:
    import redis

    from ttabot.llm.state import SharedState, Warn

T = TypeVar("T")

_PREFIX = "ttabot:"
_COOLDOWNS = _PREFIX + "cooldowns"
_QUOTAS = _PREFIX + "quotas"
_LEARNING = _PREFIX + "learning"
#: Seconds a read of the cooldowns is reused: pick() looks at them before every request.
_REFRESH = 0.25
#: A hash with more fields than this is not read (ttabot's own hold one per model):
#: the state file's 4 MiB cap, for Redis, where any process sharing it can write.
MAX_ENTRIES = 10_000


class RedisUnavailable(Exception):
    """Redis cannot be used (not installed, unreachable, refusing)."""


def _where(url: str) -> str:
    """``host:port`` of a Redis URL, never its password."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.hostname or '?'}:{port or 6379}"


def connect_redis(url: str, fallback: SharedState, warn: Warn, timeout: float = 2.0) -> RedisState:
    """A :class:`RedisState` at ``url``, after one PING; :class:`RedisUnavailable` if not.

    ``fallback`` takes over (after one ``warn``) if Redis stops answering mid-run.
    """
    import redis

    try:
        # Replies stay bytes, decoded entry by entry: a field of other bytes than UTF-8
        # is then that entry's problem, not every reply's.
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        client.ping()
    except (redis.RedisError, ValueError, OSError) as exc:
        raise RedisUnavailable(
            f"Redis state at {_where(url)} unreachable ({type(exc).__name__})"
        ) from None
    return RedisState(client, fallback, warn=warn, where=_where(url))


class RedisState:
    """Shared state in one Redis database (see the module docstring).

    If Redis stops answering mid-run, ``fallback`` (the state file) serves the
    rest of the run, after one warning: a dead Redis must not stall every
    request for a socket timeout.
    """

    def __init__(
        self,
        client: redis.Redis,
        fallback: SharedState,
        *,
        warn: Warn,
        where: str = "?",
        clock: Callable[[], float] = time.time,
    ) -> None:
        import redis as redis_module

        self._redis = client
        self._fallback = fallback
        self._warn = warn
        self._where = where
        self._lost = False
        self._ignored: set[str] = set()
        # UnicodeDecodeError: a client made with decode_responses=True decodes every
        # reply; connect_redis's does not (entries are decoded one by one).
        self._errors: tuple[type[Exception], ...] = (
            redis_module.RedisError,
            OSError,
            UnicodeDecodeError,
        )
        self._wrong_type = redis_module.ResponseError
        self._clock = clock
        self._publish = client.register_script(redis_scripts.PUBLISH_COOLDOWN)
        self._acquire = client.register_script(redis_scripts.ACQUIRE)
        self._put = client.register_script(redis_scripts.PUT)
        self._count = client.register_script(redis_scripts.COUNT)
        self._cache: tuple[float, dict[str, Any]] = (-1.0, {})

    def _use(self, op: Callable[[], T], instead: Callable[[SharedState], T]) -> T:
        """``op()`` against Redis; once Redis has failed, ``instead(fallback)``."""
        if not self._lost:
            try:
                return op()
            except self._errors as exc:
                self._lost = True
                self._warn(
                    f"Redis state at {self._where} stopped answering ({type(exc).__name__}); "
                    "using the state file for the rest of the run"
                )
        return instead(self._fallback)

    def _hash(self, key: str) -> dict[str, str]:
        """Every field of the hash ``key`` that is UTF-8 text, with its value.

        {} and one warning past :data:`MAX_ENTRIES`, or when ``key`` is no hash.
        """
        try:
            if self._redis.hlen(key) > MAX_ENTRIES:
                self._ignore_once(key, f"holds over {MAX_ENTRIES} entries")
                return {}
            raw = self._redis.hgetall(key)
        except self._wrong_type as exc:
            if not str(exc).startswith("WRONGTYPE"):
                raise
            self._ignore_once(key, "is not a hash")
            return {}
        entries = ((_text(field), _text(value)) for field, value in raw.items())
        return {field: value for field, value in entries if field is not None and value is not None}

    def _ignore_once(self, key: str, why: str) -> None:
        if key not in self._ignored:
            self._ignored.add(key)
            self._warn(f"Redis state at {self._where}: {key} {why}; ignoring it")

    def cooldowns(self) -> dict[str, float]:
        """Cooldowns still running (re-read at most every quarter second)."""
        now = self._clock()
        read_at, table = self._cache
        if self._lost or now - read_at > _REFRESH or now < read_at:

            def read() -> dict[str, float]:
                raw = self._hash(_COOLDOWNS)
                self._cache = (now, raw)
                return valid_cooldowns({k: _number(v) for k, v in raw.items()}, now)

            return self._use(read, lambda state: state.cooldowns())
        return valid_cooldowns({k: _number(v) for k, v in table.items()}, now)

    def publish_cooldown(self, key: str, until: float) -> bool:
        """Merge one cooldown (the later deadline wins), atomically."""

        def publish() -> bool:
            now = repr(self._clock())
            args: list[str | int] = [key, repr(until), now, repr(MAX_AHEAD), MAX_ENTRIES]
            self._publish(keys=[_COOLDOWNS], args=args)
            self._cache = (-1.0, {})
            return True

        return self._use(publish, lambda state: state.publish_cooldown(key, until))

    def acquire(self, bucket: str, limit: int, window: float) -> float:
        """Take a slot in ``bucket``'s rolling window; 0.0, else seconds until one frees."""

        def acquire() -> float:
            args: list[str | int] = [limit, repr(window), uuid.uuid4().hex]
            seconds = _number(self._acquire(keys=[f"{_PREFIX}window:{bucket}"], args=args))
            return 0.0 if seconds is None else min(max(seconds, 0.0), window)

        return self._use(acquire, lambda state: state.acquire(bucket, limit, window))

    def quotas(self) -> dict[str, DailyQuota]:
        """Daily quotas whose reset is still ahead."""

        def read() -> dict[str, DailyQuota]:
            now = self._clock()
            out: dict[str, DailyQuota] = {}
            for key, raw in self._hash(_QUOTAS).items():
                parts = raw.split()
                if len(parts) != 3:
                    continue
                quota = valid_quota([_int(parts[0]), _int(parts[1]), _number(parts[2])], now)
                if quota is not None:
                    out[key] = quota
            return out

        return self._use(read, lambda state: state.quotas())

    def publish_quota(self, key: str, quota: DailyQuota) -> bool:
        """Store the latest view of one daily quota."""
        value = f"{quota.limit} {quota.remaining} {quota.reset!r}"
        return self._use(
            lambda: self._put(keys=[_QUOTAS], args=[key, value]) is not None,
            lambda state: state.publish_quota(key, quota),
        )

    def record_outcome(self, kind: str, model: str, outcome: str) -> bool:
        """Count one draft outcome for ``(kind, model)`` (``HINCRBY``: atomic)."""
        field = f"{kind}\t{model}\t{outcome}"
        return self._use(
            lambda: self._count(keys=[_LEARNING], args=[field]) is not None,
            lambda state: state.record_outcome(kind, model, outcome),
        )

    def outcomes(self) -> dict[tuple[str, str], Outcomes]:
        """Every ``(kind, model)``'s counted outcomes."""

        def read() -> dict[tuple[str, str], Outcomes]:
            counts: dict[tuple[str, str], list[int]] = {}
            for field, raw in self._hash(_LEARNING).items():
                kind, _, rest = field.partition("\t")
                model, _, outcome = rest.rpartition("\t")
                count = valid_count(_int(raw))
                if not kind or not model or outcome not in OUTCOMES or count is None:
                    continue
                counts.setdefault((kind, model), [0, 0, 0])[OUTCOMES.index(outcome)] = count
            return {key: Outcomes(*c) for key, c in counts.items()}

        return self._use(read, lambda state: state.outcomes())


def _text(value: Any) -> str | None:
    """A reply (bytes, or str from a decoding client) as text; None unless UTF-8."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return str(value)


def _number(value: Any) -> float | None:
    """A number stored as text, if it is a finite one of sane length."""
    text = _text(value)
    if text is None or len(text) > 40:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _int(value: Any) -> int | None:
    """A whole number stored as text, else None."""
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None
