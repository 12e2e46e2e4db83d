"""Four processes, four cache folders, one Redis: together they stay under the server's rpm.

The server counts arrivals in a rolling window and answers 429 past its limit;
the window is shortened (``[client] rate-window``) so the test takes seconds,
not minutes. With separate folders and no Redis each process paces only itself, and the same load
draws 429s (the control case), so the shared limiter is what keeps them away.
"""

from __future__ import annotations

import asyncio
import collections
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.llm.conftest import KIND
from tests.support.fake_openai import FakeOpenAI, ok
from tests.support.loopback import Reply, Request, serve
from ttabot.config import Settings
from ttabot.llm import RotatingClient
from ttabot.llm.state_file import FileState

RPM = 20
WINDOW = 2.0  # seconds the server (and the clients' rate-window) count over
PROCESSES = 4
REQUESTS_EACH = 10

_WORKER = """
import asyncio, json, sys
from ttabot.config import ClientSettings, Provider, Settings, StateSettings
from ttabot.llm import RotatingClient
from ttabot.records import TaskKind

base_url, state_dir, url = sys.argv[1], sys.argv[2], sys.argv[3]
window, attempts = float(sys.argv[4]), int(sys.argv[5])
settings = Settings(
    providers={"fake": Provider(name="fake", base_url=base_url, rpm=RPM)},
    chains={TaskKind.DOCUMENTATION: ("fake:a",)},
    client=ClientSettings(
        attempt_timeout=10.0, deadline=60.0, backoff=(0.2,), max_attempts=attempts,
        state_dir=state_dir, rate_window=window, learn=False,
    ),
    state=StateSettings(url=url),
)

async def main():
    async with RotatingClient(settings, environ={}) as client:
        asks = [client.complete(TaskKind.DOCUMENTATION, [{"role": "user", "content": str(i)}])
                for i in range(EACH)]
        done = await asyncio.gather(*asks)
    print(json.dumps([c.ok for c in done]))

asyncio.run(main())
""".replace("RPM", str(RPM)).replace("EACH", str(REQUESTS_EACH))


class RateLimitedServer:
    """Answers 429 to any request past ``RPM`` arrivals in the last ``WINDOW`` seconds."""

    def __init__(self) -> None:
        self.arrivals: collections.deque[float] = collections.deque()
        self.statuses: collections.Counter[int] = collections.Counter()
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        now = time.time()
        with self._lock:
            while self.arrivals and self.arrivals[0] <= now - WINDOW:
                self.arrivals.popleft()
            self.arrivals.append(now)
            over = len(self.arrivals) > RPM
            self.statuses[429 if over else 200] += 1
        if over:
            return Reply(429, {"error": {"code": 429, "message": "Rate limit exceeded"}})
        return ok("fine")


@pytest.fixture
def server() -> Iterator[tuple[RateLimitedServer, str]]:
    handler = RateLimitedServer()
    with serve(handler) as running:
        yield handler, running.url + "/v1"


def run_workers(
    base_url: str, tmp_path: Path, url: str, attempts: int = 20, *, one_folder: bool = False
) -> list[bool]:
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WORKER,
                base_url,
                str(tmp_path / ("cache" if one_folder else f"cache{i}")),
                url,
                str(WINDOW),
                str(attempts),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[2],
        )
        for i in range(PROCESSES)
    ]
    results: list[bool] = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results += json.loads(out)
    return results


def test_four_processes_sharing_redis_see_no_429(
    server: tuple[RateLimitedServer, str], tmp_path: Path, redis_url: str
) -> None:
    handler, base_url = server
    results = run_workers(base_url, tmp_path, redis_url)
    assert results == [True] * PROCESSES * REQUESTS_EACH
    assert handler.statuses == {200: PROCESSES * REQUESTS_EACH}


def test_processes_sharing_one_cache_folder_see_no_429(
    server: tuple[RateLimitedServer, str], tmp_path: Path
) -> None:
    # Parallel pre-commit hooks on one machine: the state file's log is the shared limiter.
    handler, base_url = server
    results = run_workers(base_url, tmp_path, "", one_folder=True)
    assert results == [True] * PROCESSES * REQUESTS_EACH
    assert handler.statuses == {200: PROCESSES * REQUESTS_EACH}


def test_without_redis_the_same_load_draws_429s(
    server: tuple[RateLimitedServer, str], tmp_path: Path
) -> None:
    handler, base_url = server
    run_workers(base_url, tmp_path, "", attempts=1)  # one try each: the 429s are the point
    assert handler.statuses[429] > 0


def _paced(base_url: str, tmp_path: Path) -> tuple[Settings, str]:
    from tests.llm.conftest import make_settings

    settings = make_settings(base_url, tmp_path, chain=("a",), rate_window=1.0)
    provider = settings.providers["fake"]._replace(rpm=2.0)
    # The bucket key and window the schedule uses: URL and provider, window + 0.5 s margin.
    return settings._replace(providers={"fake": provider}), f"{base_url}/chat/completions fake"


def test_a_window_another_process_filled_is_waited_out(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    settings, bucket = _paced(fake.base_url, tmp_path)
    other = FileState(tmp_path)  # another process, as far as the client can tell
    # Taken before the entries are made: they leave the window no earlier than 1.5 s
    # after it, however long a loaded machine takes between the calls.
    filled = time.time()
    assert other.acquire(bucket, 2, 1.5) == other.acquire(bucket, 2, 1.5) == 0.0

    async def main() -> bool:
        async with RotatingClient(settings, environ=environ) as client:
            return (await client.complete(KIND, [{"role": "user", "content": "x"}])).ok

    assert asyncio.run(main())
    (call,) = fake.calls
    assert call.at >= filled + 1.5 - 0.01  # not before the other process's entries left


def test_a_probe_does_not_overrun_a_full_window(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    settings, bucket = _paced(fake.base_url, tmp_path)
    other = FileState(tmp_path)
    assert other.acquire(bucket, 2, 1.5) == other.acquire(bucket, 2, 1.5) == 0.0

    async def main() -> str | None:
        async with RotatingClient(settings, environ=environ) as client:
            return (await client.probe("fake:a", timeout=0.5)).error

    assert asyncio.run(main()) == "the provider's rate window is full"
    assert fake.calls == []
