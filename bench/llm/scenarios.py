"""Fault scenarios: how each model of a three-model chain behaves, and the ideal wall time.

Time is scaled by ``SCALE`` (a Retry-After of 20 s becomes 2 s) so the whole
benchmark runs in a few minutes; every client sees the same scaled times.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.fake_openai import empty, error_in_200, free_variant_ended, ok
from tests.support.loopback import Reply

SCALE = 0.1
CHAIN = ("a", "b", "c")
ATTEMPT_TIMEOUT = 1.0  # seconds, the same for every client


def _limited(until: float, now: float, *, seconds_header: bool = False) -> Reply:
    """A 429 announcing ``until`` (scenario-relative seconds) the way OpenRouter does."""
    remaining = max(0.0, until - now)
    headers = {
        "retry-after-ms": f"{remaining * 1000:.0f}",
        "X-RateLimit-Reset": f"{(time.time() + remaining) * 1000:.0f}",
    }
    if seconds_header:
        headers = {"Retry-After": str(math.ceil(remaining))}
    body = {"error": {"code": 429, "message": "Rate limit exceeded: free-models-per-min"}}
    return Reply(429, body, headers)


@dataclass
class Scenario:
    """One fault scenario: ``respond(model, t)`` answers at scenario time ``t``."""

    name: str
    what: str
    requests: int
    concurrency: int
    latency: float
    lower_bound: float
    respond: Callable[[Scenario, str, float], Reply]
    state: dict[str, Any]
    #: Every client's per-attempt timeout in this scenario (seconds).
    attempt_timeout: float = ATTEMPT_TIMEOUT
    #: The caller's deadline per request (seconds; None: the bench's cap).
    deadline: float | None = None
    #: Where ``lower_bound`` ignores failures no client can foresee: the best wall time
    #: of a client that pays only for those (None: the lower bound is that already).
    floor: float | None = None
    #: The models every client's chain holds, in order.
    chain: tuple[str, ...] = CHAIN
    #: Counts the server kept beyond calls and violations (read in the server's process).
    report: Callable[[Scenario], dict[str, int]] | None = None

    def answer(self, model: str) -> Reply:
        """A good answer after the scenario's service latency."""
        return ok(f"answer from {model}", delay=self.latency)


def _waves(requests: int, concurrency: int, latency: float) -> float:
    return math.ceil(requests / concurrency) * latency


def _primary_429(s: Scenario, model: str, t: float) -> Reply:
    if model == "a" and t < 20 * SCALE:
        return _limited(20 * SCALE, t, seconds_header=True)
    return s.answer(model)


def _primary_hangs(s: Scenario, model: str, t: float) -> Reply:
    return ok("too late", delay=600.0) if model == "a" else s.answer(model)


def _ended(s: Scenario, model: str, t: float) -> Reply:
    return free_variant_ended(f"{model}:free") if model == "a" else s.answer(model)


_OPENS = {"a": 30 * SCALE, "b": 10 * SCALE, "c": 20 * SCALE}


def _staggered(s: Scenario, model: str, t: float) -> Reply:
    if t < _OPENS[model]:
        return _limited(_OPENS[model], t)
    return s.answer(model)


_WINDOW = 60 * SCALE  # a per-minute limit, scaled
_PER_WINDOW = 5


