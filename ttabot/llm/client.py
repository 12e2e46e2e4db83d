"""The rotating model client: one rotation state for every request of a run.

A request walks its task kind's chain and takes the first model that is free
now (not cooling, not dead, its pacing slot open). A failure cools the model
(until the announced time, else a jittered backoff) and the request moves on at
once; only when every model is cooling does it wait, for the earliest one, and
only if that is within its deadline. Many concurrent requests share the same
cooldowns, pacing and dead models, so one request's 429 steers all the others.

This module builds the client and takes requests; :mod:`ttabot.llm.rotation` is
the request loop, :mod:`ttabot.llm.probe` a probe's one attempt,
:mod:`ttabot.llm.attempt` sends each attempt to one model and books its outcome,
:mod:`ttabot.llm.schedule` decides when each model is free and waits,
:mod:`ttabot.llm.reachability` tells a server that is down from one that blips,
and :mod:`ttabot.llm.request` holds what one request has learned and the
:class:`Completion` it ends with.

A request whose model sends no first token within the hedge delay is sent to
the next free model too; the first valid answer wins and the other attempt is
cancelled (:mod:`ttabot.llm.hedge`). Time comes from an injected
``clock`` and ``sleep``, so tests drive timeouts, cooldowns and hedges without
waiting.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ttabot.llm.attempt import Attempter
from ttabot.llm.hedge import Hedger
from ttabot.llm.json_prompt import with_json_instruction
from ttabot.llm.metrics import Metrics
from ttabot.llm.probe import probe_model
from ttabot.llm.quota import QuotaBook
from ttabot.llm.reachability import UNREACHABLE_AFTER, Reachability
from ttabot.llm.request import Completion, Request
from ttabot.llm.rotation import Rotation
from ttabot.llm.schedule import Schedule
from ttabot.llm.state import open_state
from ttabot.llm.targets import Target, missing_keys, resolve_target, usable_models

__all__ = [
    "UNREACHABLE_AFTER",
    "Completion",
    "RotatingClient",
    "Target",
    "missing_keys",
    "usable_models",
]

if TYPE_CHECKING:
    import random
    from types import TracebackType

    import httpx

    from ttabot.config import Settings
    from ttabot.llm.learning import ChainLearner
    from ttabot.records import TaskKind


class RotatingClient:
    """An async OpenAI-compatible chat client rotating through task-kind chains.

    Use as ``async with RotatingClient(settings) as client:``. ``environ`` (default
    ``os.environ``) supplies API keys; ``transport`` replaces httpx's network
    transport in tests; ``rng`` drives the learning chains' sampling; ``clock`` (epoch
    seconds) and ``sleep`` replace ``time.time`` and ``asyncio.sleep``, so tests run on
    virtual time.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        environ: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._environ = os.environ if environ is None else environ
        self._transport = transport
        self._clock = clock
        self._http: httpx.AsyncClient | None = None
        self._state = open_state(settings, clock=clock) if settings.client.shared_state else None
        self._schedule = Schedule(settings.client, self._state, clock=clock, sleep=sleep)
        self.quotas = QuotaBook(self._state, clock=clock)
        #: Draft outcomes and chain order (None: ``[client] learn = false`` or no shared state).
        self.learning: ChainLearner | None = None
        if settings.client.learn and self._state is not None:
            from ttabot.llm.learning import ChainLearner

            self.learning = ChainLearner(self._state, rng)
        self._reachability = Reachability(clock)
        self._dead: dict[str, str] = {}
        self._targets: dict[str, Target] = {}
        keys = [
            value
            for provider in settings.providers.values()
            if provider.api_key_env and (value := self._environ.get(provider.api_key_env, ""))
        ]
        self.metrics = Metrics()
        self._hedger = Hedger(self._schedule, self.metrics, self._dead, clock=clock, sleep=sleep)
        self._attempter = Attempter(
            settings.client,
            self._schedule,
            self.metrics,
            self.quotas,
            self._reachability,
            self._dead,
            http=self._client,
            keys=keys,
            clock=clock,
            sleep=sleep,
        )
        self._rotation = Rotation(
            settings.client,
            self._schedule,
            self.quotas,
            self.metrics,
            self._reachability,
            self._dead,
            self._attempter,
            self._hedger,
            clock,
            sleep,
        )

    def __repr__(self) -> str:
        return f"<RotatingClient providers={sorted(self._settings.providers)}>"

    async def __aenter__(self) -> RotatingClient:
        self._client()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            import httpx  # imported here so that importing ttabot.llm stays cheap

            self._http = httpx.AsyncClient(
                transport=self._transport,
                timeout=self._settings.client.attempt_timeout,
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
            )
        return self._http

    # --- the models ------------------------------------------------------------

    def target(self, ref: str) -> Target | None:
        """``ref`` resolved against its provider (None if the provider is unknown)."""
        cached = self._targets.get(ref)
        if cached is None:
            cached = resolve_target(self._settings, ref, self._environ)
            if cached is not None:
                self._targets[ref] = cached
        return cached

    def cooling_until(self, target: Target) -> float:
        """When ``target`` may be asked again (epoch seconds; past if free)."""
        return self._schedule.cooling_until(target)

    def unreachable(self, target: Target) -> bool:
        """Whether ``target`` looks down: its last :data:`UNREACHABLE_AFTER` attempts were
        refused connections and it has never answered this client (any HTTP response counts).

        A model that answered before and then refuses is blipping (a restart), not
        down: its connection errors stay transient and it is waited for as usual.
        """
        return self._reachability.unreachable(target)

    # --- one request ---------------------------------------------------------

    async def complete(
        self,
        kind: TaskKind,
        messages: Sequence[Mapping[str, str]],
        *,
        schema: Mapping[str, Any] | None = None,
        model: str | None = None,
        deadline: float | None = None,
        max_tokens: int | None = None,
    ) -> Completion:
        """Get an answer from the first model of ``kind``'s chain that can give one.

        ``model`` (a ``PROVIDER:MODEL`` ref) replaces the chain; ``deadline`` is the
        request's budget in seconds (default ``settings.client.deadline``). With a
        ``schema`` the answer must be JSON matching it; ``data`` holds it parsed.
        """
        started = self._clock()
        budget = self._settings.client.deadline if deadline is None else deadline
        refs = (model,) if model else tuple(self._settings.chains.get(kind, ()))
        base = list(messages) if schema is None else with_json_instruction(messages, schema)
        run = Request([dict(m) for m in base], started, started + budget)
        self.metrics.completions += 1
        targets = [t for t in map(self.target, refs) if t is not None]
        usable = [t for t in targets if t.has_key]
        if not usable:
            missing = sorted({t.key_env for t in targets if t.key_env})
            why = f"set {' or '.join(missing)}" if missing else "no model is configured"
            return self._rotation.done(run, None, error=f"no usable model for {_name(kind)}: {why}")
        if model is None and self.learning is not None:
            usable = self.learning.order(_name(kind), usable, lambda t: t.ref)
        completion = await self._rotation.rotate(run, usable, schema, max_tokens)
        learning = self.learning if model is None else None
        if learning is not None and not completion.answers and run.previous is not None:
            learning.record(_name(kind), run.previous, "no_answer")
        return completion

    # --- what drafting reports (learning chains) -------------------------------

    async def complete_draft(
        self,
        task: object,
        kind: TaskKind,
        messages: Sequence[Mapping[str, str]],
        *,
        schema: Mapping[str, Any] | None = None,
    ) -> Completion:
        """:meth:`complete` for one round of draft ``task``, reported to the learning chains.

        Drafting asks again for a task only after validation rejected its last
        answer, so that answer's model is charged a rejection before this round
        picks a model; the new answer waits for :meth:`report_verdict`.
        """
        if self.learning is not None:
            self.learning.draft_asking(task)
        completion = await self.complete(kind, messages, schema=schema)
        if self.learning is not None:
            self.learning.draft_answered(task, _name(kind), completion)
        return completion

    def report_verdict(self, task: object, accepted: bool) -> None:
        """Drafting finished ``task``: its last answer was ``accepted`` or rejected."""
        if self.learning is not None:
            self.learning.draft_settled(task, accepted)

    # --- a probe: one model, one attempt ----------------------------------------

    async def probe(self, ref: str, *, timeout: float | None = None) -> Completion:
        """Send one one-token request to ``ref``: no rotation, no retry, cooldowns respected.

        A reachable model that answers with nothing (reasoning models given one
        token often do) counts as ok.
        """
        return await probe_model(self._rotation, ref, self.target(ref), timeout=timeout)


def _name(kind: Any) -> str:
    return str(getattr(kind, "value", kind))
