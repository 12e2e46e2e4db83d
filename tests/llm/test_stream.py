"""Streaming, first-token and idle timeouts, and hedged requests, on virtual time.

Every test drives the client through ``httpx.MockTransport`` with an injected
clock and sleep (:class:`tests.support.fake_time.FakeTime`): a 30 s timeout is
reached without waiting, and what happened is read off the virtual clock.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.llm.conftest import KIND, make_settings
from tests.support.fake_openai import KEEPALIVE, SSE_HEADERS, sse_events
from tests.support.fake_time import FakeTime
from ttabot.config import Provider
from ttabot.llm import Completion, RotatingClient
from ttabot.llm.hedge import hedge_delay

PROMPT = [{"role": "user", "content": "Write a docstring."}]
Behaviour = Callable[[dict[str, Any]], Awaitable[httpx.Response]]


class Server:
    """A MockTransport handler: per model, an async behaviour; records (model, time, body)."""

    def __init__(self, time: FakeTime, **models: Behaviour) -> None:
        self.time = time
        self.models = models
        self.calls: list[tuple[str, float, dict[str, Any]]] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.calls.append((body["model"], self.time.elapsed, body))
        return await self.models[body["model"]](body)

    def asked(self, model: str) -> list[float]:
        return [at for name, at, _ in self.calls if name == model]


def answer(content: str) -> Behaviour:
    """A streamed answer of ``content``, sent at once."""

    async def behave(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, headers=SSE_HEADERS, content=_chunks(sse_events(content)))

    return behave


async def _chunks(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def hung(body: dict[str, Any]) -> httpx.Response:
    """Accept the request and send nothing, ever."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


def run(
    tmp_path: Path,
    time: FakeTime,
    server: Server,
    n: int = 1,
    chain: tuple[str, ...] = ("a", "b"),
    provider: Provider | None = None,
    **client: Any,
) -> tuple[list[Completion], RotatingClient]:
    options: dict[str, Any] = {
        "attempt_timeout": 60.0,
        "deadline": 300.0,
        "first_token_timeout": 30.0,
        "idle_timeout": 10.0,
        "shared_state": False,
        "backoff": (1.0, 2.0, 4.0),
        **client,
    }
    settings = make_settings("http://fake.test/v1", tmp_path, chain, **options)
    if provider is not None:
        settings = settings._replace(providers={"fake": provider})

    async def main() -> tuple[list[Completion], RotatingClient]:
        async with RotatingClient(
            settings,
            environ={"FAKE_API_KEY": "k"},
            transport=httpx.MockTransport(server),
            clock=time.clock,
            sleep=time.sleep,
        ) as rotating:
            results = await asyncio.gather(*(rotating.complete(KIND, PROMPT) for _ in range(n)))
        return list(results), rotating

    return asyncio.run(main())


# --- streaming ---------------------------------------------------------------


def test_a_streamed_answer_is_put_back_together(tmp_path: Path) -> None:
    time = FakeTime()
    server = Server(time, a=answer("Adds two numbers."))
    (result,), _ = run(tmp_path, time, server)
    assert result.ok and result.content == "Adds two numbers."
    assert (result.prompt_tokens, result.completion_tokens) == (7, 3)
    assert server.calls[0][2]["stream"] is True


def test_stream_false_sends_a_plain_request_and_reads_plain_json(tmp_path: Path) -> None:
    time = FakeTime()

    async def plain(body: dict[str, Any]) -> httpx.Response:
        message = {"role": "assistant", "content": "plain answer"}
        return httpx.Response(200, json={"choices": [{"message": message}]})

    server = Server(time, a=plain)
    provider = Provider(name="fake", base_url="http://fake.test/v1", stream=False)
    (result,), _ = run(tmp_path, time, server, chain=("a",), provider=provider)
    assert result.ok and result.content == "plain answer"
    assert "stream" not in server.calls[0][2]


