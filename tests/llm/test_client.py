"""The rotating client end to end, against a real scripted server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import Any

import pytest

from tests.llm.conftest import FAKE_KEY, KIND, make_settings
from tests.support.fake_openai import (
    FakeOpenAI,
    bad_request,
    context_length,
    empty,
    error_in_200,
    forbidden,
    free_variant_ended,
    malformed,
    ok,
    payment_required,
    rate_limited,
    server_error,
    unauthorized,
)
from ttabot.config import Settings
from ttabot.llm import Completion, RotatingClient

PROMPT = [{"role": "user", "content": "Write a docstring."}]


def ask(
    settings: Settings, environ: dict[str, str], n: int = 1, **kwargs: Any
) -> tuple[list[Completion], RotatingClient]:
    async def main() -> tuple[list[Completion], RotatingClient]:
        async with RotatingClient(settings, environ=environ) as client:
            results = await asyncio.gather(
                *(client.complete(KIND, PROMPT, **kwargs) for _ in range(n))
            )
        return list(results), client

    return asyncio.run(main())


def test_answer_from_the_primary(fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]) -> None:
    (result,), client = ask(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.model == "fake:a" and result.content == "answer from a"
    assert (result.attempts, result.prompt_tokens, result.completion_tokens) == (1, 7, 3)
    assert fake.calls[0].headers["authorization"] == f"Bearer {FAKE_KEY}"
    assert client.metrics.as_dict()["models"]["fake:a"]["successes"] == 1


def test_announced_cooldown_rotates_at_once_and_is_never_entered(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", rate_limited(retry_after=20))
    (result,), client = ask(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.model == "fake:b"
    assert result.attempts == 2
    assert client.metrics.rotations == 1
    assert client.metrics.waits == 0  # moved on instead of sleeping
    assert len(fake.calls_for("a")) == 1
    assert fake.violations() == []


def test_concurrent_requests_share_one_rotation_state(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", rate_limited(retry_after=20))
    settings = make_settings(fake.base_url, tmp_path, attempt_timeout=3.0)

    async def main() -> tuple[Completion, list[Completion], RotatingClient]:
        async with RotatingClient(settings, environ=environ) as client:
            first = await client.complete(KIND, PROMPT)
            rest = await asyncio.gather(*(client.complete(KIND, PROMPT) for _ in range(20)))
        return first, list(rest), client

    first, rest, client = asyncio.run(main())
    assert first.model == "fake:b"
    report = client.metrics.render()
    assert all(r.ok and r.model == "fake:b" and r.attempts == 1 for r in rest), report
    assert len(fake.calls_for("a")) == 1
    assert client.metrics.models["fake:a"].cooldown_skips == 21  # the first request skipped it too
    assert client.metrics.sends_held_back == 0
    assert fake.violations() == []


@pytest.mark.parametrize(
    "announce",
    [
        {"retry_after_ms": 250},
        {"retry_after": 0.25},
        {"reset_ms": "absolute"},
    ],
)
def test_all_cooling_waits_for_the_earliest_deadline(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str], announce: dict[str, Any]
) -> None:
    if announce.get("reset_ms") == "absolute":
        announce = {"reset_ms": (time.time() + 0.3) * 1000}
    fake.script("a", rate_limited(retry_after_ms=900))
    fake.script("b", rate_limited(**announce))
    fake.script("c", rate_limited(retry_after_ms=1200))
    (result,), client = ask(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.model == "fake:b"
    assert result.attempts == 4
    assert client.metrics.waits >= 1
    assert fake.violations() == []
    assert client.metrics.sends_held_back == 0


def test_all_cooling_past_the_deadline_fails_without_waiting(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    for model in "abc":
        fake.script(model, rate_limited(retry_after=60))
    (result,), client = ask(make_settings(fake.base_url, tmp_path), environ)
    assert not result.ok and result.model is None
    assert result.error is not None and "past the deadline" in result.error
    assert "HTTP 429" in result.error
    assert result.attempts == 3
    assert client.metrics.waits == 0


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (free_variant_ended("a:free"), "free_variant_ended"),
        (unauthorized(), "unauthorized"),
        (payment_required(), "payment_required"),
        (forbidden(), "forbidden"),
    ],
)
def test_permanent_failures_retire_the_model_for_the_run(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str], reply: Any, kind: str
) -> None:
    fake.responder = lambda model, body: reply if model == "a" else ok(f"answer from {model}")
    results, client = ask(make_settings(fake.base_url, tmp_path, backoff=(5.0,)), environ, n=5)
    assert all(r.ok and r.model == "fake:b" for r in results)
    assert len(fake.calls_for("a")) <= 5  # only those in flight before the answer came
    assert client.metrics.models["fake:a"].failures[kind] >= 1


def test_permanent_failure_is_not_retried_within_one_client(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", free_variant_ended("a:free"))
    settings = make_settings(fake.base_url, tmp_path)

    async def main() -> list[Completion]:
        async with RotatingClient(settings, environ=environ) as client:
            return [await client.complete(KIND, PROMPT) for _ in range(4)]

    results = asyncio.run(main())
    assert [r.model for r in results] == ["fake:b"] * 4
    assert len(fake.calls_for("a")) == 1


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (error_in_200(), "error_in_200"),
        (empty(), "empty_content"),
        (malformed(), "malformed_response"),
        (server_error(503), "server_error"),
        (server_error(408), "timeout"),
        (rate_limited(), "rate_limited"),  # nothing announced: backoff, not a window
    ],
)
def test_transient_failures_rotate(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str], reply: Any, kind: str
) -> None:
    fake.script("a", reply)
    (result,), client = ask(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.model == "fake:b" and result.attempts == 2
    assert dict(client.metrics.models["fake:a"].failures) == {kind: 1}


def test_bad_request_fails_the_request_without_rotating(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", bad_request("messages: field required"))
    (result,), _ = ask(make_settings(fake.base_url, tmp_path), environ)
    assert not result.ok
    assert result.error == "fake:a: HTTP 400: messages: field required"
    assert fake.calls_for("b") == []


def test_context_length_rotates_to_a_model_that_fits(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", context_length())
    (result,), _ = ask(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.model == "fake:b"


def test_unannounced_failure_backs_off_then_retries_the_only_model(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", server_error(500), server_error(502))
    settings = make_settings(fake.base_url, tmp_path, chain=("a",))
    (result,), client = ask(settings, environ)
    assert result.ok and result.model == "fake:a" and result.attempts == 3
    assert client.metrics.waits == 2
    gaps = [b.at - a.at for a, b in zip(fake.calls, fake.calls[1:], strict=False)]
    # The backoff schedule (0.05 s, then 0.1 s), never shorter; arrival stamps at the
    # server jitter by a few ms on a loaded machine, retries with no backoff by none.
    assert gaps[0] >= 0.04 and gaps[1] >= 0.09 and sum(gaps) >= 0.14, gaps


def test_never_sleeps_after_the_last_attempt(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.responder = lambda model, body: server_error(500)
    settings = make_settings(fake.base_url, tmp_path, chain=("a",), max_attempts=3)
    (result,), client = ask(settings, environ)
    assert not result.ok and result.attempts == 3
    assert result.answers == 0  # no model answered at all
    assert result.error is not None and result.error.startswith("gave up after 3 attempts")
    assert client.metrics.waits == 2


def test_connection_refused_rotates(tmp_path: Path, environ: dict[str, str]) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    from tests.support.fake_openai import fake_openai

    with fake_openai() as live:
        settings = make_settings(dead_url, tmp_path)
        live_provider = settings.providers["fake"].__class__(name="live", base_url=live.base_url)
        settings = settings.__class__(
            providers={"fake": settings.providers["fake"], "live": live_provider},
            chains={KIND: ("fake:a", "live:b")},
            client=settings.client,
        )
        (result,), client = ask(settings, environ)
    assert result.ok and result.model == "live:b"
    assert client.metrics.models["fake:a"].failures["connection"] == 1


def test_reasoning_is_stripped(fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]) -> None:
    fake.script("a", ok("<think>hmm, the user wants</think>\nThe answer.", reasoning="long"))
    (result,), _ = ask(make_settings(fake.base_url, tmp_path), environ)
    assert result.content == "The answer."


def test_only_thinking_counts_as_empty(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", ok("<think>cut off while thinki"))
    (result,), _ = ask(make_settings(fake.base_url, tmp_path), environ)
    assert result.model == "fake:b"


def test_missing_key_names_the_variable(fake: FakeOpenAI, tmp_path: Path) -> None:
    (result,), _ = ask(make_settings(fake.base_url, tmp_path), {})
    assert not result.ok and result.error == "no usable model for documentation: set FAKE_API_KEY"
    assert fake.calls == []


def test_model_override_replaces_the_chain(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    (result,), _ = ask(make_settings(fake.base_url, tmp_path), environ, model="fake:zeta")
    assert result.model == "fake:zeta" and fake.calls[0].model == "zeta"


def test_free_models_are_paced_account_wide(tmp_path: Path, environ: dict[str, str]) -> None:
    from tests.support.fake_openai import fake_openai

    with fake_openai() as fake:
        settings = make_settings(fake.base_url, tmp_path, chain=("a:free", "b:free"))
        provider = settings.providers["fake"]._replace(free_rpm=300.0)  # 0.2 s
        settings = settings._replace(providers={"fake": provider})
        fake.script("a:free", rate_limited(retry_after=30))
        results, _ = ask(settings, environ, n=4)
    assert all(r.ok for r in results)
    times = sorted(call.at for call in fake.calls)
    assert len(times) == 5
    # One budget for both models: requests go out 0.2 s apart. Arrival stamps on a loaded
    # machine jitter by tens of ms, so check each gap loosely and the whole span closely;
    # an unpaced client sends all five within a few milliseconds.
    assert all(b - a >= 0.1 for a, b in itertools.pairwise(times))
    assert times[-1] - times[0] >= 0.7


def test_saturated_chain_uses_every_model_and_never_enters_a_window(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    import threading

    # Windows long enough that 12 concurrent requests overrun a and b in the first one
    # even on a loaded machine (then c must be used), with room for slow answers.
    window, per_window, lock = 1.5, 2, threading.Lock()
    used: dict[tuple[str, int], int] = {}
    start = time.time()

    def limited(model: str, body: Any) -> Any:
        now = time.time() - start
        slot = int(now // window)
        with lock:
            if used.get((model, slot), 0) >= per_window:
                return rate_limited(retry_after_ms=((slot + 1) * window - now) * 1000 + 1)
            used[(model, slot)] = used.get((model, slot), 0) + 1
        return ok(f"answer from {model}")

    fake.responder = limited
    settings = make_settings(fake.base_url, tmp_path, attempt_timeout=2.0, deadline=15.0)
    results, _client = ask(settings, environ, n=12)
    assert all(r.ok for r in results)
    assert {r.model for r in results} == {"fake:a", "fake:b", "fake:c"}
    # A send may be held back (counted in sends_held_back) when a 429 lands between a pick
    # and the attempt's first turn on a loaded machine: that send never happens, so what
    # this test judges is what reached the server.
    # The server stamps arrival, which a loaded machine delays for requests already in
    # flight when the 429 went out; half a second of grace still catches a real violation
    # inside a 1.5 s window.
    assert fake.violations(grace=0.5) == []
