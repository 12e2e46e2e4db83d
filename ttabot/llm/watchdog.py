"""The watchdog of one chat attempt: when it must end, and why, given what has arrived.

Three bounds, from :class:`AttemptLimits`: the whole attempt (``timeout``), the wait for
the first content token (``first_token``), and the silence between chunks once the answer
flows (``idle``). Time comes from the injected clock and sleep, so tests drive every
timeout without waiting.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from ttabot.llm.errors import Failure, FailureKind, transport_failure

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]


class AttemptLimits(NamedTuple):
    """The bounds of one attempt: seconds, and bytes of decoded body."""

    timeout: float
    first_token: float
    idle: float
    max_body: int
    stream: bool = True


class Watch:
    """When the attempt must end, given what has arrived so far."""

    def __init__(self, limits: AttemptLimits, started: float, clock: Clock) -> None:
        self.limits = limits
        self.started = started
        self.clock = clock
        self.first_token_at: float | None = None
        self.last_progress = started
        self.flowing = False  # headers of a non-streamed answer arrived: idle rules

    def progress(self) -> None:
        """Note that something arrived now: the idle deadline moves on."""
        self.last_progress = self.clock()

    def deadline(self) -> tuple[float, Failure]:
        """The time the attempt must end by, and the failure it ends with then."""
        end = self.started + self.limits.timeout
        failure = transport_failure(
            FailureKind.TIMEOUT, f"no complete answer within {self.limits.timeout:.1f}s"
        )
        if self.first_token_at is None and not self.flowing:
            if self.limits.stream and self.started + self.limits.first_token < end:
                end = self.started + self.limits.first_token
                detail = f"no first token within {self.limits.first_token:.1f}s"
                failure = transport_failure(FailureKind.FIRST_TOKEN_TIMEOUT, detail)
        elif self.last_progress + self.limits.idle < end:
            end = self.last_progress + self.limits.idle
            detail = f"stream idle for {self.limits.idle:.1f}s"
            failure = transport_failure(FailureKind.IDLE_TIMEOUT, detail)
        return end, failure


async def watchdog(watch: Watch, sleep: Sleep) -> Failure:
    """Return the failure of the first deadline that passes (deadlines move with progress)."""
    while True:
        end, failure = watch.deadline()
        now = watch.clock()
        if now >= end:
            return failure
        await sleep(end - now)
