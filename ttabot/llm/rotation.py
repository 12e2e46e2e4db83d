"""The request loop: walk a chain's usable models, wait for the earliest, hedge.

A request takes the first model that is free now (not cooling, not dead, its
pacing slot open); a failure moves it on at once, and only when every model is
cooling does it wait, for the earliest one, within its deadline. The pieces
every request of one client shares are held by one :class:`Rotation`, so one
request's 429 steers all the others.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ttabot.llm.reachability import unreachable_error
from ttabot.llm.request import Completion, Request

if TYPE_CHECKING:
    from ttabot.config import ClientSettings
    from ttabot.llm.attempt import Attempter
    from ttabot.llm.hedge import Hedger
    from ttabot.llm.metrics import Metrics
    from ttabot.llm.quota import QuotaBook
    from ttabot.llm.reachability import Reachability
    from ttabot.llm.schedule import ProbeClaim, Schedule
    from ttabot.llm.targets import Target


@dataclass(frozen=True)
class Rotation:
    """The rotation state one client's requests share, and the loop that walks it.

    ``dead`` maps a model ref to why it is gone for good (the attempter writes it);
    ``clock`` (epoch seconds) and ``sleep`` are the client's, so tests run on
    virtual time.
    """

    settings: ClientSettings
    schedule: Schedule
    quotas: QuotaBook
    metrics: Metrics
    reachability: Reachability
    dead: MutableMapping[str, str]
    attempter: Attempter
    hedger: Hedger
    clock: Callable[[], float]
    sleep: Callable[[float], Awaitable[object]]

    def unreachable(self, target: Target) -> bool:
        """Whether ``target`` looks down (:meth:`Reachability.unreachable`)."""
        return self.reachability.unreachable(target)

    def done(
        self,
        run: Request,
        target: Target | None,
        *,
        content: str = "",
        data: Any = None,
        error: str | None = None,
    ) -> Completion:
        """End ``run``: ``target`` answered ``content`` when ``error`` is None (keys masked)."""
        ok = error is None
        self.metrics.completions_ok += ok
        return run.completion(
            target.ref if target is not None and ok else None,
            content=content,
            data=data,
            error=None if ok else self.attempter.redact_error(error or ""),
            now=self.clock(),
        )

    async def rotate(
        self,
        run: Request,
        usable: Sequence[Target],
        schema: Mapping[str, Any] | None,
        max_tokens: int | None,
    ) -> Completion:
        """Ask the ``usable`` models in turn until one answers or the request must give up."""
        prefer: str | None = None
        while True:
            for used_up in usable:
                if used_up.ref not in run.excluded and self.quotas.used_up(used_up) is not None:
                    run.excluded[used_up.ref] = "free quota for today used up"
            gone = self.dead.keys() | run.excluded.keys()
            candidates = [t for t in usable if t.ref not in gone]
            if not candidates:
                reasons = {**{t.ref: self.dead.get(t.ref, "") for t in usable}, **run.excluded}
                detail = "; ".join(f"{ref}: {why}" for ref, why in reasons.items() if why)
                return self.done(run, None, error=f"no model could answer ({detail})")
            if run.attempts >= self.settings.max_attempts:
                error = f"gave up after {run.attempts} attempts (last error: {run.last_error})"
                return self.done(run, None, error=error)
            now = self.clock()
            if now >= run.end:
                # No time left for an attempt: sending one would only blame the model.
                return self.done(run, None, error=run.out_of_time())
            target = self.schedule.pick(candidates, now, prefer, self.metrics)
            ready = self.schedule.ready_at(target, now)
            if ready > now:
                if all(map(self.unreachable, candidates)):
                    # Waiting cannot help: nothing listens at any endpoint of the chain.
                    return self.done(run, None, error=unreachable_error(candidates))
                if ready >= run.end:
                    return self.done(run, None, error=run.too_late(ready - now))
                # Every model is cooling (or paced): wait for the earliest, then look again.
                self.metrics.waits += 1
                self.metrics.wait_seconds += await self.schedule.wait(ready - now)
                continue
            if not self.schedule.reserve(target, now):
                continue  # another process took the provider's slot; ready_at knows when next
            prefer = None
            outcome, asked = await self._hedged(run, target, candidates, schema, max_tokens)
            if isinstance(outcome, Completion):
                self.metrics.completions_ok += outcome.ok
                return outcome
            if outcome:  # invalid structured output: one more try on the same model
                prefer = asked.ref

    async def _hedged(
        self,
        run: Request,
        target: Target,
        candidates: Sequence[Target],
        schema: Mapping[str, Any] | None,
        max_tokens: int | None,
    ) -> tuple[Completion | bool, Target]:
        """Ask ``target``, hedged to the next free model when hedging is on."""
        if not self.settings.hedge or len(candidates) < 2:
            return await self.attempter.attempt(run, target, schema, max_tokens), target

        def attempt(
            model: Target, on_first_token: Callable[[], object] | None, probe: ProbeClaim | None
        ) -> Awaitable[Completion | bool]:
            return self.attempter.attempt(run, model, schema, max_tokens, on_first_token, probe)

        return await self.hedger.ask(run, target, candidates, attempt)