def test_a_model_that_sends_nothing_ends_at_the_first_token_timeout(tmp_path: Path) -> None:
    time = FakeTime()
    server = Server(time, a=hung)
    (result,), client = run(tmp_path, time, server, chain=("a",), deadline=30.5)
    assert not result.ok
    assert client.metrics.models["fake:a"].failures == {"first_token_timeout": 1}
    # Ended after 30 virtual seconds, not the 60 s attempt timeout.
    assert time.elapsed == pytest.approx(30.0)


def test_keepalive_comments_are_not_a_first_token(tmp_path: Path) -> None:
    time = FakeTime()

    async def keepalives(body: dict[str, Any]) -> httpx.Response:
        async def chunks() -> AsyncIterator[bytes]:
            while True:
                yield KEEPALIVE
                await time.sleep(5.0)

        return httpx.Response(200, headers=SSE_HEADERS, content=chunks())

    server = Server(time, a=keepalives)
    (result,), client = run(tmp_path, time, server, chain=("a",), deadline=30.5)
    assert not result.ok
    assert client.metrics.models["fake:a"].failures == {"first_token_timeout": 1}
    assert time.elapsed == pytest.approx(30.0)


def test_a_stream_that_stops_mid_answer_ends_at_the_idle_timeout(tmp_path: Path) -> None:
    time = FakeTime()

    async def stalls(body: dict[str, Any]) -> httpx.Response:
        async def chunks() -> AsyncIterator[bytes]:
            yield sse_events("half an answer")[1]
            while True:
                yield KEEPALIVE  # alive, but no progress
                await time.sleep(2.0)

        return httpx.Response(200, headers=SSE_HEADERS, content=chunks())

    server = Server(time, a=stalls)
    (result,), client = run(tmp_path, time, server, chain=("a",), deadline=10.5)
    assert not result.ok
    assert client.metrics.models["fake:a"].failures == {"idle_timeout": 1}
    assert time.elapsed == pytest.approx(10.0)


def test_an_error_event_inside_a_stream_is_an_error_in_200(tmp_path: Path) -> None:
    time = FakeTime()

    async def errs(body: dict[str, Any]) -> httpx.Response:
        error = b'data: {"error": {"code": 502, "message": "Provider returned error"}}\n\n'
        return httpx.Response(200, headers=SSE_HEADERS, content=_chunks([error]))

    server = Server(time, a=errs, b=answer("from b"))
    (result,), client = run(tmp_path, time, server)
    assert result.ok and result.model == "fake:b"
    assert client.metrics.models["fake:a"].failures == {"error_in_200": 1}


# --- hedging -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("observed", "delay"),
    [([], 2.0), ([0.1, 0.2, 0.3], 2.0), ([1.0] * 8 + [2.0] * 2, 6.0), ([4.0, 9.0], 15.0)],
)
def test_hedge_delay_is_three_p90s_between_2_and_15_seconds(
    observed: list[float], delay: float
) -> None:
    assert hedge_delay(observed) == pytest.approx(delay)


def test_a_hung_primary_is_hedged_to_the_next_model_after_the_delay(tmp_path: Path) -> None:
    time = FakeTime()
    server = Server(time, a=hung, b=answer("from b"))
    (result,), client = run(tmp_path, time, server)
    assert result.ok and result.model == "fake:b" and result.content == "from b"
    assert server.asked("b") == [pytest.approx(2.0)]  # the minimum hedge delay
    assert result.latency == pytest.approx(2.0)
    assert (client.metrics.hedges_sent, client.metrics.hedges_won) == (1, 1)
    assert client.metrics.models["fake:a"].failures == {"first_token_timeout": 1}


def test_after_losing_a_hedge_the_hung_model_is_backed_off(tmp_path: Path) -> None:
    time = FakeTime()
    server = Server(time, a=hung, b=answer("from b"))
    results, client = run(tmp_path, time, server, n=9)
    assert all(r.ok and r.model == "fake:b" for r in results)
    # All nine were sent together: each hedged once; the hung model was never asked again.
    assert len(server.asked("a")) == 9 and client.metrics.hedges_won == 9
    assert max(r.latency for r in results) == pytest.approx(2.0)


