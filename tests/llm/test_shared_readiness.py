"""The readiness check reads what other processes shared, and a send a late window stops."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx

from tests.llm.conftest import KIND, make_settings
from ttabot.llm import Completion, RotatingClient
from ttabot.llm.request import Request
from ttabot.llm.state_file import FileState


def _client(tmp_path: Path, calls: list[str], **options: object) -> RotatingClient:
    async def handler(request: httpx.Request) -> httpx.Response:
        model = json.loads(request.content)["model"]
        calls.append(model)
        message = {"role": "assistant", "content": f"answer from {model}"}
        return httpx.Response(200, json={"choices": [{"message": message}]})

    settings = make_settings("http://fake.test/v1", tmp_path, ("a", "b"), **options)
    return RotatingClient(
        settings, environ={"FAKE_API_KEY": "k"}, transport=httpx.MockTransport(handler)
    )


def test_probe_sees_a_cooldown_another_process_shared(tmp_path: Path) -> None:
    calls: list[str] = []
    client = _client(tmp_path, calls, hedge=False)
    target = client.target("fake:a")
    assert target is not None
    # Another process learned a 60 s window and shared it; this client never loaded it.
    other = FileState(tmp_path)
    assert other.publish_cooldown(target.state_key, time.time() + 60)

    async def main() -> Completion:
        async with client:
            return await client.probe("fake:a")

    result = asyncio.run(main())
    assert not result.ok and (result.error or "").startswith("cooling or paced")
    assert calls == []


def test_a_window_announced_after_the_pick_holds_the_send_back(tmp_path: Path) -> None:
    calls: list[str] = []
    client = _client(tmp_path, calls)
    target = client.target("fake:a")
    assert target is not None

    async def main() -> bool | Completion:
        async with client:
            now = time.time()
            run = Request([{"role": "user", "content": "hi"}], now, now + 5)
            # Picked while free; then another process announces a window before the send.
            FileState(tmp_path).publish_cooldown(target.state_key, now + 60)
            return await client._attempter.attempt(run, target, None, None)

    assert asyncio.run(main()) is False  # pick again: nothing was sent
    assert calls == []
    stats = client.metrics.models["fake:a"]
    assert (stats.sends_held_back, stats.requests) == (1, 0)
    assert client.metrics.as_dict()["sends_held_back"] == 1


def test_a_request_rotates_past_a_shared_window_and_counts_nothing_held_back(
    tmp_path: Path,
) -> None:
    calls: list[str] = []
    client = _client(tmp_path, calls)
    target = client.target("fake:a")
    assert target is not None
    FileState(tmp_path).publish_cooldown(target.state_key, time.time() + 60)

    async def main() -> Completion:
        async with client:
            return await client.complete(KIND, [{"role": "user", "content": "hi"}])

    result = asyncio.run(main())
    assert result.ok and result.model == "fake:b" and calls == ["b"]
    assert client.metrics.sends_held_back == 0  # the pick already saw it
