"""Per-model counters of what the client did, as JSON and as terminal text."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (0.0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class ModelStats:
    """What happened to the requests sent to one model."""

    requests: int = 0
    successes: int = 0
    failures: collections.Counter[str] = field(default_factory=collections.Counter)
    latencies: list[float] = field(default_factory=list)
    #: Seconds to the first content token (to the whole body when not streamed).
    first_tokens: list[float] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cooldown_skips: int = 0
    #: Sends stopped at the last moment: a window was announced after the model was picked.
    #: (A count of requests sent inside an announced window would be 0 by construction; the
    #: fake server's ``violations()`` checks that from the outside.)
    sends_held_back: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-able summary; latencies as p50/p95 seconds."""
        return {
            "requests": self.requests,
            "successes": self.successes,
            "failures": dict(sorted(self.failures.items())),
            "latency_p50": round(percentile(self.latencies, 0.50), 4),
            "latency_p95": round(percentile(self.latencies, 0.95), 4),
            "first_token_p90": round(percentile(self.first_tokens, 0.90), 4),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cooldown_skips": self.cooldown_skips,
            "sends_held_back": self.sends_held_back,
        }


@dataclass
class Metrics:
    """Counters for one client: per model, plus rotations and waits across requests."""

    models: dict[str, ModelStats] = field(default_factory=dict)
    completions: int = 0
    completions_ok: int = 0
    rotations: int = 0
    waits: int = 0
    wait_seconds: float = 0.0
    #: Second copies of slow requests sent to another model, and how many answered first.
    hedges_sent: int = 0
    hedges_won: int = 0

    def model(self, ref: str) -> ModelStats:
        """The stats of ``ref``, created on first use."""
        stats = self.models.get(ref)
        if stats is None:
            stats = self.models[ref] = ModelStats()
        return stats

    @property
    def sends_held_back(self) -> int:
        """Sends stopped because a window was announced between the pick and the send."""
        return sum(stats.sends_held_back for stats in self.models.values())

    def as_dict(self) -> dict[str, Any]:
        """Everything, JSON-able."""
        return {
            "completions": self.completions,
            "completions_ok": self.completions_ok,
            "rotations": self.rotations,
            "waits": self.waits,
            "wait_seconds": round(self.wait_seconds, 3),
            "hedges_sent": self.hedges_sent,
            "hedges_won": self.hedges_won,
            "cooldown_skips": sum(s.cooldown_skips for s in self.models.values()),
            "sends_held_back": self.sends_held_back,
            "models": {ref: stats.as_dict() for ref, stats in self.models.items()},
        }

    def render(self) -> str:
        """A short table for the terminal or a job summary."""
        lines = [
            f"completions {self.completions_ok}/{self.completions} ok, "
            f"{self.rotations} rotations, {self.waits} waits ({self.wait_seconds:.1f}s), "
            f"{self.sends_held_back} sends held back by a new cooldown, "
            f"{self.hedges_won}/{self.hedges_sent} hedges won"
        ]
        for ref, stats in self.models.items():
            failures = ", ".join(f"{k} {v}" for k, v in sorted(stats.failures.items())) or "-"
            lines.append(
                f"  {ref}: {stats.successes}/{stats.requests} ok, "
                f"p50 {percentile(stats.latencies, 0.5):.2f}s "
                f"p95 {percentile(stats.latencies, 0.95):.2f}s, "
                f"tokens {stats.prompt_tokens}+{stats.completion_tokens}, "
                f"skipped cooling {stats.cooldown_skips}, failures: {failures}"
            )
        return "\n".join(lines)