def test_a_primary_that_started_answering_is_not_hedged(tmp_path: Path) -> None:
    time = FakeTime()

    async def slow_but_alive(body: dict[str, Any]) -> httpx.Response:
        async def chunks() -> AsyncIterator[bytes]:
            events = sse_events("slow answer")
            yield events[1]  # first token at once
            await time.sleep(8.0)  # then slow, but within the idle timeout
            for event in events[2:]:
                yield event

        return httpx.Response(200, headers=SSE_HEADERS, content=chunks())

    server = Server(time, a=slow_but_alive, b=answer("from b"))
    (result,), client = run(tmp_path, time, server)
    assert result.ok and result.model == "fake:a"
    assert server.asked("b") == [] and client.metrics.hedges_sent == 0


def test_the_hedge_delay_follows_the_models_observed_first_token_time(tmp_path: Path) -> None:
    time = FakeTime()
    first = [True]

    async def usually_slow(body: dict[str, Any]) -> httpx.Response:
        if first.pop() if first else False:
            await time.sleep(1.5)  # first answer: first token after 1.5 s
            return await answer("from a")(body)
        return await hung(body)

    server = Server(time, a=usually_slow, b=answer("from b"))

    async def main() -> list[Completion]:
        settings = make_settings(
            "http://fake.test/v1",
            tmp_path,
            ("a", "b"),
            attempt_timeout=60.0,
            deadline=300.0,
            first_token_timeout=30.0,
            shared_state=False,
        )
        async with RotatingClient(
            settings,
            environ={"FAKE_API_KEY": "k"},
            transport=httpx.MockTransport(server),
            clock=time.clock,
            sleep=time.sleep,
        ) as client:
            one = await client.complete(KIND, PROMPT)
            two = await client.complete(KIND, PROMPT)
        return [one, two]

    one, two = asyncio.run(main())
    assert one.model == "fake:a" and two.model == "fake:b"
    # Observed p90 of 1.5 s: the second request waited 4.5 s before asking b.
    assert server.asked("b")[0] - server.asked("a")[1] == pytest.approx(4.5)


def test_hedges_stay_within_the_pacing_budget(tmp_path: Path) -> None:
    time = FakeTime()
    server = Server(time, a=hung, b=answer("from b"))
    paced = Provider(name="fake", base_url="http://fake.test/v1", api_key_env="FAKE_API_KEY", rpm=6)
    (result,), client = run(tmp_path, time, server, provider=paced)
    assert result.ok and result.model == "fake:b"
    # 6 a minute across the provider: b's slot opens 10 s after a's, not at the 2 s hedge delay.
    assert server.asked("b") == [pytest.approx(10.0)]
    assert client.metrics.hedges_sent == 1


def test_hedging_can_be_turned_off(tmp_path: Path) -> None:
    time = FakeTime()
    server = Server(time, a=hung, b=answer("from b"))
    (result,), client = run(tmp_path, time, server, hedge=False)
    assert result.ok and result.model == "fake:b"
    assert server.asked("b") == [pytest.approx(30.0)]  # only after a's first-token timeout
    assert client.metrics.hedges_sent == 0


def test_a_hedge_loser_cools_at_least_as_long_as_it_stayed_silent(tmp_path: Path) -> None:
    time = FakeTime()
    server = Server(time, a=hung, b=answer("from b"))
    settings = make_settings(
        "http://fake.test/v1",
        tmp_path,
        ("a", "b"),
        attempt_timeout=60.0,
        deadline=20.0,
        shared_state=False,
        backoff=(0.1, 0.2),
    )

    async def main() -> tuple[list[Completion], RotatingClient]:
        async with RotatingClient(
            settings,
            environ={"FAKE_API_KEY": "k"},
            transport=httpx.MockTransport(server),
            clock=time.clock,
            sleep=time.sleep,
        ) as client:
            gate = asyncio.Semaphore(3)

            async def one() -> Completion:
                async with gate:
                    return await client.complete(KIND, PROMPT)

            first = await asyncio.gather(*(one() for _ in range(9)))
            await time.sleep(1.5)  # past the 0.1 s backoff, not past the 2 s of silence
            return [*first, await client.complete(KIND, PROMPT)], client

    results, client = asyncio.run(main())
    assert all(r.ok and r.model == "fake:b" and r.latency <= 20.0 for r in results)
    assert len(server.asked("a")) == 3  # the first wave only; never probed again
    assert (client.metrics.hedges_sent, client.metrics.hedges_won) == (3, 3)


