"""Endpoints that refuse every connection: fail promptly, but never give up on a blip."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.llm.conftest import FAKE_KEY, KIND, make_settings
from tests.support.fake_openai import FakeOpenAI, fake_openai, ok, rate_limited
from ttabot.config import Provider, Settings
from ttabot.llm import Completion, RotatingClient
from ttabot.llm.client import UNREACHABLE_AFTER
from ttabot.llm.http import connection_refused

PROMPT = [{"role": "user", "content": "Write a docstring."}]


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, noted, closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def chain_settings(
    tmp_path: Path, providers: dict[str, str], chain: Sequence[str], **client: Any
) -> Settings:
    """Settings with one keyed provider per ``name -> base_url`` and ``chain`` for KIND."""
    base = make_settings("http://unused.invalid/v1", tmp_path, **client)
    return base._replace(
        providers={
            name: Provider(name=name, base_url=url, api_key_env="FAKE_API_KEY")
            for name, url in providers.items()
        },
        chains={KIND: tuple(chain)},
    )


def ask(
    settings: Settings, environ: dict[str, str], n: int = 1
) -> tuple[list[Completion], RotatingClient, float]:
    async def main() -> tuple[list[Completion], RotatingClient, float]:
        async with RotatingClient(settings, environ=environ) as client:
            start = time.monotonic()
            results = await asyncio.gather(*(client.complete(KIND, PROMPT) for _ in range(n)))
            return list(results), client, time.monotonic() - start

    return asyncio.run(main())


# Slow enough that backing off to the end would take seconds (and 12 attempts).
SLOW = {"backoff": (0.1, 0.2, 0.4), "deadline": 30.0, "max_attempts": 12}


def test_a_refused_chain_fails_promptly_naming_each_endpoint(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    one, two = closed_port(), closed_port()
    settings = chain_settings(
        tmp_path,
        {"local": f"http://127.0.0.1:{one}/v1", "other": f"http://user:pw@127.0.0.1:{two}/v1"},
        ["local:qwen2.5-coder", "local:llama3", "other:m"],
        **SLOW,
    )
    (result,), client, wall = ask(settings, environ)
    assert not result.ok and result.error is not None
    assert result.error == (
        f"no model is reachable: every connection to 127.0.0.1:{one} (local:qwen2.5-coder, "
        f"local:llama3), 127.0.0.1:{two} (other:m) was refused; is the server running?"
    )
    assert FAKE_KEY not in result.error and "pw" not in result.error
    # Each model refused UNREACHABLE_AFTER times: 0.1 + 0.2 s of backoff, not 12 attempts.
    assert result.attempts == 3 * UNREACHABLE_AFTER
    assert wall < 2.0
    assert client.metrics.models["local:llama3"].failures["connection"] == UNREACHABLE_AFTER


def test_a_batch_against_a_refused_endpoint_fails_fast(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    port = closed_port()
    # A long attempt timeout: requests queued behind the refused probe must not wait it out.
    settings = chain_settings(
        tmp_path,
        {"local": f"http://127.0.0.1:{port}/v1"},
        ["local:m"],
        attempt_timeout=10.0,
        **SLOW,
    )
    results, _, wall = ask(settings, environ, n=8)
    assert all(not r.ok and "no model is reachable" in (r.error or "") for r in results)
    assert wall < 2.0
    assert sum(r.attempts for r in results) <= 8 + UNREACHABLE_AFTER


def test_a_live_model_in_the_chain_still_answers(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    port = closed_port()
    settings = chain_settings(
        tmp_path,
        {"local": f"http://127.0.0.1:{port}/v1", "fake": fake.base_url},
        ["local:m", "fake:b"],
    )
    results, client, _ = ask(settings, environ, n=6)
    assert all(r.ok and r.model == "fake:b" for r in results)
    assert client.metrics.models["local:m"].failures["connection"] >= 1


def test_a_cooling_live_model_is_waited_for_not_given_up(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    port = closed_port()
    fake.script("b", rate_limited(retry_after_ms=400))
    settings = chain_settings(
        tmp_path,
        {"local": f"http://127.0.0.1:{port}/v1", "fake": fake.base_url},
        ["local:m", "fake:b"],
        max_attempts=12,
    )
    (result,), client, wall = ask(settings, environ)
    assert result.ok and result.model == "fake:b", result.error
    assert wall >= 0.35 and client.metrics.waits >= 1
    assert fake.violations() == []


def test_a_model_that_answered_and_then_refuses_is_retried_as_before(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    # `Connection: close`: no pooled connection outlives the server.
    reply = dataclasses.replace(ok("hi"), headers={"Connection": "close"})
    with fake_openai(lambda model, body: reply) as live:
        url = live.base_url
        settings = make_settings(url, tmp_path, chain=("a",), max_attempts=5)

        async def main() -> tuple[Completion, Completion]:
            async with RotatingClient(settings, environ=environ) as client:
                first = await client.complete(KIND, PROMPT)
                live.stop()  # the server goes away: its port now refuses connections
                return first, await client.complete(KIND, PROMPT)

        first, second = asyncio.run(main())
    assert first.ok
    assert not second.ok and second.error is not None
    assert second.attempts == 5  # a blip: backed off and retried, not declared unreachable
    assert second.error.startswith("gave up after 5 attempts")
    assert "connection refused by 127.0.0.1:" in second.error


class _Group(Exception):
    """Shaped like an ExceptionGroup (3.11+), for Python 3.10 too."""

    def __init__(self, *members: BaseException) -> None:
        super().__init__("multiple connection attempts failed")
        self.exceptions = members


def _wrapped(cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as exc:
            raise OSError("All connection attempts failed") from exc
    except OSError as outer:
        return outer


@pytest.mark.parametrize(
    ("exc", "refused"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (_wrapped(ConnectionRefusedError(111, "refused")), True),
        (_wrapped(_Group(ConnectionRefusedError(), ConnectionRefusedError())), True),
        (_wrapped(_Group(ConnectionRefusedError(), TimeoutError())), False),
        (_wrapped(ConnectionResetError(104, "reset")), False),
        (_wrapped(TimeoutError()), False),
        (OSError("Name or service not known"), False),
    ],
)
def test_connection_refused(exc: BaseException, refused: bool) -> None:
    assert connection_refused(exc) is refused
