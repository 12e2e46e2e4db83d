"""One attempt of a request: send it to one model, classify the outcome, account for it.

:class:`Attempter` is what the rotating client (:mod:`ttabot.llm.client`) and its
hedges (:mod:`ttabot.llm.hedge`) call for each model they ask. It sends one HTTP
request (:mod:`ttabot.llm.http`), masks the client's keys in what comes back,
checks a structured answer against its schema, and books the outcome where the
rotation reads it: the model's metrics, its cooldown or backoff, its quota, its
reachability, the models that are dead for the run and the ones this request skips.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

from ttabot.llm import structured
from ttabot.llm.errors import Answer, Failure, FailureKind, Scope
from ttabot.llm.http import post_chat
from ttabot.llm.metrics import Metrics
from ttabot.llm.quota import QuotaBook
from ttabot.llm.reachability import Reachability
from ttabot.llm.request import Completion, Request
from ttabot.llm.schedule import ProbeClaim, Schedule
from ttabot.llm.schema import validate
from ttabot.llm.targets import Target
from ttabot.llm.watchdog import AttemptLimits
from ttabot.redaction import KnownSecrets

if TYPE_CHECKING:
    import httpx

    from ttabot.config import ClientSettings


class Attempter:
    """Sends one request to one model and books its outcome.

    Shares the client's ``schedule`` (cooldowns, pacing, probe slots), ``metrics``,
    ``quotas``, ``reachability`` and ``dead`` models (ref -> why, written here when
    a model turns out gone for good). ``http`` returns the client's open HTTP
    connection pool; ``keys`` are the API keys masked in answers and errors.
    """

    def __init__(
        self,
        settings: ClientSettings,
        schedule: Schedule,
        metrics: Metrics,
        quotas: QuotaBook,
        reachability: Reachability,
        dead: MutableMapping[str, str],
        *,
        http: Callable[[], httpx.AsyncClient],
        keys: Sequence[str],
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[object]],
    ) -> None:
        self._settings = settings
        self._schedule = schedule
        self._metrics = metrics
        self._quotas = quotas
        self._reachability = reachability
        self._dead = dead
        self._http = http
        #: Keys masked in answers: a shorter "key" is a local server's placeholder.
        self._answer_keys = KnownSecrets(keys)
        #: Keys masked in error messages, however short, also where a capped one cuts them.
        self._error_keys = KnownSecrets(keys, shortest=1)
        self._clock = clock
        self._sleep = sleep

    async def attempt(
        self,
        run: Request,
        target: Target,
        schema: Mapping[str, Any] | None,
        max_tokens: int | None,
        on_first_token: Callable[[], object] | None = None,
        probe: ProbeClaim | None = None,
    ) -> Completion | bool:
        """Send one request; a Completion ends the request, True asks to retry this model.

        ``probe`` is the claim on ``target``'s probe slot taken for this attempt before
        it ran (a hedge's); the attempt holds it while in flight and then releases it.
        """
        stats = self._metrics.model(target.ref)
        if self._schedule.in_announced(target):
            # A cooldown announced (here, or by another process) between the pick and the
            # send (a hedged attempt starts on the next turn of the loop): send nothing,
            # pick again. No request is ever sent inside an announced window.
            stats.sends_held_back += 1
            return False
        run.attempts += 1
        if run.previous is not None and run.previous != target.ref:
            self._metrics.rotations += 1
        run.previous = target.ref
        stats.requests += 1
        body: dict[str, Any] = {"model": target.model, "messages": run.messages_for(target.ref)}
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if schema is not None and target.json_mode:
            body["response_format"] = {"type": "json_object"}
        sent = self._clock()
        timeout = min(self._settings.attempt_timeout, run.end - sent)

        def first_token(seconds: float) -> None:
            stats.first_tokens.append(seconds)
            if on_first_token is not None:
                on_first_token()

        with self._schedule.probe_slot(target, sent, probe):
            outcome = await self.send(target, body, timeout, first_token)
        stats.latencies.append(self._clock() - sent)
        if outcome.quota is not None:
            self._quotas.observe(target, outcome.quota)
        self._reachability.note(target, outcome, sent)
        if isinstance(outcome, Answer):
            outcome = dataclasses.replace(outcome, content=self._redact_answer(outcome.content))
            run.answers += 1
            run.prompt_tokens += outcome.prompt_tokens
            run.completion_tokens += outcome.completion_tokens
            stats.prompt_tokens += outcome.prompt_tokens
            stats.completion_tokens += outcome.completion_tokens
            self._schedule.answered(target, sent)
            if schema is None:
                stats.successes += 1
                return self._answer(run, target, outcome.content, None)
            return self._structured(run, target, outcome.content, schema)
        stats.failures[outcome.kind.value] += 1
        run.last_error = f"{target.ref}: {self.redact_error(outcome.message)}"
        return self._fail(run, target, outcome, sent)

    def _structured(
        self, run: Request, target: Target, content: str, schema: Mapping[str, Any]
    ) -> Completion | bool:
        stats = self._metrics.model(target.ref)
        try:
            data = structured.extract_json(content)
            validate(data, schema)
        except ValueError as exc:  # JSONExtractionError, SchemaError
            stats.failures[FailureKind.INVALID_OUTPUT.value] += 1
            return run.reject(target.ref, content, str(exc))
        stats.successes += 1
        return self._answer(run, target, content, data)

    def _fail(
        self, run: Request, target: Target, failure: Failure, sent: float
    ) -> Completion | bool:
        if failure.scope is Scope.REQUEST:
            # The request cannot succeed anywhere: it ends here, as a failure.
            error = self.redact_error(run.last_error)
            return run.completion(None, content="", data=None, error=error, now=self._clock())
        if failure.scope is Scope.MODEL:
            self._dead[target.ref] = self.redact_error(failure.message)
        elif failure.scope is Scope.SKIP:
            run.excluded[target.ref] = self.redact_error(failure.message)
        elif failure.retry_at is not None and failure.retry_at > self._clock():
            self._schedule.announce(target, failure.retry_at)
        else:
            # Nothing announced, or a time already past ("Retry-After: 0", a skewed
            # clock): back off, else the failed model stays first free and is asked again.
            self._schedule.back_off(target, sent, failure.kind)
        return False

    async def send(
        self,
        target: Target,
        body: Mapping[str, Any],
        timeout: float,
        on_first_token: Callable[[float], None] | None = None,
    ) -> Answer | Failure:
        """One HTTP request to ``target``, classified; never raises for network trouble.

        ``on_first_token`` gets the seconds to the first content token when it comes.
        """
        limits = AttemptLimits(
            timeout=timeout,
            first_token=self._settings.first_token_timeout,
            idle=self._settings.idle_timeout,
            max_body=self._settings.max_body,
            stream=target.stream,
        )
        return await post_chat(
            self._http(),
            target,
            body,
            limits,
            clock=self._clock,
            sleep=self._sleep,
            on_first_token=on_first_token,
        )

    def _redact_answer(self, content: str) -> str:
        """``content`` with every key of :data:`~ttabot.redaction.MIN_SECRET` characters or
        more masked.

        An answer becomes a draft, a suggestion or a commit: a provider echoing the
        request's headers must not carry the key there. A shorter "key" is a local
        server's placeholder (``none``), and masking it would only mangle the text.
        Token-shaped text is left alone: in a draft it is the project's own fixture.
        """
        return self._answer_keys.redact(content)

    def redact_error(self, text: str) -> str:
        """``text`` (an error message) with every key masked, and a key's start at its end.

        A provider's error message is capped (:mod:`ttabot.llm.errors`); a key it
        echoes across the cap ends the message cut in two, which a whole match misses.
        """
        return self._error_keys.redact_cut_end(self._error_keys.redact(text))

    def _answer(self, run: Request, target: Target, content: str, data: Any) -> Completion:
        """An answer that ends the request (counted as ok by whoever returns it)."""
        return run.completion(target.ref, content=content, data=data, error=None, now=self._clock())
