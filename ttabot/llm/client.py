"""The rotating model client: one rotation state for every request of a run.

A request walks its task kind's chain and takes the first model that is free
now (not cooling, not dead, its pacing slot open). A failure cools the model
(until the announced time, else a jittered backoff) and the request moves on at
once; only when every model is cooling does it wait, for the earliest one, and
only if that is within its deadline. Many concurrent requests share the same
cooldowns, pacing and dead models, so one request's 429 steers all the others.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ttabot.llm import structured
from ttabot.llm.backoff import backoff_delay
from ttabot.llm.cooldown import CooldownTable
from ttabot.llm.errors import Answer, Failure, FailureKind, Scope
from ttabot.llm.http import post_chat
from ttabot.llm.metrics import Metrics
from ttabot.llm.pacing import Pacer
from ttabot.llm.state import SharedCooldowns, default_state_dir
from ttabot.llm.targets import Target, missing_keys, resolve_target, usable_models

__all__ = [
    "UNREACHABLE_AFTER",
    "Completion",
    "RotatingClient",
    "Target",
    "missing_keys",
    "usable_models",
]

#: A model whose last this many attempts were refused connections, and which never
#: answered this client, is unreachable; a request whose every model is unreachable
#: fails at once instead of backing off until its deadline.
UNREACHABLE_AFTER = 3

if TYPE_CHECKING:
    from types import TracebackType

    import httpx

    from ttabot.config import Settings
    from ttabot.records import TaskKind


@dataclass(frozen=True)
class Completion:
    """The outcome of one request: the answer, or why there is none.

    ``data`` is the parsed JSON when a schema was given; ``attempts`` counts HTTP
    requests sent; tokens are summed over attempts; ``latency`` is seconds.
    """

    ok: bool
    model: str | None
    content: str
    data: Any
    error: str | None
    attempts: int
    prompt_tokens: int
    completion_tokens: int
    latency: float


@dataclass
class _Request:
    """What one ``complete`` call has learned so far."""

    messages: list[dict[str, str]]
    started: float
    end: float
    excluded: dict[str, str] = field(default_factory=dict)
    invalid: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    attempts: int = 0
    last_error: str = ""
    previous: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


class RotatingClient:
    """An async OpenAI-compatible chat client rotating through task-kind chains.

    Use as ``async with RotatingClient(settings) as client:``. ``environ`` (default
    ``os.environ``) supplies API keys; ``transport`` replaces httpx's network
    transport in tests.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        environ: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._environ = os.environ if environ is None else environ
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._table = CooldownTable()
        self._pacer = Pacer()
        self._dead: dict[str, str] = {}
        self._strikes: dict[str, tuple[int, float]] = {}
        # A model that failed without announcing anything gets one probe request at a
        # time once its backoff ends (a circuit breaker's half-open state): ref -> sent.
        self._probes: dict[str, float] = {}
        # Requests waiting while a probe is in flight; woken when it ends, to look again.
        self._waiters: list[asyncio.Future[None]] = []
        # Consecutive refused connections per model (ref -> count, time of the last), and
        # the models that have answered at all: see unreachable().
        self._refusals: dict[str, tuple[int, float]] = {}
        self._answered: set[str] = set()
        self._targets: dict[str, Target] = {}
        self._secrets = tuple(
            value
            for provider in settings.providers.values()
            if provider.api_key_env and (value := self._environ.get(provider.api_key_env, ""))
        )
        self._shared: SharedCooldowns | None = None
        if settings.client.shared_state:
            state_dir = settings.client.state_dir
            self._shared = SharedCooldowns(Path(state_dir) if state_dir else default_state_dir())
        self.metrics = Metrics()

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

    # --- resolving and choosing models --------------------------------------

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
        self._sync_shared()
        return self._table.until(target.state_key)

    def _sync_shared(self) -> None:
        if self._shared is not None:
            for key, until in self._shared.read().items():
                self._table.announce(key, until)

    def _ready_at(self, target: Target, now: float) -> float:
        ready = max(now, self._table.until(target.state_key))
        if target.bucket is not None:
            ready = max(ready, self._pacer.next_slot(target.bucket[0], now))
        probe = self._probes.get(target.ref)
        if probe is not None:
            ready = max(ready, probe + self._settings.client.attempt_timeout)
        return ready

    def _pick(self, candidates: Sequence[Target], now: float, prefer: str | None) -> Target:
        """The chain's first model that is free now, else the one free soonest."""
        self._sync_shared()
        ready = [self._ready_at(t, now) for t in candidates]
        for target, at in zip(candidates, ready, strict=True):
            if target.ref == prefer and at <= now:
                return target
        best = min(range(len(candidates)), key=lambda i: (ready[i], i))
        if ready[best] <= now:
            for skipped in candidates[:best]:
                self.metrics.model(skipped.ref).cooldown_skips += 1
        return candidates[best]

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
        started = time.time()
        budget = self._settings.client.deadline if deadline is None else deadline
        refs = (model,) if model else tuple(self._settings.chains.get(kind, ()))
        base = list(messages) if schema is None else structured.with_json_instruction(
            messages, schema
        )
        run = _Request([dict(m) for m in base], started, started + budget)
        self.metrics.completions += 1
        targets = [t for t in map(self.target, refs) if t is not None]
        usable = [t for t in targets if t.has_key]
        if not usable:
            missing = sorted({t.key_env for t in targets if t.key_env})
            why = f"set {' or '.join(missing)}" if missing else "no model is configured"
            return self._done(run, None, error=f"no usable model for {_name(kind)}: {why}")
        return await self._rotate(run, usable, schema, max_tokens)

    async def _rotate(
        self,
        run: _Request,
        usable: Sequence[Target],
        schema: Mapping[str, Any] | None,
        max_tokens: int | None,
    ) -> Completion:
        prefer: str | None = None
        while True:
            gone = self._dead.keys() | run.excluded.keys()
            candidates = [t for t in usable if t.ref not in gone]
            if not candidates:
                reasons = {**{t.ref: self._dead.get(t.ref, "") for t in usable}, **run.excluded}
                detail = "; ".join(f"{ref}: {why}" for ref, why in reasons.items() if why)
                return self._done(run, None, error=f"no model could answer ({detail})")
            if run.attempts >= self._settings.client.max_attempts:
                error = f"gave up after {run.attempts} attempts (last error: {run.last_error})"
                return self._done(run, None, error=error)
            now = time.time()
            target = self._pick(candidates, now, prefer)
            ready = self._ready_at(target, now)
            if ready > now:
                if all(map(self.unreachable, candidates)):
                    # Waiting cannot help: nothing listens at any endpoint of the chain.
                    return self._done(run, None, error=_unreachable_error(candidates))
                if ready >= run.end:
                    return self._done(run, None, error=_too_late(ready - now, run))
                # Every model is cooling (or paced): wait for the earliest, then look again.
                self.metrics.waits += 1
                self.metrics.wait_seconds += await self._wait(ready - now)
                continue
            if target.bucket is not None:
                self._pacer.reserve(target.bucket[0], target.bucket[1], now)
            prefer = None
            outcome = await self._attempt(run, target, schema, max_tokens)
            if isinstance(outcome, Completion):
                return outcome
            if outcome:  # invalid structured output: one more try on the same model
                prefer = target.ref

    async def _attempt(
        self,
        run: _Request,
        target: Target,
        schema: Mapping[str, Any] | None,
        max_tokens: int | None,
    ) -> Completion | bool:
        """Send one request; a Completion ends the request, True asks to retry this model."""
        run.attempts += 1
        if run.previous is not None and run.previous != target.ref:
            self.metrics.rotations += 1
        run.previous = target.ref
        stats = self.metrics.model(target.ref)
        stats.requests += 1
        if self._table.in_announced(target.state_key):
            stats.calls_in_cooldown += 1  # must stay 0: _pick never chooses a cooling model
        messages = run.messages + run.invalid.get(target.ref, [])
        body: dict[str, Any] = {"model": target.model, "messages": messages}
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if schema is not None and target.json_mode:
            body["response_format"] = {"type": "json_object"}
        sent = time.time()
        timeout = min(self._settings.client.attempt_timeout, run.end - sent)
        probing = target.ref in self._strikes
        if probing:
            self._probes[target.ref] = sent
        try:
            outcome = await self.send(target, body, timeout)
        finally:
            if probing:
                self._probes.pop(target.ref, None)
                self._wake_waiters()
        stats.latencies.append(time.time() - sent)
        self._note_reachability(target, outcome, sent)
        if isinstance(outcome, Answer):
            run.prompt_tokens += outcome.prompt_tokens
            run.completion_tokens += outcome.completion_tokens
            stats.prompt_tokens += outcome.prompt_tokens
            stats.completion_tokens += outcome.completion_tokens
            self._strikes.pop(target.ref, None)
            self._table.clear_backoff(target.state_key)
            if schema is None:
                stats.successes += 1
                return self._done(run, target, content=outcome.content)
            return self._structured(run, target, outcome.content, schema)
        stats.failures[outcome.kind.value] += 1
        run.last_error = f"{target.ref}: {self._redact(outcome.message)}"
        return self._fail(run, target, outcome, sent)

    def _structured(
        self, run: _Request, target: Target, content: str, schema: Mapping[str, Any]
    ) -> Completion | bool:
        stats = self.metrics.model(target.ref)
        try:
            data = structured.extract_json(content)
            structured.validate(data, schema)
        except ValueError as exc:  # JSONExtractionError, SchemaError
            stats.failures[FailureKind.INVALID_OUTPUT.value] += 1
            run.last_error = f"{target.ref}: invalid output: {exc}"
            if target.ref in run.invalid:
                run.excluded[target.ref] = f"invalid output twice: {exc}"
                return False
            run.invalid[target.ref] = structured.feedback(content, str(exc))
            return True
        stats.successes += 1
        return self._done(run, target, content=content, data=data)

    def _fail(
        self, run: _Request, target: Target, failure: Failure, sent: float
    ) -> Completion | bool:
        if failure.scope is Scope.REQUEST:
            return self._done(run, None, error=run.last_error)
        if failure.scope is Scope.MODEL:
            self._dead[target.ref] = self._redact(failure.message)
        elif failure.scope is Scope.SKIP:
            run.excluded[target.ref] = self._redact(failure.message)
        elif failure.retry_at is not None:
            if self._table.announce(target.state_key, failure.retry_at) and self._shared:
                self._shared.publish(target.state_key, failure.retry_at)
        else:
            self._back_off(target, sent, failure.kind)
        return False

    def _back_off(self, target: Target, sent: float, kind: FailureKind) -> None:
        """Nothing was announced: cool ``target`` for the next step of the backoff schedule."""
        strikes, last = self._strikes.get(target.ref, (0, 0.0))
        # Failures of attempts already in flight at the last strike count once, so a
        # burst of concurrent timeouts does not push the model far down the schedule.
        if sent >= last:
            strikes += 1
        now = time.time()
        self._strikes[target.ref] = (strikes, now)
        delay = backoff_delay(strikes, self._settings.client.backoff)
        if kind is FailureKind.TIMEOUT:
            # Asking a hung model again costs a whole attempt timeout: wait at least that long.
            delay = max(delay, self._settings.client.attempt_timeout)
        self._table.back_off(target.state_key, now + delay)

    def unreachable(self, target: Target) -> bool:
        """Whether ``target`` looks down: its last :data:`UNREACHABLE_AFTER` attempts were
        refused connections and it has never answered this client (any HTTP response counts).

        A model that answered before and then refuses is blipping (a restart), not
        down: its connection errors stay transient and it is waited for as usual.
        """
        refused, _ = self._refusals.get(target.ref, (0, 0.0))
        return refused >= UNREACHABLE_AFTER and target.ref not in self._answered

    def _note_reachability(self, target: Target, outcome: Answer | Failure, sent: float) -> None:
        if isinstance(outcome, Failure) and outcome.refused:
            refused, last = self._refusals.get(target.ref, (0, 0.0))
            # Refusals of attempts that were in flight together count once, as strikes do.
            if sent >= last:
                refused += 1
            self._refusals[target.ref] = (refused, time.time())
            return
        self._refusals.pop(target.ref, None)  # a timeout or reset: something may listen
        if isinstance(outcome, Answer) or outcome.status is not None:
            self._answered.add(target.ref)

    async def _wait(self, seconds: float) -> float:
        """Sleep ``seconds``, or less if a probe ends meanwhile; return the time slept.

        Requests queued behind a model's probe would otherwise sleep a whole attempt
        timeout even when the probe ends at once (a refused connection takes
        milliseconds).
        """
        started = time.time()
        if not self._probes:
            await asyncio.sleep(seconds)
            return time.time() - started
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(woken)
        try:
            await asyncio.wait({woken}, timeout=seconds)
        finally:
            if woken in self._waiters:
                self._waiters.remove(woken)
            woken.cancel()
        return time.time() - started

    def _wake_waiters(self) -> None:
        waiters, self._waiters = self._waiters, []
        for woken in waiters:
            if not woken.done():
                woken.set_result(None)

    async def probe(self, ref: str, *, timeout: float | None = None) -> Completion:
        """Send one one-token request to ``ref``: no rotation, no retry, cooldowns respected.

        A reachable model that answers with nothing (reasoning models given one
        token often do) counts as ok.
        """
        now = time.time()
        run = _Request([{"role": "user", "content": "Reply with OK."}], now, now + (
            timeout or self._settings.client.attempt_timeout))
        self.metrics.completions += 1
        target = self.target(ref)
        if target is None:
            return self._done(run, None, error=f"{ref}: provider is not defined")
        if not target.has_key:
            return self._done(run, None, error=f"{ref}: set {target.key_env}")
        ready = self._ready_at(target, now)
        if ready > now and ready >= run.end:
            return self._done(run, None, error=f"cooling or paced for {ready - now:.0f}s more")
        await asyncio.sleep(max(0.0, ready - now))
        if target.bucket is not None:
            self._pacer.reserve(target.bucket[0], target.bucket[1], time.time())
        outcome = await self._attempt(run, target, None, 1)
        if isinstance(outcome, Completion):
            return outcome
        if run.last_error.endswith(": empty content"):
            return self._done(run, target, content="")
        return self._done(run, None, error=run.last_error)

    async def send(
        self, target: Target, body: Mapping[str, Any], timeout: float
    ) -> Answer | Failure:
        """One HTTP request to ``target``, classified; never raises for network trouble."""
        return await post_chat(self._client(), target, body, timeout)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _done(
        self,
        run: _Request,
        target: Target | None,
        *,
        content: str = "",
        data: Any = None,
        error: str | None = None,
    ) -> Completion:
        ok = error is None
        self.metrics.completions_ok += ok
        return Completion(
            ok=ok,
            model=target.ref if target is not None and ok else None,
            content=content,
            data=data,
            error=None if ok else self._redact(error or ""),
            attempts=run.attempts,
            prompt_tokens=run.prompt_tokens,
            completion_tokens=run.completion_tokens,
            latency=time.time() - run.started,
        )


def _name(kind: Any) -> str:
    return str(getattr(kind, "value", kind))


def _unreachable_error(targets: Sequence[Target]) -> str:
    refs: dict[str, list[str]] = {}
    for target in targets:
        refs.setdefault(target.endpoint, []).append(target.ref)
    where = ", ".join(f"{endpoint} ({', '.join(names)})" for endpoint, names in refs.items())
    return f"no model is reachable: every connection to {where} was refused; is the server running?"


def _too_late(wait: float, run: _Request) -> str:
    last = f" (last error: {run.last_error})" if run.last_error else ""
    return f"every model is cooling or paced for {wait:.1f}s more, past the deadline{last}"
