"""How long a request waits for a model's first token before asking the next model too.

A hedged request (Dean and Barroso, "The Tail at Scale") sends a second copy of a
slow request elsewhere and keeps the first valid answer. The delay adapts to each
model: three times its observed 90th-percentile time to first token, never below
:data:`MIN_HEDGE_DELAY` (a fast model's jitter is no reason to double the load) nor
above :data:`MAX_HEDGE_DELAY` (a model that is usually slow still gets a backup).

:class:`Hedger` runs one hedged attempt for the rotating client
(:mod:`ttabot.llm.client`): the primary, the backup if the primary's first token
is late, and the choice of the first valid outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from ttabot.llm.errors import FailureKind
from ttabot.llm.metrics import Metrics, percentile
from ttabot.llm.request import Completion, Request
from ttabot.llm.schedule import ProbeClaim, Schedule
from ttabot.llm.targets import Target

MIN_HEDGE_DELAY = 2.0
MAX_HEDGE_DELAY = 15.0


def hedge_delay(first_token_seconds: Sequence[float]) -> float:
    """Seconds to wait for a model's first token before hedging, from its past ones."""
    observed = 3.0 * percentile(list(first_token_seconds), 0.90)
    return min(MAX_HEDGE_DELAY, max(MIN_HEDGE_DELAY, observed))


#: One attempt on a model: ``(target, on_first_token, probe claim)`` -> a Completion
#: that ends the request, or True to retry that model, False to move on.
Attempt = Callable[
    [Target, Callable[[], object] | None, ProbeClaim | None], Awaitable[Completion | bool]
]


class Hedger:
    """Asks a model, and the next free one too when its first token is late.

    Shares the client's ``schedule`` (cooldowns, pacing, probe slots), ``metrics``
    and ``dead`` models (ref -> why), so a hedge spends only what pacing allows and
    a model that lost a hedge in silence is backed off like a failure.
    """

    def __init__(
        self,
        schedule: Schedule,
        metrics: Metrics,
        dead: Mapping[str, str],
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[object]],
    ) -> None:
        self._schedule = schedule
        self._metrics = metrics
        self._dead = dead
        self._clock = clock
        self._sleep = sleep

    async def ask(
        self, run: Request, target: Target, candidates: Sequence[Target], attempt: Attempt
    ) -> tuple[Completion | bool, Target]:
        """Ask ``target``; if its first token is late, ask the next free model too.

        Returns the first valid outcome and the model that gave it (else the
        primary's outcome); the attempt that lost is cancelled.
        """
        started = asyncio.Event()
        sent = self._clock()
        tasks: dict[asyncio.Future[Completion | bool], Target] = {}
        # A task starts on the next turn of the loop: claim a backing-off model's one
        # probe slot now, so concurrent requests see it taken. The attempt takes the
        # claim over and frees it when it ends; releasing it here too is a no-op then,
        # and never frees a claim another request has made since.
        claims = [self._schedule.claim_probe(target, sent)]
        primary = asyncio.ensure_future(attempt(target, started.set, claims[0]))
        tasks[primary] = target
        try:
            backup = await self._backup(run, primary, started, target, candidates)
            if backup is None:
                return await primary, target
            self._metrics.hedges_sent += 1
            claims.append(self._schedule.claim_probe(backup, self._clock()))
            tasks[asyncio.ensure_future(attempt(backup, None, claims[-1]))] = backup
            return await self._first_valid(tasks, primary, started, sent)
        finally:
            for task in tasks:
                task.cancel()
            for claim in claims:  # an attempt cancelled before it ran still holds its claim
                self._schedule.release_probe(claim)

    async def _backup(
        self,
        run: Request,
        primary: asyncio.Future[Completion | bool],
        started: asyncio.Event,
        target: Target,
        candidates: Sequence[Target],
    ) -> Target | None:
        """Wait out the hedge delay; the model to ask too, or None if it is not needed.

        Only a model free now (not cooling, its pacing slot open) is taken: a hedge
        never spends more than the pacing budget allows. If none is free, look again
        when the first one will be, while the primary still has sent nothing.
        """
        until = self._clock() + hedge_delay(self._metrics.model(target.ref).first_tokens)
        while True:
            now = self._clock()
            if until > now and await self._settled(primary, started, until - now):
                return None
            if primary.done() or started.is_set():
                return None
            gone = self._dead.keys() | run.excluded.keys()  # may have grown while waiting
            others = [t for t in candidates if t.ref != target.ref and t.ref not in gone]
            if not others:
                return None
            now = self._clock()
            ready = [(self._schedule.ready_at(t, now), i) for i, t in enumerate(others)]
            at, index = min(ready)
            if at <= now:
                if self._schedule.reserve(others[index], now):
                    return others[index]
                continue  # another process took the provider's slot; ready_at knows when next
            if at >= run.end:
                return None
            until = at

    async def _settled(
        self, primary: asyncio.Future[Any], started: asyncio.Event, seconds: float
    ) -> bool:
        """Wait up to ``seconds``; True if the primary answered or sent its first token."""
        token = asyncio.ensure_future(started.wait())
        timer = asyncio.ensure_future(self._sleep(seconds))
        try:
            await asyncio.wait({primary, token, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            token.cancel()
            timer.cancel()
        return primary.done() or started.is_set()

    async def _first_valid(
        self,
        tasks: Mapping[asyncio.Future[Completion | bool], Target],
        primary: asyncio.Future[Completion | bool],
        started: asyncio.Event,
        sent: float,
    ) -> tuple[Completion | bool, Target]:
        """The first attempt to end with an answer wins; else the primary's outcome."""
        outcomes: dict[asyncio.Future[Completion | bool], Completion | bool] = {}
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=lambda t: t is not primary):
                outcome = outcomes[task] = task.result()
                if isinstance(outcome, Completion) and outcome.ok:
                    if task is not primary:
                        self._metrics.hedges_won += 1
                        if not primary.done() and not started.is_set():
                            # The primary sent nothing in all that time: treat it as hung.
                            self._slow(tasks[primary], sent)
                    return outcome, tasks[task]
                if task is not primary and not primary.done() and not started.is_set():
                    # The second model failed while the first still sends nothing: do not
                    # leave the request waiting on a silent model; move on to the next one.
                    self._slow(tasks[primary], sent)
                    primary.cancel()
                    return outcome, tasks[task]
        ordered = sorted(outcomes, key=lambda t: t is not primary)
        for task in ordered:
            if isinstance(outcomes[task], Completion):
                return outcomes[task], tasks[task]
        for task in ordered:
            if outcomes[task]:
                return True, tasks[task]
        return False, tasks[primary]

    def _slow(self, target: Target, sent: float) -> None:
        """``target`` lost a hedge without a first token: back it off like a failure,
        for at least as long as it stayed silent (asking it again would cost that much)."""
        self._metrics.model(target.ref).failures[FailureKind.FIRST_TOKEN_TIMEOUT.value] += 1
        silent = self._clock() - sent
        self._schedule.back_off(target, sent, FailureKind.FIRST_TOKEN_TIMEOUT, silent)
