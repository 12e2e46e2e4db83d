"""SSE framing as the WHATWG HTML standard's "event stream" parsing rules read it.

An event is the lines up to a blank line; its ``data:`` lines are joined with "\\n";
one space after the colon is dropped; ``:`` lines are comments; ``event:``, ``id:``,
``retry:`` and unknown fields carry no data; a line with no colon is a field with an
empty value; an event the stream never ended with a blank line is not dispatched.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.llm.conftest import KIND, make_settings
from tests.support.fake_openai import FakeOpenAI, streamed
from ttabot.config import Settings
from ttabot.llm import Completion, RotatingClient
from ttabot.llm.body import StreamAssembler

PROMPT = [{"role": "user", "content": "Write a docstring."}]
HI = json.dumps({"choices": [{"index": 0, "delta": {"content": "Hi"}}]})
STOP = json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
END = f"data: {STOP}\n\n"


def _halves(text: str) -> tuple[str, str]:
    """``text`` (one JSON object) cut after its first key, where a line break is allowed."""
    head, _, tail = text.partition(": ")
    return f"{head}:", tail


def _split(text: str) -> str:
    """``text`` (one JSON object) sent as two ``data:`` lines of one event."""
    head, tail = _halves(text)
    return f"data: {head}\ndata: {tail}\n\n"


def _read(stream: bytes) -> StreamAssembler:
    events = StreamAssembler()
    events.feed(stream)
    return events


def _content(events: StreamAssembler) -> str:
    return str(events.payload()["choices"][0]["message"]["content"])


@pytest.mark.parametrize(
    ("stream", "content"),
    [
        pytest.param(f"data: {HI}\n\n{END}", "Hi", id="one-line-event"),
        pytest.param(f"data:{HI}\n\n{END}", "Hi", id="no-space-after-colon"),
        pytest.param(_split(HI) + END, "Hi", id="two-data-lines-joined-with-LF"),
        pytest.param(
            'data: {\ndata: "choices": [{"delta": {"content": "Hi"}}]\ndata: }\n\n' + END,
            "Hi",
            id="three-data-lines",
        ),
        pytest.param(_split(HI).replace("\n", "\r\n") + END, "Hi", id="joined-with-CRLF-ends"),
        pytest.param(_split(HI).replace("\n", "\r") + END, "Hi", id="joined-with-CR-ends"),
        pytest.param(
            f": keep-alive\ndata: {_halves(HI)[0]}\n: ping\ndata: {_halves(HI)[1]}\n\n{END}",
            "Hi",
            id="comments-inside-an-event",
        ),
        pytest.param(
            f"event: message\nid: 7\nretry: 1000\ndata: {HI}\n\n{END}", "Hi", id="other-fields"
        ),
        pytest.param(
            f"data: {_halves(HI)[0]}\nevent: chunk\nid: 8\ndata: {_halves(HI)[1]}\n\n{END}",
            "Hi",
            id="fields-between-data-lines-do-not-split-the-event",
        ),
        pytest.param(f"dataX: junk\nDATA: junk\ndata: {HI}\n\n{END}", "Hi", id="unknown-fields"),
        pytest.param(f"\ufeffdata: {HI}\n\n{END}", "Hi", id="byte-order-mark-at-the-start"),
        pytest.param(f"data\n\n: only a comment\n\ndata: {HI}\n\n{END}", "Hi", id="empty-data"),
    ],
)
def test_events_are_framed_by_blank_lines(stream: str, content: str) -> None:
    events = _read(stream.encode())
    assert events.finished
    assert _content(events) == content


def test_data_without_a_colon_is_an_empty_line_of_the_event() -> None:
    # "data" alone appends an empty line: the JSON is still whole around it.
    events = _read(f"data: {_halves(HI)[0]}\ndata\ndata: {_halves(HI)[1]}\n\n{END}".encode())
    assert _content(events) == "Hi"


def test_only_one_space_after_the_colon_is_dropped() -> None:
    # The value keeps its own leading spaces; JSON does not mind them.
    events = _read(f"data:   {HI}\n\ndata:  [DONE]\n\n".encode())
    assert events.done and _content(events) == "Hi"


@pytest.mark.parametrize(
    "stream",
    [
        pytest.param(f"data: {HI}\n\ndata: {STOP}\n", id="last-event-without-blank-line"),
        pytest.param(f"data: {HI}\n\ndata: {STOP}", id="last-line-without-line-end"),
        pytest.param(f"data: {HI}\n\ndata: [DONE]\n", id="done-without-blank-line"),
        pytest.param(f"data: {HI}\n\n" + _split(STOP)[:-1], id="split-finish-cut-off"),
    ],
)
def test_an_event_the_stream_never_ended_is_not_dispatched(stream: str) -> None:
    # The standard discards an event left open when the stream ends: it may be any
    # prefix of what the server meant to send, so the answer is not finished.
    events = _read(stream.encode())
    assert not events.finished
    assert _content(events) == "Hi"


def test_a_stream_closed_inside_its_last_event_is_cut_off_over_loopback(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    # The finish_reason's event never ended: the reader must not end it for the server.
    fake.script("a", streamed(f"data: {HI}\n\n".encode(), f"data: {STOP}\n".encode()))
    result, client = _ask(make_settings(fake.base_url, tmp_path, ("a", "b")), environ)
    assert result.ok and result.model == "fake:b"
    assert client.metrics.models["fake:a"].failures == {"truncated_stream": 1}


def test_a_crlf_cut_between_chunks_does_not_end_the_event_early() -> None:
    # Fed a byte at a time, "\r" and "\n" of one line end arrive apart: the "\n" must
    # not read as a blank line that dispatches half of a two-line event.
    stream = (_split(HI) + END).replace("\n", "\r\n").encode()
    events = StreamAssembler()
    for i in range(len(stream)):
        events.feed(stream[i : i + 1])
    assert events.finished and _content(events) == "Hi"


@pytest.mark.parametrize(
    "stream",
    [
        pytest.param(f"data: {HI}\r\n\n{END}", id="CRLF-line-then-LF-blank-line"),
        pytest.param(f"data: {HI}\r\n\r\n{END}", id="CRLF-throughout"),
        pytest.param(f"data: {HI}\r\r{END}", id="CR-throughout"),
        pytest.param(f"data: {HI}\r\n\r{END}", id="CRLF-line-then-CR-blank-line"),
    ],
)
def test_where_the_chunks_are_cut_changes_nothing(stream: str) -> None:
    # The LF that pairs with a CR ending the previous chunk is one line end with it,
    # and only that LF: a second LF after it is a blank line that ends the event.
    data = stream.encode()
    for size in (1, 2, 3, len(data)):
        events = StreamAssembler()
        for i in range(0, len(data), size):
            events.feed(data[i : i + size])
        assert events.finished and _content(events) == "Hi", size


def test_progress_is_reported_when_an_event_ends() -> None:
    events = StreamAssembler()
    head, tail = _split(HI).split("\n", 1)
    assert events.feed(f"{head}\n".encode()) == ""  # half an event is no token yet
    assert events.feed(tail.encode()) == "token"


def test_an_event_left_open_stays_bounded_by_the_body_cap(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    # Data lines that never meet a blank line grow one event: the body cap still cuts it.
    line = b"data: " + b"y" * 60_000 + b"\n"
    fake.script("a", streamed(*([line] * 10_000)))
    settings = make_settings(fake.base_url, tmp_path, attempt_timeout=5.0, max_body=1024 * 1024)
    result, client = _ask(settings, environ)
    assert result.ok and result.model == "fake:b"
    assert client.metrics.models["fake:a"].failures == {"body_too_large": 1}


def test_an_event_sent_as_several_data_lines_is_an_answer_over_loopback(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    # Every chunk of this stream is one JSON object spread over several data: lines, as
    # the standard allows: before, each line was parsed as JSON of its own and the
    # answer was lost as malformed.
    chunks = [HI, json.dumps({"choices": [{"delta": {"content": " there"}}]}), STOP]
    fake.script("a", streamed(*[_split(chunk).encode() for chunk in chunks], b"data: [DONE]\n\n"))
    result, client = _ask(make_settings(fake.base_url, tmp_path, ("a",)), environ)
    assert result.ok and result.content == "Hi there"
    assert not client.metrics.models["fake:a"].failures


def _ask(settings: Settings, environ: dict[str, str]) -> tuple[Completion, RotatingClient]:
    async def main() -> tuple[Completion, RotatingClient]:
        async with RotatingClient(settings, environ=environ) as client:
            return await client.complete(KIND, PROMPT), client

    return asyncio.run(main())
