"""Chains that learn: order each task kind's models by how their drafts fared.

Drafting reports, per task, which model wrote each answer and whether the task's
draft was accepted; an answer that drew a feedback round was rejected by
validation, and counts against the model that wrote it, not the one that
answered last. The counts live in the shared state (never the project).

A chain is ordered by Thompson sampling: each model draws from
Beta(1 + accepted + prior, 1 + rejected), where the prior gives the configured
first model two accepted drafts' worth of trust and the last none, so an untried
model competes and a model whose drafts keep failing is overtaken after a few
rejections. A kind with no record yet keeps its configured order. Only models the
request could use are ordered: the client has already dropped those without
credentials, and its schedule skips cooling ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from ttabot.llm.state import Outcomes

if TYPE_CHECKING:
    from ttabot.llm.request import Completion
    from ttabot.llm.state import SharedState

T = TypeVar("T")

#: Accepted drafts' worth of trust the configured first model starts with.
PRIOR_WEIGHT = 2.0


def order_chain(
    refs: Sequence[str], record: Mapping[str, Outcomes], rng: random.Random
) -> list[int]:
    """Positions of ``refs`` best first, by one Thompson draw each (see the module docstring)."""
    if not any(ref in record for ref in refs):
        return list(range(len(refs)))
    last = max(len(refs) - 1, 1)
    draws = []
    for position, ref in enumerate(refs):
        seen = record.get(ref, Outcomes())
        prior = PRIOR_WEIGHT * (len(refs) - 1 - position) / last
        draw = rng.betavariate(1 + seen.accepted + prior, 1 + seen.rejected)
        draws.append((-draw, position))
    return [position for _, position in sorted(draws)]


def posterior_mean(seen: Outcomes) -> float:
    """Expected acceptance rate under Beta(1 + accepted, 1 + rejected)."""
    return (1 + seen.accepted) / (2 + seen.accepted + seen.rejected)


class ChainLearner:
    """Records draft outcomes in ``state`` and orders chains from them."""

    def __init__(self, state: SharedState, rng: random.Random | None = None) -> None:
        self._state = state
        self._rng = rng or random.Random()
        # id(task) -> (kind, model) of its latest answer, until a verdict settles it
        # (by id: tasks need not be hashable, and each lives until it is settled).
        self._pending: dict[int, tuple[str, str]] = {}

    def order(self, kind: str, items: Sequence[T], ref: Callable[[T], str]) -> list[T]:
        """``items`` (chain models) in the order a request of ``kind`` should try them."""
        if len(items) < 2:
            return list(items)
        table = self._state.outcomes()
        record = {
            ref(item): table[(kind, ref(item))] for item in items if (kind, ref(item)) in table
        }
        return [items[i] for i in order_chain([ref(item) for item in items], record, self._rng)]

    def record(self, kind: str, model: str, outcome: str) -> None:
        """Count one outcome (``accepted``, ``rejected`` or ``no_answer``)."""
        self._state.record_outcome(kind, model, outcome)

    # --- the hook drafting reports through -----------------------------------------

    def draft_asking(self, task: object) -> None:
        """``task`` asks again: validation rejected its last answer, so charge that model now.

        Charged before the new round picks a model, so the very next pick knows.
        """
        previous = self._pending.pop(id(task), None)
        if previous is not None:
            self.record(*previous, "rejected")

    def draft_answered(self, task: object, kind: str, completion: Completion) -> None:
        """``task`` (of ``kind``) got ``completion``; it awaits a verdict."""
        if completion.ok and completion.model is not None:
            self._pending[id(task)] = (kind, completion.model)

    def draft_settled(self, task: object, accepted: bool) -> None:
        """``task`` is done: its last answer was ``accepted`` (or rejected)."""
        pending = self._pending.pop(id(task), None)
        if pending is not None:
            self.record(*pending, "accepted" if accepted else "rejected")

    def table(self) -> list[tuple[str, str, Outcomes]]:
        """Every ``(kind, model, outcomes)`` row, sorted."""
        return sorted((kind, model, seen) for (kind, model), seen in self._state.outcomes().items())
