"""The free-model listing and which chain models have credentials."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ttabot.config import Provider, Settings
from ttabot.errors import TtabotError
from ttabot.llm import usable_models
from ttabot.llm.catalog import CatalogModel, fetch_catalog, free_models, parse_catalog
from ttabot.records import TaskKind


def test_free_means_both_prices_zero() -> None:
    payload = {
        "data": [
            {"id": "z:free", "pricing": {"prompt": "0", "completion": "0"}, "context_length": 8192},
            {"id": "paid", "pricing": {"prompt": "0.000001", "completion": "0.000002"}},
            {"id": "half", "pricing": {"prompt": "0", "completion": "0.1"}},
            {"id": "num", "pricing": {"prompt": 0, "completion": 0.0}},
            {"id": "noprice"},
            "junk",
        ]
    }
    assert free_models(payload) == (
        CatalogModel("num", None, True),
        CatalogModel("z:free", 8192, True),
    )
    assert len(parse_catalog(payload)) == 5


@pytest.mark.parametrize("payload", [None, [], {"data": "x"}, {"models": []}])
def test_a_listing_without_data_is_a_clear_error(payload: Any) -> None:
    with pytest.raises(TtabotError, match="no 'data' array"):
        parse_catalog(payload)


def test_fetch_sends_the_key_when_present_and_reports_http_errors() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/models":
            return httpx.Response(200, json={"data": []})
        return httpx.Response(503)

    transport = httpx.MockTransport(handler)
    ok = Provider("p", "http://x/v1", api_key_env="P_KEY")
    assert asyncio.run(fetch_catalog(ok, {"P_KEY": "k"}, transport=transport)) == {"data": []}
    assert seen[0].headers["authorization"] == "Bearer k"
    bad = Provider("p", "http://x/other")
    with pytest.raises(TtabotError, match="HTTP 503"):
        asyncio.run(fetch_catalog(bad, {}, transport=transport))
    assert "authorization" not in seen[1].headers


def test_usable_models_need_the_key_or_no_key() -> None:
    settings = Settings(
        providers={
            "cloud": Provider("cloud", "http://c", api_key_env="CLOUD_KEY"),
            "local": Provider("local", "http://l"),
        },
        chains={TaskKind.UNIT_TESTS: ("cloud:m1", "local:m2", "ghost:m3")},
    )
    assert usable_models(settings, TaskKind.UNIT_TESTS, {}) == ("local:m2",)
    assert usable_models(settings, TaskKind.UNIT_TESTS, {"CLOUD_KEY": "k"}) == (
        "cloud:m1",
        "local:m2",
    )
    assert usable_models(settings, TaskKind.UNIT_TESTS, {"CLOUD_KEY": ""}) == ("local:m2",)
    assert usable_models(settings, TaskKind.DOCUMENTATION, {"CLOUD_KEY": "k"}) == ()


def test_a_model_list_past_the_cap_or_too_deep_is_one_error() -> None:
    provider = Provider(name="p", base_url="http://models.test/v1")
    huge = httpx.MockTransport(lambda request: httpx.Response(200, content=b" " * 4096))
    with pytest.raises(TtabotError, match="larger than 1024 bytes"):
        asyncio.run(fetch_catalog(provider, {}, transport=huge, max_body=1024))
    deep = httpx.MockTransport(lambda request: httpx.Response(200, content=b"[" * 100_000))
    with pytest.raises(TtabotError, match="is not JSON"):
        asyncio.run(fetch_catalog(provider, {}, transport=deep))


def test_a_model_id_that_is_not_printable_text_is_left_out() -> None:
    # `ttabot models --free` prints each id: a provider's id holding an escape
    # sequence (OSC 52 writes the clipboard) reached the terminal raw, and a
    # megabyte-long one filled it.
    free = {"prompt": "0", "completion": "0"}
    payload = {
        "data": [
            {"id": "ok/model:free", "pricing": free},
            {"id": "evil\x1b]52;c;cm0gLXJmIH4=\x07", "pricing": free},
            {"id": "x" * 100_000, "pricing": free},
        ]
    }
    assert [m.id for m in parse_catalog(payload)] == ["ok/model:free"]


@pytest.mark.parametrize("context", [10**400, -5, 0, True, 1.5])
def test_a_context_length_that_is_no_sane_count_is_unknown(context: Any) -> None:
    # ``models --free`` prints it: a 400-digit or negative length from a hostile
    # listing was printed as it came.
    free = {"prompt": "0", "completion": "0"}
    payload = {"data": [{"id": "m:free", "pricing": free, "context_length": context}]}
    assert parse_catalog(payload) == (CatalogModel("m:free", None, True),)


@pytest.mark.parametrize("status", [503, 200])
def test_a_listing_error_names_the_url_without_its_password(status: int) -> None:
    # The error is printed (and lands in CI logs): a base-url with a proxy's password
    # in its user part was printed whole.
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=b"not json")

    provider = Provider("p", "http://user:pw-SECRET@proxy.test/v1")
    with pytest.raises(TtabotError) as caught:
        asyncio.run(fetch_catalog(provider, {}, transport=httpx.MockTransport(handler)))
    assert "proxy.test/v1/models" in str(caught.value)
    assert "SECRET" not in str(caught.value)
