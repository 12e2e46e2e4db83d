"""What ttabot sends a model is UTF-8 text, whatever the change's file names hold."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import pytest

from tests.llm.conftest import KIND, make_settings
from tests.support.fake_openai import FakeOpenAI
from ttabot.llm import Completion, RotatingClient
from ttabot.llm.body import ACCEPT_ENCODING
from ttabot.llm.request_encoding import request_body, request_headers


def test_a_prompt_naming_a_file_that_is_not_utf8_is_sent_not_blamed_on_the_model(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    # A file name that is not UTF-8 holds a surrogate; encoding the request failed before
    # it was sent, and every model of the chain was charged a failure for it.
    prompt = [{"role": "user", "content": "Document `caf\udce9.py`."}]

    async def main() -> tuple[Completion, RotatingClient]:
        async with RotatingClient(make_settings(fake.base_url, tmp_path), environ=environ) as c:
            return await c.complete(KIND, prompt), c

    result, client = asyncio.run(main())
    assert result.ok and result.model == "fake:a"
    assert not client.metrics.models["fake:a"].failures
    assert fake.calls[0].body["messages"][0]["content"] == "Document `caf\ufffd.py`."


def test_the_request_body_is_strict_compact_json_as_httpx_wrote_it() -> None:
    # request_body replaced httpx's json= (compact separators, allow_nan=False): a NaN
    # must still fail here rather than go out as "NaN", which no JSON parser accepts.
    payload = {"model": "m", "messages": [{"role": "user", "content": "é \udce9"}]}
    body = request_body(payload)
    assert body == '{"model":"m","messages":[{"role":"user","content":"é \ufffd"}]}'.encode()
    assert json.loads(body)["messages"][0]["content"] == "é \ufffd"
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError):
            request_body({"temperature": bad})


@pytest.mark.parametrize("spelled", ["content-type", "Content-Type", "CONTENT-TYPE"])
def test_a_content_type_the_provider_sets_is_sent_once_as_it_is(spelled: str) -> None:
    # httpx's json= set Content-Type only when none was given, in any case; the body
    # built by hand must not add a second one (or replace the provider's).
    configured = {spelled: "application/json; charset=utf-8", "accept-encoding": "br"}
    headers = request_headers(configured)
    assert [(k.lower(), v) for k, v in headers.items() if k.lower() == "content-type"] == [
        ("content-type", "application/json; charset=utf-8")
    ]
    # ttabot's decoder reads gzip and deflate only: its Accept-Encoding replaces any other.
    assert [v for k, v in headers.items() if k.lower() == "accept-encoding"] == [ACCEPT_ENCODING]
    assert request_headers({"X-Title": "t"}) == {
        "X-Title": "t",
        "Accept-Encoding": ACCEPT_ENCODING,
        "Content-Type": "application/json",
    }


def test_the_provider_content_type_reaches_the_server(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    settings = make_settings(fake.base_url, tmp_path)
    wanted = "application/json; charset=utf-8"
    provider = settings.providers["fake"]._replace(headers={"content-type": wanted})
    settings = settings._replace(providers={"fake": provider})

    async def main() -> Completion:
        async with RotatingClient(settings, environ=environ) as client:
            return await client.complete(KIND, [{"role": "user", "content": "hi"}])

    assert asyncio.run(main()).ok
    assert fake.calls[0].headers["content-type"] == wanted