def test_a_model_that_failed_gets_one_request_at_a_time_until_it_answers_twice(
    tmp_path: Path,
) -> None:
    time = FakeTime()
    answers = iter(["error"])

    async def flaky(body: dict[str, Any]) -> httpx.Response:
        await time.sleep(0.5)  # the model works for a while, then answers
        if next(answers, "ok") == "error":
            return httpx.Response(200, json={"error": {"code": 502, "message": "upstream"}})
        return await answer("from a")(body)

    server = Server(time, a=flaky, b=answer("from b"))
    settings = make_settings(
        "http://fake.test/v1",
        tmp_path,
        ("a", "b"),
        shared_state=False,
        backoff=(0.1,),
        hedge=False,
        attempt_timeout=60.0,
    )

    async def main() -> list[int]:
        async with RotatingClient(
            settings,
            environ={"FAKE_API_KEY": "k"},
            transport=httpx.MockTransport(server),
            clock=time.clock,
            sleep=time.sleep,
        ) as client:
            by_a = []
            for size in (1, 3, 3, 3):
                await time.sleep(1.0)  # past any backoff
                wave = await asyncio.gather(*(client.complete(KIND, PROMPT) for _ in range(size)))
                by_a.append(sum(r.model == "fake:a" for r in wave))
            return by_a

    # The error; one probe that answers; one more (still on probation); then trusted again.
    assert asyncio.run(main()) == [0, 1, 1, 3]


def test_when_the_hedge_fails_too_the_request_moves_on_instead_of_waiting(tmp_path: Path) -> None:
    time = FakeTime()

    async def limited(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "60"}, json={"error": "slow down"})

    server = Server(time, a=hung, b=limited, c=answer("from c"))
    (result,), client = run(tmp_path, time, server, chain=("a", "b", "c"))
    assert result.ok and result.model == "fake:c"
    assert server.asked("c") == [pytest.approx(2.0)]  # not after a's 30 s first-token timeout
    assert client.metrics.models["fake:a"].failures == {"first_token_timeout": 1}


# --- attempt timeouts and probes (moved here from real-time tests) ------------------


def _client(tmp_path: Path, time: FakeTime, server: Server, **options: Any) -> RotatingClient:
    settings = make_settings("http://fake.test/v1", tmp_path, ("a", "b"), **options)
    return RotatingClient(
        settings,
        environ={"FAKE_API_KEY": "k"},
        transport=httpx.MockTransport(server),
        clock=time.clock,
        sleep=time.sleep,
    )


def test_hung_model_times_out_and_the_chain_answers(tmp_path: Path) -> None:
    time = FakeTime()
    server = Server(time, a=hung, b=answer("from b"))
    (result,), client = run(tmp_path, time, server, attempt_timeout=0.4)
    assert result.ok and result.model == "fake:b"
    assert client.metrics.models["fake:a"].failures == {"timeout": 1}
    assert server.asked("b") == [pytest.approx(0.4)]


def test_a_hung_model_is_left_alone_for_at_least_one_attempt_timeout(tmp_path: Path) -> None:
    time = FakeTime()
    calls = iter([hung])

    async def hangs_once(body: dict[str, Any]) -> httpx.Response:
        return await next(calls, answer("from a"))(body)

    server = Server(time, a=hangs_once, b=answer("from b"))

    async def main() -> list[str | None]:
        async with _client(
            tmp_path, time, server, attempt_timeout=0.5, backoff=(0.05,), shared_state=False
        ) as client:
            results = [await client.complete(KIND, PROMPT)]
            for _ in range(3):  # past the backoff step, within the attempt timeout
                await time.sleep(0.1)
                results.append(await client.complete(KIND, PROMPT))
            await time.sleep(0.3)
            results.append(await client.complete(KIND, PROMPT))
            return [r.model for r in results]

    assert asyncio.run(main()) == ["fake:b"] * 4 + ["fake:a"]
    assert len(server.asked("a")) == 2  # the timeout, then the retry once it had cooled


