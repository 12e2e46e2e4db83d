"""A probe: one one-token request to one model, no rotation, no retry.

``ttabot models --probe`` asks each chain model once this way; cooldowns, pacing
and quotas are respected as for any request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ttabot.llm.request import Completion, Request

if TYPE_CHECKING:
    from ttabot.llm.rotation import Rotation
    from ttabot.llm.targets import Target


async def probe_model(
    rotation: Rotation, ref: str, target: Target | None, *, timeout: float | None = None
) -> Completion:
    """Send one one-token request to ``target`` (``ref`` resolved; None: no provider).

    A reachable model that answers with nothing (reasoning models given one
    token often do) counts as ok.
    """
    now = rotation.clock()
    run = Request(
        [{"role": "user", "content": "Reply with OK."}],
        now,
        now + (timeout or rotation.settings.attempt_timeout),
    )
    rotation.metrics.completions += 1
    if target is None:
        return rotation.done(run, None, error=f"{ref}: provider is not defined")
    if not target.has_key:
        return rotation.done(run, None, error=f"{ref}: set {target.key_env}")
    if rotation.quotas.used_up(target) is not None:
        return rotation.done(run, None, error=f"{ref}: free quota for today used up")
    schedule = rotation.schedule
    ready = schedule.ready_at(target, now)
    if ready > now and ready >= run.end:
        return rotation.done(run, None, error=f"cooling or paced for {ready - now:.0f}s more")
    await rotation.sleep(max(0.0, ready - now))
    while not schedule.reserve(target, rotation.clock()):  # another process took the slot
        ready = schedule.ready_at(target, rotation.clock())
        if ready >= run.end:
            return rotation.done(run, None, error="the provider's rate window is full")
        await rotation.sleep(max(0.0, ready - rotation.clock()))
    outcome = await rotation.attempter.attempt(run, target, None, 1)
    if isinstance(outcome, Completion):
        rotation.metrics.completions_ok += outcome.ok
        return outcome
    if run.last_error.endswith(": empty content"):
        return rotation.done(run, target, content="")
    return rotation.done(run, None, error=run.last_error)
