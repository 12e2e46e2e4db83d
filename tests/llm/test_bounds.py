"""Everything a provider sends is bounded: body size (also decompressed), JSON depth,
and the cooldowns its headers announce. Hostile bodies come from a real loopback server."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.llm.conftest import KIND, make_settings
from tests.support.fake_openai import FakeOpenAI, ok, rate_limited, streamed
from tests.support.loopback import Reply
from ttabot.config import Settings
from ttabot.llm import Completion, RotatingClient
from ttabot.llm.body import BodyTooLarge, BoundedDecoder, StreamAssembler
from ttabot.llm.cooldown import MAX_COOLDOWN
from ttabot.llm.structured import JSONTooDeepError, extract_json, loads_bounded

PROMPT = [{"role": "user", "content": "Write a docstring."}]
MIB = 1024 * 1024
JSON_HEADERS = {"Content-Type": "application/json"}


def ask(
    settings: Settings, environ: dict[str, str], **kwargs: Any
) -> tuple[Completion, RotatingClient]:
    async def main() -> tuple[Completion, RotatingClient]:
        async with RotatingClient(settings, environ=environ) as client:
            return await client.complete(KIND, PROMPT, **kwargs), client

    return asyncio.run(main())


def endless(block: bytes, count: int) -> Iterator[bytes]:
    for _ in range(count):
        yield block


def gzip_bomb(expanded_mib: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MIB)
    return b"".join(packer.compress(zeros) for _ in range(expanded_mib)) + packer.flush()


def test_a_huge_body_is_cut_off_at_the_cap_while_reading(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", Reply(200, b"", JSON_HEADERS, chunks=endless(b"x" * MIB, 900)))
    result, client = ask(make_settings(fake.base_url, tmp_path, attempt_timeout=5.0), environ)
    assert result.ok and result.model == "fake:b"
    assert client.metrics.models["fake:a"].failures == {"body_too_large": 1}
    # The client hung up: the server could not write much past the 8 MiB cap.
    assert fake._server.streamed < 100 * MIB


def test_a_gzip_bomb_is_cut_off_after_decompression(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    bomb = gzip_bomb(64)  # ~64 KB on the wire, 64 MiB inflated
    assert len(bomb) < MIB
    fake.script("a", Reply(200, bomb, {**JSON_HEADERS, "Content-Encoding": "gzip"}))
    settings = make_settings(fake.base_url, tmp_path, attempt_timeout=5.0, max_body=MIB)
    result, client = ask(settings, environ)
    assert result.ok and result.model == "fake:b"
    assert client.metrics.models["fake:a"].failures == {"body_too_large": 1}


def test_a_compressed_answer_within_the_cap_is_read(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    body = json.dumps(ok("zipped answer").body).encode()
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zipped = packer.compress(body) + packer.flush()
    fake.script("a", Reply(200, zipped, {**JSON_HEADERS, "Content-Encoding": "gzip"}))
    result, _ = ask(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.content == "zipped answer"
    assert "gzip" in fake.calls[0].headers["accept-encoding"]


def test_a_streamed_answer_past_the_cap_is_cut_off(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    event = b'data: {"choices": [{"delta": {"content": "' + b"y" * 60000 + b'"}}]}\n\n'
    fake.script("a", streamed(*endless(event, 10_000)))
    settings = make_settings(fake.base_url, tmp_path, attempt_timeout=5.0, max_body=MIB)
    result, client = ask(settings, environ)
    assert result.ok and result.model == "fake:b"
    assert client.metrics.models["fake:a"].failures == {"body_too_large": 1}


def test_deeply_nested_json_in_a_body_is_a_transient_failure_with_a_reason(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", Reply(200, b"[" * 100_000 + b"]" * 100_000, JSON_HEADERS))
    result, client = ask(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.model == "fake:b"
    assert client.metrics.models["fake:a"].failures == {"malformed_response": 1}


def test_deeply_nested_json_in_an_answer_is_invalid_output_not_a_crash(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    deep = '{"a": ' * 100_000 + "1" + "}" * 100_000
    fake.responder = lambda model, body: ok(deep)
    schema = {"type": "object"}
    result, _ = ask(make_settings(fake.base_url, tmp_path, max_attempts=2), environ, schema=schema)
    assert not result.ok
    assert "deeper than" in (result.error or "")


def test_a_deep_error_body_still_means_its_status(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", Reply(429, b"[" * 100_000, {**JSON_HEADERS, "Retry-After": "20"}))
    result, client = ask(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.model == "fake:b"
    assert client.metrics.models["fake:a"].failures == {"rate_limited": 1}


def test_a_year_long_retry_after_cools_the_model_for_at_most_25_hours(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", rate_limited(retry_after=365 * 86400))
    result, client = ask(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.model == "fake:b"
    target = client.target("fake:a")
    assert target is not None
    assert client.cooling_until(target) <= time.time() + MAX_COOLDOWN
    written = json.loads((tmp_path / "cooldowns.json").read_text())["cooldowns"]
    assert max(written.values()) <= time.time() + MAX_COOLDOWN


# --- the pure parts ----------------------------------------------------------


def test_a_declared_length_past_the_cap_is_refused_before_reading(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["model"] == "a":
            return httpx.Response(200, headers={"Content-Length": str(10 * MIB)}, content=b"{}")
        return httpx.Response(200, json=ok("from b").body)

    settings = make_settings("http://fake.test/v1", tmp_path, shared_state=False)

    async def main() -> tuple[Completion, RotatingClient]:
        async with RotatingClient(
            settings, environ={"FAKE_API_KEY": "k"}, transport=httpx.MockTransport(handler)
        ) as client:
            return await client.complete(KIND, PROMPT), client

    result, client = asyncio.run(main())
    assert result.ok and result.model == "fake:b"
    assert client.metrics.models["fake:a"].failures == {"body_too_large": 1}


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_deflate_is_read_zlib_wrapped_or_raw(wbits: int) -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    data = packer.compress(b"hello " * 100) + packer.flush()
    decoder = BoundedDecoder("deflate", 1000)
    assert decoder.feed(data[:10]) + decoder.feed(data[10:]) + decoder.flush() == b"hello " * 100


def test_the_decoder_stops_at_the_cap_without_inflating_the_rest() -> None:
    decoder = BoundedDecoder("gzip", 1000)
    with pytest.raises(BodyTooLarge):
        decoder.feed(gzip_bomb(8))


def test_sse_comments_are_not_progress_and_data_is() -> None:
    events = StreamAssembler()
    assert events.feed(b": OPENROUTER PROCESSING\n\n") == ""
    assert events.feed(b'data: {"choices": [{"delta": {"role": "assistant"}}]}\n\n') == "data"
    assert events.feed(b'data: {"choices": [{"delta": {"content": "Hi"}}]}\n') == ""
    assert events.feed(b'\ndata: {"choices": [{"delta": {"content": " there"}}]') == "token"
    assert events.feed(b"}\n\ndata: [DONE]\n\n") == "token"
    assert events.done and events.payload()["choices"][0]["message"]["content"] == "Hi there"


def test_bounded_json_refuses_depth_but_reads_brackets_in_strings() -> None:
    with pytest.raises(JSONTooDeepError):
        loads_bounded("[" * 100_000)
    assert loads_bounded('["' + "[" * 1000 + '"]') == ["[" * 1000]
    with pytest.raises(JSONTooDeepError):
        extract_json("Here you go: " + "[" * 100_000)


def test_a_real_sse_stream_over_loopback_is_read(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.stream = True
    fake.script("a", ok("streamed answer", prompt_tokens=11, completion_tokens=4))
    result, client = ask(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.content == "streamed answer"
    assert (result.prompt_tokens, result.completion_tokens) == (11, 4)
    assert fake.calls[0].body["stream"] is True
    assert client.metrics.models["fake:a"].first_tokens  # time to first token was observed


def test_the_new_settings_are_read_and_checked() -> None:
    from ttabot.config.tables import settings_from_table
    from ttabot.errors import TtabotError

    table = {
        "providers": {"local": {"base_url": "http://127.0.0.1:1/v1", "stream": False}},
        "client": {"max-body": 2048, "first-token-timeout": 5, "idle_timeout": 7, "hedge": False},
    }
    settings = settings_from_table(table, "test")
    assert settings.providers["local"].stream is False
    client = settings.client
    assert (client.max_body, client.first_token_timeout, client.idle_timeout) == (2048, 5.0, 7.0)
    assert client.hedge is False
    for bad in (
        {"providers": {"local": {"base_url": "http://x/v1", "stream": "no"}}},
        {"client": {"max_body": 10}},
        {"client": {"first_token_timeout": 0}},
    ):
        with pytest.raises(TtabotError):
            settings_from_table(bad, "test")


def test_what_is_shared_is_the_capped_cooldown(tmp_path: Path) -> None:
    from ttabot.config import ClientSettings, Provider
    from ttabot.llm.schedule import Schedule
    from ttabot.llm.targets import resolve_target

    now = 1_800_000_000.0
    settings = make_settings("http://fake.test/v1", tmp_path)
    settings = settings._replace(providers={"fake": Provider("fake", "http://fake.test/v1")})
    target = resolve_target(settings, "fake:a", {})
    assert target is not None
    schedule = Schedule(ClientSettings(state_dir=str(tmp_path)), clock=lambda: now)
    schedule.announce(target, float("inf"))
    written = json.loads((tmp_path / "cooldowns.json").read_text())["cooldowns"]
    assert written == {target.state_key: now + MAX_COOLDOWN}
