"""The shared state's two backends behave alike, and neither trusts what it reads back."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.redis_server import free_port
from ttabot.config import ClientSettings, Settings, StateSettings
from ttabot.llm.state import DailyQuota, Outcomes, SharedState, open_state
from ttabot.llm.state_file import LEARNING_FILE, LIMITS_FILE, QUOTA_FILE, STATE_FILE, FileState

HOUR = 3600.0


@pytest.fixture(params=["file", "redis"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SharedState]:
    if request.param == "file":
        yield FileState(tmp_path)
        return
    from ttabot.llm.state_redis import connect_redis

    url = request.getfixturevalue("redis_url")
    yield connect_redis(url, FileState(tmp_path / "fallback"), warn=pytest.fail)


def test_cooldowns_keep_the_later_deadline(state: SharedState) -> None:
    now = time.time()
    assert state.publish_cooldown("m", now + 50)
    assert state.publish_cooldown("m", now + 10)
    assert state.publish_cooldown("gone", now - 1)
    assert state.cooldowns() == {"m": pytest.approx(now + 50)}


def test_the_limiter_never_lets_more_than_the_limit_into_a_rolling_window(
    state: SharedState,
) -> None:
    limit, window = 4, 0.4
    granted: list[tuple[float, float]] = []  # (before, after) the call that got a slot
    refusals = 0
    while len(granted) < 10:
        before = time.time()
        wait = state.acquire("bucket", limit, window)
        if wait == 0.0:
            granted.append((before, time.time()))
            continue
        refusals += 1
        assert 0 < wait <= window
        time.sleep(wait)
    assert refusals >= 2  # a burst of 10 does not get through at once
    for first, _ in granted:
        # Grants certainly inside one window starting at this one (never a false alarm
        # on a slow machine: each grant happened somewhere between before and after).
        assert sum(first <= after < first + window for _, after in granted) <= limit


def test_buckets_are_separate(state: SharedState) -> None:
    assert state.acquire("a", 1, 30.0) == 0.0
    assert state.acquire("a", 1, 30.0) > 0
    assert state.acquire("b", 1, 30.0) == 0.0


def test_quotas_and_outcomes_round_trip(state: SharedState) -> None:
    reset = time.time() + HOUR
    assert state.publish_quota("q", DailyQuota(50, 0, reset))
    quotas = state.quotas()
    assert list(quotas) == ["q"]
    assert quotas["q"][:2] == (50, 0) and quotas["q"].reset == pytest.approx(reset)
    for outcome in ("accepted", "rejected", "rejected", "no_answer"):
        assert state.record_outcome("unit-tests", "p:m:free", outcome)
    assert state.outcomes() == {("unit-tests", "p:m:free"): Outcomes(1, 2, 1)}


# --- hostile state files -------------------------------------------------------

HUGE = "9" * 400

#: Cooldown tables a broken or hostile writer could leave; only "ok" may survive.
HOSTILE_COOLDOWNS = [
    f'{{"cooldowns": {{"huge": {HUGE}, "ok": NOW}}}}',
    '{"cooldowns": {"inf": 1e400, "ninf": -1e400, "ok": NOW}}',
    '{"cooldowns": {"year": YEAR, "ok": NOW}}',
    '{"cooldowns": {"str": "NOW", "bool": true, "null": null, "list": [1], "ok": NOW}}',
    '{"cooldowns": {"nan": NaN, "ok": NOW}}',
]


@pytest.mark.parametrize("text", HOSTILE_COOLDOWNS)
def test_hostile_cooldown_values_are_ignored(tmp_path: Path, text: str) -> None:
    now = time.time()
    text = text.replace("YEAR", repr(now + 365 * 24 * HOUR)).replace("NOW", repr(now + 60))
    (tmp_path / STATE_FILE).write_text(text)
    state = FileState(tmp_path)
    assert state.cooldowns() == {"ok": pytest.approx(now + 60)}
    # and a write over it keeps only what is sane
    assert state.publish_cooldown("new", now + 5)
    saved = json.loads((tmp_path / STATE_FILE).read_text())["cooldowns"]
    assert set(saved) == {"ok", "new"}


UNREADABLE = [
    b"{not json",
    b"\xff\xfe garbage",
    b"[1, 2, 3]",
    b"[" * 100_000,
    b'"just a string"',
]


@pytest.mark.parametrize("content", UNREADABLE)
@pytest.mark.parametrize("name", [STATE_FILE, LIMITS_FILE, QUOTA_FILE, LEARNING_FILE])
def test_an_unreadable_state_file_is_ignored_with_one_warning(
    tmp_path: Path, name: str, content: bytes
) -> None:
    (tmp_path / name).write_bytes(content)
    warnings: list[str] = []
    state = FileState(tmp_path, warn=warnings.append)
    for _ in range(2):
        assert state.cooldowns() == {}
        assert state.quotas() == {}
        assert state.outcomes() == {}
    assert state.acquire("b", 2, 10.0) == 0.0  # the limits file is replaced
    assert len(warnings) == 1
    assert name in warnings[0] and "ignoring it" in warnings[0]


def test_an_oversized_state_file_is_not_read(tmp_path: Path) -> None:
    from ttabot.llm.state_file import MAX_FILE_BYTES

    now = time.time()
    padding = " " * MAX_FILE_BYTES
    (tmp_path / STATE_FILE).write_text(f'{{"cooldowns": {{"m": {now + 60}}}}}{padding}')
    warnings: list[str] = []
    assert FileState(tmp_path, warn=warnings.append).cooldowns() == {}
    assert len(warnings) == 1 and "over" in warnings[0]


def test_hostile_quota_and_learning_entries_are_ignored(tmp_path: Path) -> None:
    now = time.time()
    quotas = {
        "ok": [50, 3, now + HOUR],
        "huge": [int(HUGE), 0, now + HOUR],
        "year": [50, 0, now + 400 * 24 * HOUR],
        "more-left-than-limit": [5, 9, now + HOUR],
        "short": [50, 0],
        "negative": [-1, 0, now + HOUR],
    }
    (tmp_path / QUOTA_FILE).write_text(json.dumps({"quotas": quotas}))
    learning = {
        "k": {
            "ok": [1, 2, 3],
            "huge": [int(HUGE), 0, 0],
            "float": [1.5, 0, 0],
            "neg": [-1, 0, 0],
            "bool": [True, 0, 0],
        },
        "bad-kind": "x",
    }
    (tmp_path / LEARNING_FILE).write_text(json.dumps({"outcomes": learning}))
    state = FileState(tmp_path)
    assert list(state.quotas()) == ["ok"]
    assert state.outcomes() == {("k", "ok"): Outcomes(1, 2, 3)}
    assert state.record_outcome("k", "ok", "accepted")
    assert state.outcomes() == {("k", "ok"): Outcomes(2, 2, 3)}


def test_hostile_limiter_log_entries_do_not_block(tmp_path: Path) -> None:
    far = time.time() + 10 * HOUR  # "requests" logged in the future
    log = [far, far, HUGE, "x", None, 1e308]
    (tmp_path / LIMITS_FILE).write_text(json.dumps({"windows": {"b": log}}).replace('"9', "9"))
    assert FileState(tmp_path).acquire("b", 2, 60.0) == 0.0


def test_hostile_values_in_redis_are_ignored(redis_url: str, tmp_path: Path) -> None:
    import redis

    from ttabot.llm.state_redis import connect_redis

    raw = redis.Redis.from_url(redis_url)
    now = time.time()
    raw.hset(
        "ttabot:cooldowns",
        mapping={"huge": HUGE, "inf": "inf", "year": repr(now + 400 * 24 * HOUR), "ok": now + 60},
    )
    raw.hset("ttabot:quotas", mapping={"bad": "x y z", "huge": f"{HUGE} 0 {now + 60}"})
    raw.hset("ttabot:learning", mapping={"k\tm\taccepted": HUGE, "k\tm\trejected": "2"})
    state = connect_redis(redis_url, FileState(tmp_path), warn=pytest.fail)
    assert list(state.cooldowns()) == ["ok"]
    assert state.quotas() == {}
    assert state.outcomes() == {("k", "m"): Outcomes(0, 2, 0)}


def test_redis_dying_mid_run_hands_over_to_the_file_with_one_warning(tmp_path: Path) -> None:
    from tests.support.redis_server import redis_available, redis_server
    from ttabot.llm.state_redis import connect_redis

    if not redis_available():
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    warnings: list[str] = []
    now = time.time()
    with redis_server(tmp_path) as url:
        state = connect_redis(url, FileState(tmp_path / "file"), warnings.append, timeout=0.5)
        assert state.publish_cooldown("in-redis", now + 60)
        assert list(state.cooldowns()) == ["in-redis"]
    # The server is gone: the first call warns and hands over, later ones go to the file.
    assert state.publish_cooldown("in-file", now + 30)
    assert list(state.cooldowns()) == ["in-file"]
    assert state.acquire("b", 1, 10.0) == 0.0
    assert state.acquire("b", 1, 10.0) > 0
    assert len(warnings) == 1 and "stopped answering" in warnings[0]
    assert list(FileState(tmp_path / "file").cooldowns()) == ["in-file"]


# --- choosing the backend --------------------------------------------------------


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(
        client=ClientSettings(state_dir=str(tmp_path / "state")), state=StateSettings(url=url)
    )


def test_the_file_is_the_default(tmp_path: Path) -> None:
    assert isinstance(open_state(_settings(tmp_path, "")), FileState)


def test_redis_when_configured(tmp_path: Path, redis_url: str) -> None:
    from ttabot.llm.state_redis import RedisState

    assert isinstance(open_state(_settings(tmp_path, redis_url)), RedisState)


def test_unreachable_redis_falls_back_to_the_file_with_one_warning(tmp_path: Path) -> None:
    warnings: list[str] = []
    url = f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0"
    state = open_state(_settings(tmp_path, url), warn=warnings.append)
    assert isinstance(state, FileState)
    assert state.directory == tmp_path / "state"
    assert len(warnings) == 1
    assert "unreachable" in warnings[0] and "s3cret-pw" not in warnings[0]


def test_importing_the_client_does_not_import_redis(tmp_path: Path) -> None:
    script = (
        "import sys, ttabot.llm\n"
        "from ttabot.llm.client import RotatingClient\n"
        "from ttabot.config import Settings, ClientSettings\n"
        f"RotatingClient(Settings(client=ClientSettings(state_dir={str(tmp_path)!r})))\n"
        "print('redis' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ({"state": {"url": "http://127.0.0.1:6379"}}, "state.url: expected a redis://"),
        ({"state": {"url": 5}}, "state.url: expected a string"),
        ({"state": {"host": "x"}}, "unknown key 'state.host'"),
        ({"client": {"rate-window": 0}}, "client.rate-window: must be positive"),
        ({"client": {"learn": "no"}}, "client.learn: expected true or false"),
    ],
)
def test_state_settings_reject_what_they_cannot_mean(table: dict[str, Any], error: str) -> None:
    from ttabot.config import settings_from_table
    from ttabot.errors import TtabotError

    with pytest.raises(TtabotError, match=re.escape(error)):
        settings_from_table(table, "test")


def test_state_settings_are_read() -> None:
    from ttabot.config import settings_from_table

    table = {"state": {"url": "redis://cache:6379/2"}, "client": {"learn": False}}
    settings = settings_from_table(table, "test")
    assert settings.state.url == "redis://cache:6379/2"
    assert settings.client.learn is False


def test_bytes_that_are_not_utf8_in_redis_are_ignored(redis_url: str, tmp_path: Path) -> None:
    # The client decodes every reply as UTF-8: one value (or field) of other bytes,
    # written by any process sharing the database, raised UnicodeDecodeError out of
    # cooldowns() and stopped the run with a traceback.
    import redis

    from ttabot.llm.state_redis import connect_redis

    raw = redis.Redis.from_url(redis_url)
    now = time.time()
    raw.hset("ttabot:cooldowns", mapping={b"bad\xff": b"1", "ok": now + 60, "v": b"\xff\xfe"})
    raw.hset("ttabot:quotas", mapping={"q": b"\xff 0 1"})
    raw.hset("ttabot:learning", mapping={b"k\tm\xff\taccepted": "2"})
    warnings: list[str] = []
    state = connect_redis(redis_url, FileState(tmp_path), warn=warnings.append)
    state.cooldowns()
    state.quotas()
    state.outcomes()
    assert len(warnings) <= 1


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_a_state_file_that_is_no_regular_file_is_not_read(tmp_path: Path, kind: str) -> None:
    # The size check followed a link to /dev/zero (size 0) and read_text() then read
    # without end; a FIFO blocked forever. Another process (or a restored cache) can
    # leave either in the state folder.
    import os

    target = tmp_path / STATE_FILE
    if kind == "dev-zero":
        target.symlink_to("/dev/zero")
    else:
        os.mkfifo(target)
    warnings: list[str] = []
    state = FileState(tmp_path, warn=warnings.append)
    assert state.cooldowns() == {}
    assert len(warnings) == 1


@pytest.mark.parametrize("planted", [HUGE, "inf", "1e300", "nan", "YEAR"])
def test_a_planted_far_cooldown_in_redis_does_not_block_publishing(
    redis_url: str, tmp_path: Path, planted: str
) -> None:
    # The Lua merge compared against whatever the hash held: one entry a year (or
    # "inf") ahead, which every reader rightly ignores, made every later cooldown
    # for that model lose the "later deadline wins" test, so no process ever learned
    # it again (and the entry was never cleaned up).
    import redis

    from ttabot.llm.state_redis import connect_redis

    now = time.time()
    planted = planted.replace("YEAR", repr(now + 365 * 24 * HOUR))
    redis.Redis.from_url(redis_url).hset("ttabot:cooldowns", "m", planted)
    state = connect_redis(redis_url, FileState(tmp_path), warn=pytest.fail)
    assert state.publish_cooldown("m", now + 60)
    assert state.cooldowns() == {"m": pytest.approx(now + 60)}


def test_requests_logged_in_the_future_in_redis_do_not_block_the_limiter(
    redis_url: str, tmp_path: Path
) -> None:
    # Requests are logged on Redis's own clock, so none can be ahead of it; entries
    # planted hours ahead were counted in every window and the limiter refused every
    # request until they left it (the file backend already drops them).
    import redis

    from ttabot.llm.state_redis import connect_redis

    far = time.time() + 10 * HOUR
    redis.Redis.from_url(redis_url).zadd("ttabot:window:b", {"x": far, "y": far + 1})
    state = connect_redis(redis_url, FileState(tmp_path), warn=pytest.fail)
    assert state.acquire("b", 2, 60.0) == 0.0


def test_a_redis_hash_flooded_with_entries_is_not_read_whole(
    redis_url: str, tmp_path: Path
) -> None:
    # The file backend ignores a state file over 4 MiB; Redis hashes had no bound, so
    # a process sharing the database could plant a million fields and every request
    # (which reads the cooldowns and the learning table) fetched and parsed them all.
    # A flooded cooldown table is dropped by the next write, which then works again.
    import redis
    from redis.typing import EncodableT, FieldT

    from ttabot.llm.state_redis import MAX_ENTRIES, connect_redis

    raw = redis.Redis.from_url(redis_url)
    now = time.time()
    flood: dict[FieldT, EncodableT] = {f"f{i}": now + 60 for i in range(MAX_ENTRIES + 1)}
    raw.hset("ttabot:cooldowns", mapping=flood)
    raw.hset("ttabot:learning", mapping={f"k\tm{i}\taccepted": 1 for i in range(MAX_ENTRIES + 1)})
    warnings: list[str] = []
    state = connect_redis(redis_url, FileState(tmp_path), warn=warnings.append)
    assert state.cooldowns() == {}
    assert state.outcomes() == {}
    assert state.publish_cooldown("m", now + 30)
    assert state.cooldowns() == {"m": pytest.approx(now + 30)}
    assert len(warnings) == 2 and all("entries" in w for w in warnings)


def test_a_cooldown_written_within_the_same_mtime_tick_is_seen(tmp_path: Path) -> None:
    # The file's cooldowns were re-read only when its mtime changed; file systems
    # stamp in ticks (ext4: a few ms, some one or two seconds), so a cooldown another
    # process wrote in the tick of this one's last read stayed unseen, and a request
    # went out inside the window it announced.
    import os

    now = time.time()
    reader, writer = FileState(tmp_path), FileState(tmp_path)
    assert writer.publish_cooldown("first", now + 60)
    assert list(reader.cooldowns()) == ["first"]
    path = tmp_path / STATE_FILE
    before = path.stat()
    assert writer.publish_cooldown("second", now + 60)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # the same tick
    assert set(reader.cooldowns()) == {"first", "second"}
