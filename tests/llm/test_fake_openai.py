"""The scripted fake server other tests rely on."""

from __future__ import annotations

import time

import httpx

from tests.support.fake_openai import (
    fake_openai,
    free_model,
    ok,
    rate_limited,
    server_error,
)


def _chat(base_url: str, model: str) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    return httpx.post(base_url + "/chat/completions", json=body, timeout=5)


def test_scripted_replies_then_responder_and_windows() -> None:
    with fake_openai(catalog=[free_model("m:free")]) as fake:
        fake.script("a", rate_limited(retry_after=30), server_error(503), ok("fine"))
        statuses = [_chat(fake.base_url, "a").status_code for _ in range(4)]
        last = _chat(fake.base_url, "a").json()
        listing = httpx.get(fake.base_url + "/models", timeout=5).json()
    assert statuses == [429, 503, 200, 200]
    assert last["choices"][0]["message"]["content"] == "answer from a"
    assert listing["data"][0]["id"] == "m:free"
    assert [c.prompt for c in fake.calls_for("a")] == ["hi"] * 5
    (window,) = fake.windows
    assert 29 < window.end - window.start <= 30.01
    # every request after the 429 arrived inside its announced window
    assert len(fake.violations()) == 4


def test_reset_header_in_epoch_ms_opens_window() -> None:
    until = time.time() + 5
    with fake_openai() as fake:
        fake.script("b", rate_limited(reset_ms=until * 1000))
        assert _chat(fake.base_url, "b").status_code == 429
    assert abs(fake.windows[0].end - until) < 0.01
