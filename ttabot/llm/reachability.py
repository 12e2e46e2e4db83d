"""Which models look down: refused connections from models that never answered.

A connection *refused* means nothing listens on that port (a local server that is
not running). Timeouts and resets never count (something may be listening), and a
model that answered earlier and then refuses is blipping (a restart), not down.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ttabot.llm.errors import Answer, Failure

if TYPE_CHECKING:
    from ttabot.llm.targets import Target

#: A model whose last this many attempts were refused connections, and which never
#: answered this client, is unreachable; a request whose every model is unreachable
#: fails at once instead of backing off until its deadline.
UNREACHABLE_AFTER = 3


class Reachability:
    """Consecutive refusals per model, and the models that have answered at all."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._refusals: dict[str, tuple[int, float]] = {}  # ref -> (count, time of the last)
        self._answered: set[str] = set()

    def unreachable(self, target: Target) -> bool:
        """Whether ``target``'s last :data:`UNREACHABLE_AFTER` attempts were refused
        connections and it has never answered (any HTTP response counts)."""
        refused, _ = self._refusals.get(target.ref, (0, 0.0))
        return refused >= UNREACHABLE_AFTER and target.ref not in self._answered

    def note(self, target: Target, outcome: Answer | Failure, sent: float) -> None:
        """Record what the attempt sent to ``target`` at ``sent`` came to."""
        if isinstance(outcome, Failure) and outcome.refused:
            refused, last = self._refusals.get(target.ref, (0, 0.0))
            # Refusals of attempts that were in flight together count once, as strikes do.
            if sent >= last:
                refused += 1
            self._refusals[target.ref] = (refused, self._clock())
            return
        self._refusals.pop(target.ref, None)  # a timeout or reset: something may listen
        if isinstance(outcome, Answer) or outcome.status is not None:
            self._answered.add(target.ref)


def unreachable_error(targets: Sequence[Target]) -> str:
    """The error of a request whose every model refused: each ``host:port``, never a key."""
    refs: dict[str, list[str]] = {}
    for target in targets:
        refs.setdefault(target.endpoint, []).append(target.ref)
    where = ", ".join(f"{endpoint} ({', '.join(names)})" for endpoint, names in refs.items())
    return f"no model is reachable: every connection to {where} was refused; is the server running?"
