"""The one refine loop every kind of draft uses: ask, parse, check, feed the failure back.

A task kind gives :func:`refine` a ``check`` coroutine that parses and checks one
answer (keeping whatever state it needs between rounds) and says whether to
stop; the loop asks, records an :class:`~ttabot.records.Attempt` per round and,
while rounds are left, sends the failure back quoted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from ttabot.drafting import prompts
from ttabot.records import NO_ANSWER_STAGE, Attempt, ValidationStage

if TYPE_CHECKING:
    from ttabot.llm import Completion

Messages = tuple[Mapping[str, str], ...]
Ask = Callable[[Messages], Awaitable["Completion"]]


class Verdict(NamedTuple):
    """What ``check`` made of one answer.

    ``done``: stop asking (accepted, or nothing a retry could fix). ``stage``
    is the last stage reached, failing when ``ok`` is False; ``reason`` is fed
    back to the model for the next round.
    """

    done: bool
    stage: str
    ok: bool
    reason: str = ""


Check = Callable[["Completion"], Awaitable[Verdict]]


@dataclass
class Refined:
    """A task's rounds: every attempt, model usage summed, and the last failure."""

    attempts: list[Attempt] = field(default_factory=list)
    model: str | None = None
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: Set when the last request got no usable answer (no model answered, or not usably).
    unanswered: ValidationStage | None = None

    def add(self, completion: Completion) -> None:
        """Count ``completion``'s requests and tokens."""
        self.model = completion.model or self.model
        self.requests += completion.attempts
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens


def model_stage(completion: Completion) -> ValidationStage:
    """The failed stage for a request that got no usable answer.

    No model answering at all (unreachable, refusing, rate-limited past the
    deadline) is :data:`~ttabot.records.NO_ANSWER_STAGE`, reported as
    ``no-answer``. Otherwise a model did answer, just not usably: ``answer``.
    """
    name = "answer" if completion.answers else NO_ANSWER_STAGE
    return ValidationStage(name, False, completion.error or "the model gave no answer")


async def refine(
    ask: Ask, messages: Sequence[Mapping[str, str]], check: Check, rounds: int
) -> Refined:
    """Ask up to ``rounds + 1`` times, feeding each failure back, until ``check`` says done."""
    out = Refined()
    conversation: Messages = tuple(messages)
    for round_ in range(rounds + 1):
        completion = await ask(conversation)
        out.add(completion)
        if not completion.ok:
            stage = model_stage(completion)
            out.unanswered = stage
            out.attempts.append(
                Attempt(completion.model, completion.attempts, stage.name, False, stage.detail)
            )
            break
        verdict = await check(completion)
        out.attempts.append(
            Attempt(
                completion.model, completion.attempts, verdict.stage, verdict.ok, verdict.reason
            )
        )
        if verdict.done or round_ == rounds:
            break
        conversation = prompts.feedback_messages(
            conversation, completion.content, verdict.stage, verdict.reason
        )
    return out
