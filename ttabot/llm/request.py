"""One request's record: what it learns while it runs, and the Completion it ends with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ttabot.llm import json_prompt


@dataclass(frozen=True)
class Completion:
    """The outcome of one request: the answer, or why there is none.

    ``data`` is the parsed JSON when a schema was given; ``attempts`` counts HTTP
    requests sent; ``answers`` those a model answered with content (usable or
    not, so 0 means no model answered at all); tokens are summed over attempts;
    ``latency`` is seconds.
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
    answers: int = 0


@dataclass
class Request:
    """What one ``complete`` call has learned so far."""

    messages: list[dict[str, str]]
    started: float
    end: float
    excluded: dict[str, str] = field(default_factory=dict)
    invalid: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    attempts: int = 0
    answers: int = 0
    last_error: str = ""
    previous: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def messages_for(self, ref: str) -> list[dict[str, str]]:
        """The conversation to send ``ref``: the request, plus feedback on its invalid answer."""
        return self.messages + self.invalid.get(ref, [])

    def reject(self, ref: str, content: str, problem: str) -> bool:
        """Note invalid structured output from ``ref``; True if ``ref`` gets one more try.

        The first invalid answer goes back to the same model with what was wrong; a
        second one takes the model out of this request.
        """
        self.last_error = f"{ref}: invalid output: {problem}"
        if ref in self.invalid:
            self.excluded[ref] = f"invalid output twice: {problem}"
            return False
        self.invalid[ref] = json_prompt.feedback(content, problem)
        return True

    def too_late(self, wait: float) -> str:
        """Why the request gives up when the next free model is ``wait`` seconds past its end."""
        last = f" (last error: {self.last_error})" if self.last_error else ""
        return f"every model is cooling or paced for {wait:.1f}s more, past the deadline{last}"

    def out_of_time(self) -> str:
        """Why the request gives up when its deadline has passed."""
        last = f" (last error: {self.last_error})" if self.last_error else ""
        return f"request deadline of {self.end - self.started:.1f}s reached{last}"

    def completion(
        self, model: str | None, *, content: str, data: Any, error: str | None, now: float
    ) -> Completion:
        """The request's outcome at ``now``: ``error`` None means ``model`` answered ``content``."""
        return Completion(
            ok=error is None,
            model=model,
            content=content,
            data=data,
            error=error,
            attempts=self.attempts,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            latency=now - self.started,
            answers=self.answers,
        )