def _saturated(s: Scenario, model: str, t: float) -> Reply:
    window = int(t // _WINDOW)
    with s.state["lock"]:
        key = f"sent {model} {window}"  # requests to ``model`` in this window
        used = s.state.setdefault(key, 0)
        if used >= _PER_WINDOW:
            return _limited((window + 1) * _WINDOW, t)
        s.state[key] = used + 1
    return s.answer(model)


def _broken_200(s: Scenario, model: str, t: float) -> Reply:
    if model != "a":
        return s.answer(model)
    with s.state["lock"]:
        s.state["n"] = s.state.get("n", 0) + 1
        odd = s.state["n"] % 2
    return error_in_200("Provider returned error") if odd else empty()


def _half_broken_200(s: Scenario, model: str, t: float) -> Reply:
    """Issue 12's case: half of the primary's answers are an error in a 200 or empty
    content, after the usual latency (the model worked, then failed)."""
    if model != "a":
        return s.answer(model)
    with s.state["lock"]:
        s.state["n"] = s.state.get("n", 0) + 1
        turn = s.state["n"] % 4
    if turn == 1:
        return dataclasses.replace(error_in_200("Provider returned error"), delay=s.latency)
    if turn == 3:
        return dataclasses.replace(empty(), delay=s.latency)
    return s.answer(model)


def half_broken_floor(requests: int, concurrency: int, latency: float) -> float:
    """The best wall time for ``_half_broken_200`` of a client that cannot foresee which
    answers fail: the first wave all goes to the primary (nothing is known yet) and its
    1st, 3rd, 5th... answers fail after the latency, so those requests need a second
    answer; every later request then takes the next free caller slot and one answer.

    For 20 requests, 5 at a time, 0.5 s answers: three slots are busy until 1.0 s, two
    until 0.5 s; the 15 other requests fit 2 x 4 + 3 x 3 = 17 slots by 2.5 s but only
    12 by 2.0 s, so no client does better than 2.5 s = 1.25 x the 2.0 s of four waves.
    """
    first = min(requests, concurrency)
    ends = [latency * (2 if i % 2 == 0 else 1) for i in range(first)]
    for _ in range(requests - first):
        slot = min(range(len(ends)), key=ends.__getitem__)
        ends[slot] += latency
    return max(ends)


# --- a free tier's daily quota (OpenRouter's, scaled) ---------------------------

FREE_CHAIN = ("a:free", "b:free", "c")
DAILY_FREE = 10  # the provider's free requests per day (OpenRouter: 50, or 1,000 with credits)
#: The daily quota resets this far ahead: beyond the run, within ttabot's 25 h cap.
DAILY_RESET_AHEAD = 20 * 3600.0
#: Requests reaching a ``:free`` model this soon after the quota was announced were already
#: on their way (the same grace as for calls in cooldown; see bench/llm/server.py).
QUOTA_GRACE = 0.25
PER_DAY = (
    "Rate limit exceeded: free-models-per-day. "
    "Add 10 credits to unlock 1000 free model requests per day"
)


def _quota_headers(s: Scenario, remaining: int) -> dict[str, str]:
    reset = s.state.setdefault("reset", time.time() + DAILY_RESET_AHEAD)
    return {
        "X-RateLimit-Limit": str(DAILY_FREE),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{reset * 1000:.0f}",
    }


def daily_quota_used_up(s: Scenario) -> Reply:
    """OpenRouter's 429 once the day's free requests are used: headers and body both say so."""
    headers = _quota_headers(s, 0)
    body = {
        "error": {
            "code": 429,
            "message": PER_DAY,
            "metadata": {"headers": dict(headers), "provider_name": None},
        }
    }
    return Reply(429, body, headers)


def _daily_quota(s: Scenario, model: str, t: float) -> Reply:
    """``:free`` models share the provider's daily quota; every answer tells what is left."""
    if not model.endswith(":free"):
        return s.answer(model)
    with s.state["lock"]:
        announced = s.state.get("announced")
        if announced is not None and t > announced + QUOTA_GRACE:
            s.state["free_after_quota"] = s.state.get("free_after_quota", 0) + 1
        used = s.state.get("used", 0)
        if used >= DAILY_FREE:
            s.state["announced"] = t if announced is None else min(announced, t)
            s.state["free_refused"] = s.state.get("free_refused", 0) + 1
            return daily_quota_used_up(s)
        s.state["used"] = used + 1
        left = DAILY_FREE - used - 1
        if left == 0:  # this answer, when it leaves after the latency, announces the end
            s.state["announced"] = t + s.latency
    return dataclasses.replace(s.answer(model), headers=_quota_headers(s, left))


def _free_after_quota(s: Scenario) -> dict[str, int]:
    """Requests to ``:free`` models after the quota was announced (beyond the grace), and
    all that the used-up quota refused (requests already in flight included)."""
    return {
        "free_after_quota": s.state.get("free_after_quota", 0),
        "free_refused": s.state.get("free_refused", 0),
    }


def daily_quota() -> Scenario:
    """A chain of two ``:free`` models of one provider and a paid one; the provider's free
    tier allows DAILY_FREE requests a day, after which every ``:free`` request gets the
    per-day 429 with a reset hours ahead. 20 requests at concurrency 5, 0.5 s answers: a
    client that obeys the quota spends the first 10 on ``a:free`` and the rest on ``c``."""
    n, c, lat = 20, 5, 0.5
    return Scenario(
        "daily-quota",
        f"a:free, b:free share a {DAILY_FREE}/day free quota, then 429 free-models-per-day; c paid",
        n,
        c,
        lat,
        _waves(n, c, lat),
        _daily_quota,
        {"lock": threading.Lock()},
        chain=FREE_CHAIN,
        report=_free_after_quota,
    )


def scenarios() -> list[Scenario]:
    """Fresh scenarios (their state starts empty)."""
    # 0.5 s answers: a 5 s model answer at the 0.1 time scale
    n, c, lat = 20, 5, 0.5
    waves = _waves(n, c, lat)

    def make(
        name: str,
        what: str,
        respond: Callable[[Scenario, str, float], Reply],
        bound: float,
        requests: int = n,
        concurrency: int = c,
        latency: float = lat,
    ) -> Scenario:
        return Scenario(
            name, what, requests, concurrency, latency, bound, respond, {"lock": threading.Lock()}
        )

    return [
        make("primary-429", "primary 429, Retry-After 20 s; fallbacks fine", _primary_429, waves),
        make(
            "primary-hangs",
            "primary never answers; fallbacks fine",
            _primary_hangs,
            ATTEMPT_TIMEOUT + waves,
        ),
        make("free-variant-ended", "primary 404 free_variant_ended", _ended, waves),
        make(
            "all-429-staggered",
            "all 429: free again after 30/10/20 s",
            _staggered,
            _OPENS["b"] + waves,
        ),
        make(
            "saturation",
            "each model 5 requests/min; 30 requests",
            _saturated,
            # 15 fit the first window; the other 15 start when it ends
            _WINDOW + _waves(15, 10, 0.2),
            requests=30,
            concurrency=10,
            latency=0.2,
        ),
        make("error-in-200", "primary: error object in 200 / empty content", _broken_200, waves),
        dataclasses.replace(
            make(
                "error-in-200-half",
                "primary: half its answers an error in 200 / empty, after the latency",
                _half_broken_200,
                waves,
            ),
            floor=half_broken_floor(n, c, lat),
        ),
        hung_primary(),
        daily_quota(),
    ]


def hung_primary() -> Scenario:
    """Issue 12's case, unscaled: the primary accepts and sends nothing for 60 s; 9 requests
    at concurrency 3, 0.2 s answers, a 10 s attempt timeout and a 20 s caller deadline."""
    return Scenario(
        "hung-primary",
        "primary accepts, sends nothing (unscaled; 10 s attempt timeout, 20 s deadline)",
        9,
        3,
        0.2,
        _waves(9, 3, 0.2),
        _primary_hangs,
        {"lock": threading.Lock()},
        attempt_timeout=10.0,
        deadline=20.0,
    )
