"""A backing-off model's one probe slot belongs to exactly one request at a time.

A hedged request claims the slot before its attempt runs; if it released "the slot"
when it ended, rather than its own claim, it could free the slot another request
took meanwhile, and a third request would then probe the model at the same time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import cast

import httpx

from tests.llm.conftest import KIND, make_settings
from tests.support.fake_openai import SSE_HEADERS, sse_events
from tests.support.fake_time import FakeTime
from ttabot.config import ClientSettings
from ttabot.llm import Completion, RotatingClient
from ttabot.llm.schedule import Schedule
from ttabot.llm.targets import Target

PROMPT = [{"role": "user", "content": "Write a docstring."}]
Behaviour = Callable[[], Awaitable[httpx.Response]]


async def _chunks(items: list[bytes | float], time: FakeTime) -> AsyncIterator[bytes]:
    for item in items:
        if isinstance(item, float):
            await time.sleep(item)
        else:
            yield item


def test_a_hedge_ending_late_does_not_free_the_probe_slot_another_request_took(
    tmp_path: Path,
) -> None:
    time = FakeTime()
    in_flight = {"a": 0, "b": 0}
    most_at_once = {"a": 0, "b": 0}

    def streamed(content: str, pause: float = 0.0) -> Behaviour:
        async def behave() -> httpx.Response:
            events: list[bytes | float] = list(sse_events(content))
            events.insert(2, pause)  # the first token, then a long pause, then the rest
            return httpx.Response(200, headers=SSE_HEADERS, content=_chunks(events, time))

        return behave

    def failing(after: float) -> Behaviour:
        async def behave() -> httpx.Response:
            await time.sleep(after)
            return httpx.Response(500, json={"error": {"code": 500, "message": "upstream"}})

        return behave

    def late(content: str, after: float) -> Behaviour:
        async def behave() -> httpx.Response:
            await time.sleep(after)
            return await streamed(content)()

        return behave

    script: dict[str, list[Behaviour]] = {
        # 1: fails at once (a backs off); 2: silent 3 s, then fails (hedged to b after 2 s);
        # 3: the probe of a later request, answering slowly; then plain answers.
        "a": [failing(0.0), failing(3.0), streamed("slow from a", pause=15.0)],
        # 1: answers the first request; 2: the hedge, answering 10 s later.
        "b": [streamed("from b"), late("hedge from b", 10.0)],
    }

    async def handler(request: httpx.Request) -> httpx.Response:
        model = json.loads(request.content)["model"]
        queue = script[model]
        behave = queue.pop(0) if queue else streamed(f"from {model}")
        in_flight[model] += 1
        most_at_once[model] = max(most_at_once[model], in_flight[model])
        try:
            response = await behave()
        except BaseException:
            in_flight[model] -= 1
            raise

        async def body(chunks: httpx.AsyncByteStream) -> AsyncIterator[bytes]:
            try:  # in flight until the body has been sent or the client hung up
                async for chunk in chunks:
                    yield chunk
            finally:
                in_flight[model] -= 1

        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=body(cast(httpx.AsyncByteStream, response.stream)),
        )

    settings = make_settings(
        "http://fake.test/v1",
        tmp_path,
        ("a", "b"),
        attempt_timeout=60.0,
        deadline=300.0,
        first_token_timeout=30.0,
        idle_timeout=60.0,
        shared_state=False,
        backoff=(1.0, 1.0, 1.0),
    )

    async def main() -> list[Completion]:
        async with RotatingClient(
            settings,
            environ={"FAKE_API_KEY": "k"},
            transport=httpx.MockTransport(handler),
            clock=time.clock,
            sleep=time.sleep,
        ) as client:

            async def at(seconds: float) -> Completion:
                await time.sleep(seconds)
                return await client.complete(KIND, PROMPT)

            # t=0: a fails, b answers. t=2: a silent, hedged to b at 4 (answers at 14);
            # a fails at 5. t=8: a's probe (until 23). t=15: must not probe a as well.
            return list(await asyncio.gather(at(0.0), at(2.0), at(8.0), at(15.0)))

    results = asyncio.run(main())
    assert all(r.ok for r in results), [r.error for r in results]
    assert [r.model for r in results] == ["fake:b", "fake:b", "fake:a", "fake:b"]
    assert most_at_once["a"] == 1


def _target(ref: str = "p:a") -> Target:
    return Target(ref, "a", "http://x/v1/chat/completions", {}, None, True, None, False)


def test_only_the_claim_that_holds_the_slot_releases_it() -> None:
    from ttabot.llm.errors import FailureKind

    schedule = Schedule(ClientSettings(shared_state=False, backoff=(0.0,)), clock=lambda: 100.0)
    target = _target()
    assert schedule.claim_probe(target, 100.0) is None  # not backing off: no slot to take
    schedule.back_off(target, 100.0, FailureKind.SERVER_ERROR)
    first = schedule.claim_probe(target, 100.0)
    second = schedule.claim_probe(target, 100.0)  # another request took it since
    schedule.release_probe(first)
    assert schedule.ready_at(target, 100.0) > 100.0  # still held by the second
    schedule.release_probe(second)
    assert schedule.ready_at(target, 100.0) == 100.0


def test_an_answer_sent_before_the_last_failure_does_not_end_the_backoff(
    tmp_path: Path,
) -> None:
    # A model failing every other answer: of two requests sent together, one fails at 1 s
    # and the other answers at 1.5 s. That answer is no sign of recovery; a request at 2 s
    # must not go to the model still backing off (before: it cleared the backoff).
    time = FakeTime()
    a_replies = [(1.0, 500), (1.5, 200)]
    asked: list[tuple[str, float]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        model = json.loads(request.content)["model"]
        asked.append((model, time.elapsed))
        after, status = a_replies.pop(0) if model == "a" and a_replies else (0.0, 200)
        await time.sleep(after)
        if status != 200:
            return httpx.Response(status, json={"error": {"code": status, "message": "upstream"}})
        message = {"role": "assistant", "content": f"answer from {model}"}
        return httpx.Response(200, json={"choices": [{"message": message}]})

    settings = make_settings(
        "http://fake.test/v1",
        tmp_path,
        ("a", "b"),
        attempt_timeout=60.0,
        deadline=300.0,
        shared_state=False,
        hedge=False,
        backoff=(10.0, 20.0),
    )

    async def main() -> list[Completion]:
        async with RotatingClient(
            settings,
            environ={"FAKE_API_KEY": "k"},
            transport=httpx.MockTransport(handler),
            clock=time.clock,
            sleep=time.sleep,
        ) as client:

            async def at(seconds: float) -> Completion:
                await time.sleep(seconds)
                return await client.complete(KIND, PROMPT)

            return list(await asyncio.gather(at(0.0), at(0.0), at(2.0)))

    results = asyncio.run(main())
    assert all(r.ok for r in results)
    assert results[2].model == "fake:b"
    assert [at for model, at in asked if model == "a"] == [0.0, 0.0]
