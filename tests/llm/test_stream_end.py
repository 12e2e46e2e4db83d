"""How a stream ends: a cut-off stream is no answer, and the usage chunk is asked for and read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx
import pytest

from tests.llm.conftest import KIND, make_settings
from tests.support.fake_openai import SSE_HEADERS, FakeOpenAI, ok, sse_events
from tests.support.fake_time import FakeTime
from ttabot.llm import Completion, RotatingClient
from ttabot.llm.body import StreamAssembler

PROMPT = [{"role": "user", "content": "Write a docstring."}]


def _event(chunk: Mapping[str, object]) -> bytes:
    return f"data: {json.dumps(chunk)}\n\n".encode()


CONTENT = [
    _event({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}),
    _event({"choices": [{"index": 0, "delta": {"content": "Adds two "}}]}),
    _event({"choices": [{"index": 0, "delta": {"content": "numbers."}}]}),
]
FINISH = _event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})


def _ask(tmp_path: Path, streams: dict[str, list[bytes]]) -> tuple[Completion, RotatingClient]:
    """One request over a MockTransport where model ``m`` streams ``streams[m]`` and closes."""
    time = FakeTime()

    async def chunks(items: list[bytes]) -> AsyncIterator[bytes]:
        for item in items:
            yield item

    async def handler(request: httpx.Request) -> httpx.Response:
        model = json.loads(request.content)["model"]
        return httpx.Response(200, headers=SSE_HEADERS, content=chunks(streams[model]))

    settings = make_settings(
        "http://fake.test/v1", tmp_path, tuple(streams), shared_state=False, hedge=False
    )

    async def main() -> tuple[Completion, RotatingClient]:
        async with RotatingClient(
            settings,
            environ={"FAKE_API_KEY": "k"},
            transport=httpx.MockTransport(handler),
            clock=time.clock,
            sleep=time.sleep,
        ) as client:
            return await client.complete(KIND, PROMPT), client

    return asyncio.run(main())


def test_a_stream_closed_mid_answer_is_a_transient_failure(tmp_path: Path) -> None:
    # Two content chunks, then the connection closes: no finish_reason, no [DONE].
    result, client = _ask(tmp_path, {"a": CONTENT, "b": sse_events("from b")})
    assert result.ok and result.content == "from b"
    assert client.metrics.models["fake:a"].failures == {"truncated_stream": 1}


def test_a_lone_truncated_stream_is_no_answer(tmp_path: Path) -> None:
    result, _ = _ask(tmp_path, {"a": CONTENT})
    assert not result.ok
    assert "stream ended before data: [DONE] or a finish_reason" in (result.error or "")


def test_a_finish_reason_without_done_is_a_complete_answer(tmp_path: Path) -> None:
    # Some servers close right after the last choice instead of sending [DONE].
    result, client = _ask(tmp_path, {"a": [*CONTENT, FINISH], "b": sse_events("from b")})
    assert result.ok and result.model == "fake:a" and result.content == "Adds two numbers."
    assert not client.metrics.models["fake:a"].failures


@pytest.mark.parametrize(
    ("chunks", "finished"),
    [
        (CONTENT, False),
        ([*CONTENT, FINISH], True),
        ([*CONTENT, b"data: [DONE]\n\n"], True),
        ([_event({"error": {"code": 502, "message": "upstream"}})], True),
        # A usage chunk (no choices) is no finish on its own.
        ([*CONTENT, _event({"choices": [], "usage": {"prompt_tokens": 1}})], False),
    ],
)
def test_the_assembler_tells_a_finished_stream(chunks: list[bytes], finished: bool) -> None:
    events = StreamAssembler()
    for chunk in chunks:
        events.feed(chunk)
    assert events.finished is finished


def test_streamed_requests_ask_for_usage_and_report_the_tokens(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    # The fake, like OpenAI, streams token usage only when stream_options asks for it.
    fake.stream = True
    fake.script("a", ok("streamed answer", prompt_tokens=11, completion_tokens=4))
    settings = make_settings(fake.base_url, tmp_path, ("a",), shared_state=False)

    async def main() -> tuple[Completion, RotatingClient]:
        async with RotatingClient(settings, environ=environ) as client:
            return await client.complete(KIND, PROMPT), client

    result, client = asyncio.run(main())
    assert result.ok and result.content == "streamed answer"
    assert fake.calls[0].body["stream_options"] == {"include_usage": True}
    assert (result.prompt_tokens, result.completion_tokens) == (11, 4)
    assert client.metrics.models["fake:a"].prompt_tokens == 11


def test_a_plain_request_sends_no_stream_options(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    from ttabot.config import Provider

    settings = make_settings(fake.base_url, tmp_path, ("a",), shared_state=False)
    plain = Provider(name="fake", base_url=fake.base_url, api_key_env="FAKE_API_KEY", stream=False)
    settings = settings._replace(providers={"fake": plain})

    async def main() -> Completion:
        async with RotatingClient(settings, environ=environ) as client:
            return await client.complete(KIND, PROMPT)

    assert asyncio.run(main()).ok
    assert "stream" not in fake.calls[0].body and "stream_options" not in fake.calls[0].body


def test_events_split_at_every_byte_assemble_as_one() -> None:
    # A provider may trickle its stream a byte at a time (\r\n line ends too).
    text = "x" * 5_000
    stream = _event({"choices": [{"delta": {"content": text}}]}).replace(b"\n", b"\r\n") + FINISH
    events = StreamAssembler()
    brought = [events.feed(stream[i : i + 1]) for i in range(len(stream))]
    assert brought.count("token") == 1
    assert events.finished
    assert events.payload()["choices"][0]["message"]["content"] == text


def test_a_stream_whose_lines_end_in_a_bare_carriage_return_is_read(tmp_path: Path) -> None:
    # SSE lets a line end in CR, LF or CRLF. Split on LF only, a CR-only stream was one
    # endless line: no first token (the hedge and the first-token timeout saw a silent
    # model) and, at the end, "not JSON": every answer of such a server was lost.
    stream = [chunk.replace(b"\n", b"\r") for chunk in [*CONTENT, FINISH]]
    result, _ = _ask(tmp_path, {"a": stream})
    assert result.ok and result.content == "Adds two numbers."
    events = StreamAssembler()
    assert events.feed(stream[1]) == "token"


def test_a_character_split_between_chunks_arrives_whole() -> None:
    # Held, pinned: chunks end anywhere, inside a UTF-8 sequence too; lines are decoded
    # only once whole, so nothing is replaced or rejected as invalid UTF-8.
    text = "é ✓ 🙂 中文"
    chunk = json.dumps({"choices": [{"delta": {"content": text}}]}, ensure_ascii=False)
    stream = f"data: {chunk}\n\n".encode() + FINISH
    assert "é".encode() in stream  # raw UTF-8, not \u escapes
    events = StreamAssembler()
    for i in range(len(stream)):
        events.feed(stream[i : i + 1])
    assert events.finished
    assert events.payload()["choices"][0]["message"]["content"] == text


def test_streamed_content_sent_as_parts_is_a_token() -> None:
    events = StreamAssembler()
    part = {"choices": [{"delta": {"content": [{"type": "text", "text": "Hi"}]}}]}
    assert events.feed(_event(part)) == "token"
    events.feed(FINISH)
    assert events.payload()["choices"][0]["message"]["content"] == "Hi"