def test_a_recovering_model_gets_one_probe_not_the_whole_wave(tmp_path: Path) -> None:
    time = FakeTime()
    server = Server(time, a=hung, b=answer("from b"))

    async def main() -> list[Completion]:
        async with _client(
            tmp_path, time, server, attempt_timeout=0.3, shared_state=False
        ) as client:
            first = await client.complete(KIND, PROMPT)
            await time.sleep(0.35)  # a's cooldown is over: it may be tried again
            wave = await asyncio.gather(*(client.complete(KIND, PROMPT) for _ in range(4)))
            return [first, *wave]

    results = asyncio.run(main())
    assert all(r.ok and r.model == "fake:b" for r in results)
    assert len(server.asked("a")) == 2  # the first timeout, then a single probe


@pytest.mark.parametrize(
    ("chunks", "kind"),
    [
        ([b"data: {not json\n\n"], "malformed_response"),
        ([b"data: " + b"[" * 100_000 + b"\n\n"], "malformed_response"),
        ([KEEPALIVE, b"event: ping\n\n"], "malformed_response"),  # ended without any data
        (
            [b'data: {"choices": [{"delta": {"content": "   "}}]}\n\n', b"data: [DONE]\n\n"],
            "empty_content",
        ),
    ],
)
def test_hostile_streams_are_transient_failures_with_a_reason(
    tmp_path: Path, chunks: list[bytes], kind: str
) -> None:
    time = FakeTime()

    async def hostile(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, headers=SSE_HEADERS, content=_chunks(chunks))

    server = Server(time, a=hostile, b=answer("from b"))
    (result,), client = run(tmp_path, time, server)
    assert result.ok and result.model == "fake:b"
    assert client.metrics.models["fake:a"].failures == {kind: 1}


@pytest.mark.parametrize(
    "announced",
    [
        {"Retry-After": "0"},
        {"Retry-After": "Thu, 01 Jan 2015 00:00:00 GMT"},
        {"X-RateLimit-Reset": "1400000000000"},  # epoch ms, long past (a skewed clock)
    ],
)
def test_a_cooldown_announced_in_the_past_still_moves_the_request_on(
    tmp_path: Path, announced: dict[str, str]
) -> None:
    # A 429 whose announced end has already passed cooled nothing and set no backoff,
    # so the failed model stayed the chain's first free one: the request asked it
    # again at once until max_attempts ran out, and the free second model was never tried.
    time = FakeTime()

    async def limited(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(429, headers=announced, json={"error": {"message": "slow down"}})

    server = Server(time, a=limited, b=answer("from b"))
    (result,), _ = run(tmp_path, time, server)
    assert result.ok and result.model == "fake:b"
    assert len(server.asked("a")) == 1


@pytest.mark.parametrize("streamed", [True, False])
def test_a_model_trickling_forever_is_cut_at_the_attempt_timeout(
    tmp_path: Path, streamed: bool
) -> None:
    # Held: each piece is progress, so neither the first-token nor the idle timeout
    # fires; the whole attempt is still bounded (a token, or a byte of a plain JSON
    # body, every 5 s would otherwise hold the request for ever).
    time = FakeTime()

    async def trickles(body: dict[str, Any]) -> httpx.Response:
        async def chunks() -> AsyncIterator[bytes]:
            if not streamed:
                yield b'{"choices": [{"message": {"content": "'
            while True:
                piece = b'data: {"choices": [{"delta": {"content": "x"}}]}\n\n'
                yield piece if streamed else b"x"
                await time.sleep(5.0)

        headers = SSE_HEADERS if streamed else {"Content-Type": "application/json"}
        return httpx.Response(200, headers=headers, content=chunks())

    server = Server(time, a=trickles, b=answer("from b"))
    (result,), client = run(tmp_path, time, server, hedge=False)  # no hedge to end it
    assert result.ok and result.model == "fake:b"
    assert client.metrics.models["fake:a"].failures == {"timeout": 1}
    assert server.asked("b") == [pytest.approx(60.0)]
