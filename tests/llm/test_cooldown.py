"""Announced retry times and the cooldown table (pure, with an injected clock)."""

from __future__ import annotations

import email.utils

import pytest

from ttabot.config import Provider
from ttabot.llm.cooldown import CooldownTable, announced_until
from ttabot.llm.pacing import Pacer, pace_bucket

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "20"}, NOW + 20),
        ({"retry-after": "0.5"}, NOW + 0.5),
        ({"Retry-After": email.utils.formatdate(NOW + 90, usegmt=True)}, NOW + 90),
        ({"retry-after-ms": "250"}, NOW + 0.25),
        ({"X-RateLimit-Reset": str(int((NOW + 42) * 1000))}, NOW + 42),  # epoch ms
        ({"X-RateLimit-Reset": str(int(NOW + 7))}, NOW + 7),  # epoch seconds
        ({"X-RateLimit-Reset": "3"}, NOW + 3),  # seconds from now
        ({"Retry-After": "5", "retry-after-ms": "9000"}, NOW + 9),  # the later wins
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "-4"}, None),
    ],
)
def test_announced_until(headers: dict[str, str], expected: float | None) -> None:
    result = announced_until(headers, NOW)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def test_table_keeps_the_later_deadline_and_tells_announced_from_backoff() -> None:
    now = [NOW]
    table = CooldownTable(clock=lambda: now[0])
    assert table.announce("m", NOW + 20)
    assert not table.announce("m", NOW + 5)  # earlier: ignored
    assert table.until("m") == NOW + 20
    table.back_off("n", NOW + 1)
    assert table.cooling("n") and not table.in_announced("n")
    assert table.in_announced("m")
    now[0] = NOW + 20.001
    assert not table.cooling("m") and not table.in_announced("m")
    table.clear_backoff("n")
    assert table.until("n") == 0.0


@pytest.mark.parametrize(
    ("provider", "model", "bucket"),
    [
        (Provider("openrouter", "u", free_rpm=20.0), "x/y:free", ("openrouter:free", 3.0)),
        (Provider("openrouter", "u", free_rpm=20.0), "x/y", None),
        (Provider("local", "u", rpm=120.0), "qwen", ("local", 0.5)),
        (Provider("local", "u"), "qwen", None),
    ],
)
def test_pace_bucket(provider: Provider, model: str, bucket: tuple[str, float] | None) -> None:
    assert pace_bucket(provider, model) == bucket


def test_pacer_spaces_requests_in_one_bucket_only() -> None:
    pacer = Pacer()
    assert [pacer.reserve("free", 3.0, NOW) for _ in range(3)] == [NOW, NOW + 3, NOW + 6]
    assert pacer.reserve("other", 3.0, NOW) == NOW
    assert pacer.next_slot("free", NOW + 100) == NOW + 100  # idle time is not banked


CAP = NOW + 25 * 3600


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": str(365 * 86400)},  # a year
        {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"},
        {"Retry-After": "1e400"},  # float("1e400") is inf
        {"retry-after-ms": "1e400"},
        {"X-RateLimit-Reset": "1e26"},
        {"X-RateLimit-Reset": "9" * 400},
        {"Retry-After": "5", "X-RateLimit-Reset": "1e26"},  # the later one, capped
    ],
)
def test_announced_cooldowns_are_finite_and_at_most_25_hours(headers: dict[str, str]) -> None:
    assert announced_until(headers, NOW) == CAP


@pytest.mark.parametrize("value", ["nan", "inf-ish", "-1e400"])
def test_announced_values_that_are_no_time_are_ignored(value: str) -> None:
    assert announced_until({"Retry-After": value}, NOW) is None


def test_table_caps_what_it_is_told_and_ignores_nan() -> None:
    table = CooldownTable(clock=lambda: NOW)
    assert table.announce("m", float("inf"))
    assert table.announced("m") == CAP
    assert not table.announce("n", float("nan"))
    assert table.until("n") == 0.0
    table.back_off("k", 1e300)
    assert table.until("k") == CAP


def test_a_header_sent_twice_announces_the_later_of_its_values() -> None:
    # httpx joins repeated headers with ", " (a proxy adding its own Retry-After):
    # "20, 30" parsed as neither a number nor a date, so the 429 counted as
    # unannounced and the model was asked again after a one-second backoff, inside
    # the window the provider had announced.
    import httpx

    date = email.utils.formatdate(NOW + 90, usegmt=True)
    cases = [
        ([("Retry-After", "20"), ("Retry-After", "30")], NOW + 30),
        ([("Retry-After", date), ("Retry-After", "30")], NOW + 90),
        ([("retry-after-ms", "500"), ("retry-after-ms", "9000")], NOW + 9),
        ([("X-RateLimit-Reset", "3"), ("X-RateLimit-Reset", "7")], NOW + 7),
    ]
    for pairs, expected in cases:
        assert announced_until(httpx.Headers(pairs), NOW) == pytest.approx(expected), pairs


def test_an_http_date_in_minus_0000_is_utc_whatever_the_local_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "-0000" is UTC (RFC 5322: the sender's zone unknown); parsed to a naive datetime,
    # it was read in the runner's local zone: nine hours off in Tokyo.
    import time

    date = email.utils.formatdate(NOW + 90).replace("+0000", "-0000")
    assert date.endswith("-0000")
    # A POSIX zone rule, not "Asia/Tokyo": without tzdata installed (a slim CI image)
    # an unknown zone name is silently UTC, and the test could not fail.
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    try:
        assert time.timezone == -9 * 3600
        assert announced_until({"Retry-After": date}, NOW) == pytest.approx(NOW + 90)
    finally:
        monkeypatch.undo()
        time.tzset()
