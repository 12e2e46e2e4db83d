"""The bench's daily-quota scenario speaks the quota the way ttabot reads it.

If the scenario's server answered a shape ttabot does not recognise, the bench would
measure nothing (every client would just see 429s); these tests pin the shape to
ttabot's own parser. Timing is measured in bench/, never here.
"""

from __future__ import annotations

import time

from bench.llm.scenarios import DAILY_FREE, DAILY_RESET_AHEAD, daily_quota
from tests.support.loopback import Reply
from ttabot.llm.errors import Answer, Failure, FailureKind, classify
from ttabot.llm.quota import with_daily_quota
from ttabot.llm.state import MAX_AHEAD, DailyQuota


def read(reply: Reply, now: float) -> Answer | Failure:
    """What ttabot makes of ``reply``, daily quota included."""
    body, headers = reply.encoded()
    return with_daily_quota(classify(reply.status, headers, body, now), reply.status, headers, now)


def test_the_free_answers_count_the_quota_down_and_the_last_announces_its_end() -> None:
    scenario = daily_quota()
    now = time.time()
    seen = [read(scenario.respond(scenario, model, 0.0), now) for model in ("a:free", "b:free") * 5]
    assert all(isinstance(outcome, Answer) for outcome in seen)
    remaining = [outcome.quota.remaining for outcome in seen if outcome.quota is not None]
    assert remaining == list(range(DAILY_FREE - 1, -1, -1))
    last = seen[-1].quota
    assert last is not None and last.limit == DAILY_FREE
    assert now + DAILY_RESET_AHEAD - 60 < last.reset <= now + MAX_AHEAD


def test_after_the_quota_every_free_model_gets_the_per_day_429_ttabot_recognises() -> None:
    scenario = daily_quota()
    for _ in range(DAILY_FREE):
        scenario.respond(scenario, "a:free", 0.0)
    now = time.time()
    for model in ("a:free", "b:free"):
        reply = scenario.respond(scenario, model, 5.0)
        outcome = read(reply, now)
        assert isinstance(outcome, Failure) and outcome.kind is FailureKind.RATE_LIMITED
        assert outcome.quota is not None
        assert outcome.quota[:2] == (DAILY_FREE, 0)
        assert now + DAILY_RESET_AHEAD - 60 < outcome.quota.reset <= now + MAX_AHEAD
    assert isinstance(read(scenario.respond(scenario, "c", 5.0), now), Answer)
    assert scenario.report is not None
    assert scenario.report(scenario) == {"free_after_quota": 2, "free_refused": 2}


def test_the_429_body_alone_says_per_day() -> None:
    """Without its headers (a proxy may drop them) the body still names the daily limit."""
    scenario = daily_quota()
    for _ in range(DAILY_FREE):
        scenario.respond(scenario, "b:free", 0.0)
    reply = scenario.respond(scenario, "a:free", 1.0)
    outcome = read(Reply(reply.status, reply.body), time.time())
    assert isinstance(outcome, Failure)
    assert isinstance(outcome.quota, DailyQuota) and outcome.quota.remaining == 0
