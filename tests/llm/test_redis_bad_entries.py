"""One bad entry in Redis costs that entry, not Redis for the rest of the run.

Anyone with access to the database can write into ``ttabot:`` keys: bytes that
are not UTF-8, a count that is not a number, a key of another type. Each is
ignored on reading and overwritten on writing; the good entries around it are
still read, and every later update still goes to Redis (a real redis-server).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from ttabot.llm.state import DailyQuota, Outcomes
from ttabot.llm.state_file import FileState


def _state(redis_url: str, tmp_path: Path, warnings: list[str]) -> Any:
    from ttabot.llm.state_redis import connect_redis

    return connect_redis(redis_url, FileState(tmp_path / "file"), warn=warnings.append)


def _raw(redis_url: str) -> Any:
    import redis

    return redis.Redis.from_url(redis_url)


def _still_on_redis(warnings: list[str], tmp_path: Path) -> None:
    assert not [w for w in warnings if "stopped answering" in w], warnings
    assert not (tmp_path / "file").exists()  # nothing went to the state file


def test_bytes_that_are_not_utf8_cost_only_their_entry(redis_url: str, tmp_path: Path) -> None:
    now = time.time()
    raw = _raw(redis_url)
    raw.hset("ttabot:cooldowns", mapping={b"bad\xff": b"1", "ok": now + 60, "v": b"\xff\xfe"})
    raw.hset("ttabot:quotas", mapping={"q": b"\xff 0 1", "good": f"50 3 {now + 600!r}"})
    raw.hset("ttabot:learning", mapping={b"k\tm\xff\taccepted": "2", "k\tm\trejected": "3"})
    warnings: list[str] = []
    state = _state(redis_url, tmp_path, warnings)
    assert list(state.cooldowns()) == ["ok"]
    assert state.quotas() == {"good": DailyQuota(50, 3, now + 600)}
    assert state.outcomes() == {("k", "m"): Outcomes(0, 3, 0)}
    assert state.publish_cooldown("later", now + 30)
    assert b"later" in raw.hgetall("ttabot:cooldowns")
    _still_on_redis(warnings, tmp_path)


@pytest.mark.parametrize("planted", ["many", "9223372036854775807", "1.5", b"\xff"])
def test_a_count_that_cannot_be_counted_on_is_started_over(
    redis_url: str, tmp_path: Path, planted: str | bytes
) -> None:
    raw = _raw(redis_url)
    raw.hset("ttabot:learning", mapping={"k\tm\taccepted": planted, "k\tn\taccepted": "4"})
    warnings: list[str] = []
    state = _state(redis_url, tmp_path, warnings)
    assert state.record_outcome("k", "m", "accepted")
    assert state.record_outcome("k", "n", "accepted")
    assert state.outcomes() == {("k", "m"): Outcomes(1, 0, 0), ("k", "n"): Outcomes(5, 0, 0)}
    _still_on_redis(warnings, tmp_path)


@pytest.mark.parametrize(
    "key", ["ttabot:cooldowns", "ttabot:quotas", "ttabot:learning", "ttabot:window:b"]
)
def test_a_key_of_another_type_is_ignored_and_replaced(
    redis_url: str, tmp_path: Path, key: str
) -> None:
    now = time.time()
    raw = _raw(redis_url)
    raw.set(key, "planted")
    warnings: list[str] = []
    state = _state(redis_url, tmp_path, warnings)
    assert state.cooldowns() == {}
    assert state.quotas() == {}
    assert state.outcomes() == {}
    assert state.publish_cooldown("m", now + 60)
    assert list(state.cooldowns()) == ["m"]
    quota = DailyQuota(50, 3, now + 600)
    assert state.publish_quota("q", quota) and state.quotas() == {"q": quota}
    assert state.record_outcome("k", "m", "accepted")
    assert state.outcomes() == {("k", "m"): Outcomes(1, 0, 0)}
    assert state.acquire("b", 1, 60.0) == 0.0
    assert state.acquire("b", 1, 60.0) > 0  # logged in Redis: the window is full
    _still_on_redis(warnings, tmp_path)
